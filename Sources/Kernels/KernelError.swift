// Typed errors of the kernel library. Every case names the thing, the constraint and the value.

public enum KernelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A run whose buffers would not fit in memory, refused before anything was allocated.
    case insufficientMemory(what: String, requiredBytes: Int, availableBytes: Int)
    /// A shape argument that breaks a kernel's constraint.
    case invalidShape(what: String, constraint: String, value: Int)
    /// The allocator could not obtain memory from the system.
    case allocationFailed(what: String, bytes: Int)
    /// OpenBLAS runs its generic fallback kernels on a CPU it should recognise.
    case blasFallback(coreName: String, reason: String)
    /// OPENBLAS_CORETYPE names a core whose kernels need instructions this CPU lacks (they would
    /// die with SIGILL); refused before OpenBLAS runs anything.
    case blasCoreUnrunnable(variable: String, coreName: String, missingFlags: [String])
    /// YOCOPROF_SIMD names a kernel path this CPU cannot run, or no path.
    case simdUnavailable(variable: String, value: String, reason: String)
    /// OpenBLAS could not be opened (`library`: the file, or YOCOPROF_OPENBLAS=value); the
    /// commands that run the kernels need it, the analytic ones never open it.
    case blasUnavailable(library: String, reason: String)
    /// The library opened as OpenBLAS lacks a symbol the wrappers call.
    case blasSymbolMissing(library: String, symbol: String)
    /// cblas_sgemm disagrees with a naive product.
    case blasSelfCheckFailed(maxAbsError: Float)
    /// A run is asked to hold more tokens than its caches were sized for.
    case capacityExceeded(what: String, capacityTokens: Int, requestedTokens: Int)
    /// Writing a dump failed; nothing was left behind at `path`.
    case dumpFailed(path: String, reason: String)
    /// A model shape the kernels do not implement.
    case unsupportedModel(reason: String)

    public var description: String {
        switch self {
        case .insufficientMemory(let what, let req, let avail):
            return "\(what) needs \(req) bytes (\(Self.mib(req)) MiB) but only \(avail) bytes (\(Self.mib(avail)) MiB) are available; refused before allocating"
        case .invalidShape(let what, let constraint, let value):
            return "`\(what)` \(constraint); received \(value)"
        case .allocationFailed(let what, let bytes):
            return "could not allocate \(bytes) bytes for \(what)"
        case .blasFallback(let core, let reason):
            return "OpenBLAS uses its \(core) kernels, weaker than this CPU: \(reason); refused to measure. "
                + (BLASEnvironment.suggestedCore().map { "Set OPENBLAS_CORETYPE=\($0) before the program starts" } ?? "Unset OPENBLAS_CORETYPE (OpenBLAS detects this CPU itself)")
        case .blasCoreUnrunnable(let variable, let core, let missing):
            return "\(variable)=\(core) needs the CPU flags \(missing.joined(separator: ", ")), which this CPU lacks (its kernels would die with SIGILL); "
                + (BLASEnvironment.suggestedCore().map { "set \(variable)=\($0) or unset it" } ?? "unset \(variable) (OpenBLAS detects this CPU itself)")
        case .simdUnavailable(let variable, let value, let reason):
            return "\(variable)=\(value) \(reason); unset it to use the best path"
        case .blasUnavailable(let library, let reason):
            return "cannot load OpenBLAS (\(library)): \(reason); the commands that run the kernels need it "
                + "(Debian/Ubuntu: apt-get install libopenblas0, or set YOCOPROF_OPENBLAS to the library's path), the analytic commands do not"
        case .blasSymbolMissing(let library, let symbol):
            return "\(library) has no symbol \(symbol), which the kernels call: it is not OpenBLAS or lacks its CBLAS interface; "
                + "point YOCOPROF_OPENBLAS at libopenblas.so.0 or unset it"
        case .blasSelfCheckFailed(let err):
            return "cblas_sgemm disagrees with a naive product (max abs error \(err))"
        case .capacityExceeded(let what, let cap, let req):
            return "\(what) was sized for \(cap) tokens per sequence; \(req) requested"
        case .dumpFailed(let path, let reason):
            return "could not write dump to \(path): \(reason) (no partial files were left)"
        case .unsupportedModel(let reason):
            return "unsupported model: \(reason)"
        }
    }

    static func mib(_ bytes: Int) -> String {
        let v = Double(bytes) / 1_048_576
        return String(Int((v * 10).rounded()) / 10) + "." + String(Int((v * 10).rounded()) % 10)
    }
}
