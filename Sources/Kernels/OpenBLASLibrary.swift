// OpenBLAS opened at run time (issue 13). The executable does not link it: the analytic commands
// (memory, capacity, estimate, sweep, models, ...) start on a machine without it, and neither map
// it nor start its thread pool. It is opened once, by `BLAS.load()` (every command that runs the
// kernels calls it through `BLASEnvironment.requireRunnable` before any product) or else by the
// first product:
//   1. OPENBLAS_CORETYPE is judged and fixed in this process (`BLASEnvironment.settleCoreType`):
//      OpenBLAS reads it, and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, once, while it loads.
//   2. dlopen: the file YOCOPROF_OPENBLAS names when it is set (a path, or a file name for the
//      loader's search; nothing else is tried), else `defaultCandidates` in order.
//   3. dlsym of exactly the symbols `Symbols` holds; a missing one is refused by name.
//   4. a build with 64-bit integers (INTERFACE64: openblas_get_config() says USE64BITINT) is
//      refused: every wrapper passes 32-bit ones (`blasint` is int in the LP64 builds Debian ships
//      as libopenblas.so.0; its 64-bit-index build is libopenblas64.so.0 with suffixed names).
// Functions are declared here with the C types of OpenBLAS's cblas.h (enums are C ints).

import Foundation

enum OpenBLASLibrary {
    /// The variable that names the library to open instead of the default search.
    static let overrideVariableName = "YOCOPROF_OPENBLAS"

    // cblas.h's enum values (CBLAS_ORDER, CBLAS_TRANSPOSE), fixed by the CBLAS interface.
    static let rowMajor: Int32 = 101
    static let noTrans: Int32 = 111
    static let trans: Int32 = 112

    typealias Sgemm = @convention(c) (
        _ order: Int32, _ transA: Int32, _ transB: Int32, _ m: Int32, _ n: Int32, _ k: Int32,
        _ alpha: Float, _ a: UnsafePointer<Float>?, _ lda: Int32, _ b: UnsafePointer<Float>?, _ ldb: Int32,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>?, _ ldc: Int32) -> Void
    typealias Sgemv = @convention(c) (
        _ order: Int32, _ trans: Int32, _ m: Int32, _ n: Int32, _ alpha: Float, _ a: UnsafePointer<Float>?,
        _ lda: Int32, _ x: UnsafePointer<Float>?, _ incx: Int32, _ beta: Float, _ y: UnsafeMutablePointer<Float>?,
        _ incy: Int32) -> Void
    typealias Sger = @convention(c) (
        _ order: Int32, _ m: Int32, _ n: Int32, _ alpha: Float, _ x: UnsafePointer<Float>?, _ incx: Int32,
        _ y: UnsafePointer<Float>?, _ incy: Int32, _ a: UnsafeMutablePointer<Float>?, _ lda: Int32) -> Void
    typealias GetInt = @convention(c) () -> Int32
    typealias SetInt = @convention(c) (Int32) -> Void
    typealias GetString = @convention(c) () -> UnsafeMutablePointer<CChar>?

    /// The resolved entry points: C function pointers only, so reading them per product retains nothing.
    struct Symbols: @unchecked Sendable {
        var sgemm: Sgemm
        var sgemv: Sgemv
        var sger: Sger
        var getNumThreads: GetInt
        var setNumThreads: SetInt
        var getCorename: GetString
        var getConfig: GetString

        /// The file the loader mapped cblas_sgemm from (e.g. /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0),
        /// or nil where /proc/self/maps is not there.
        var path: String? { mappedFile(containing: unsafeBitCast(sgemm, to: UnsafeRawPointer.self)) }
    }

    /// Every symbol the wrappers call, in the order `Symbols` holds them.
    static let symbolNames = ["cblas_sgemm", "cblas_sgemv", "cblas_sger", "openblas_get_num_threads",
                              "openblas_set_num_threads", "openblas_get_corename", "openblas_get_config"]

    /// Where OpenBLAS is looked for when YOCOPROF_OPENBLAS is unset: the shared object's name for
    /// the loader's search (LD_LIBRARY_PATH, then ld.so.cache, where Debian and Ubuntu register
    /// /usr/lib/<multiarch>/libopenblas.so.0, the link their alternatives system points at the
    /// variant in use), then those variants' own folders (libopenblas0-pthread, -openmp,
    /// -serial) in case the link is missing, then a source build's `make install` prefix.
    static var defaultCandidates: [String] {
        #if os(macOS)
        return ["libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
                "/usr/local/opt/openblas/lib/libopenblas.dylib"]
        #else
        #if arch(x86_64)
        let multiarch: String? = "x86_64-linux-gnu"
        #elseif arch(arm64)
        let multiarch: String? = "aarch64-linux-gnu"
        #else
        let multiarch: String? = nil
        #endif
        var names = ["libopenblas.so.0"]
        if let multiarch {
            names += ["pthread", "openmp", "serial"].map { "/usr/lib/\(multiarch)/openblas-\($0)/libopenblas.so.0" }
        }
        return names + ["/opt/OpenBLAS/lib/libopenblas.so.0"]
        #endif
    }

    /// The candidates this process tries: YOCOPROF_OPENBLAS alone when it is set and not empty.
    static func candidates(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        if let name = environment[overrideVariableName], !name.isEmpty { return [name] }
        return defaultCandidates
    }

    /// Opens the first candidate the loader accepts and resolves every symbol from it. Does not
    /// judge OPENBLAS_CORETYPE (`BLAS.load` does that first); tests call it with files that are
    /// not OpenBLAS.
    static func open(candidates: [String], overridden: Bool) throws(KernelError) -> Symbols {
        var failures: [String] = []
        for name in candidates {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                failures.append(dlerror().map { String(cString: $0) } ?? "\(name): cannot be opened")
                continue
            }
            do { return try resolve(handle, name: name) } catch {
                dlclose(handle)
                throw error
            }
        }
        let tried = candidates.count > 1 ? " (tried \(candidates.joined(separator: ", ")))" : ""
        throw .blasUnavailable(
            library: overridden ? "\(overrideVariableName)=\(candidates.first ?? "")" : candidates.first ?? "libopenblas.so.0",
            reason: (failures.first ?? "no candidate") + tried)
    }

    private static func resolve(_ handle: UnsafeMutableRawPointer, name: String) throws(KernelError) -> Symbols {
        var pointers: [UnsafeMutableRawPointer] = []
        for symbol in symbolNames {
            guard let p = dlsym(handle, symbol) else { throw .blasSymbolMissing(library: name, symbol: symbol) }
            pointers.append(p)
        }
        let symbols = Symbols(
            sgemm: unsafeBitCast(pointers[0], to: Sgemm.self), sgemv: unsafeBitCast(pointers[1], to: Sgemv.self),
            sger: unsafeBitCast(pointers[2], to: Sger.self), getNumThreads: unsafeBitCast(pointers[3], to: GetInt.self),
            setNumThreads: unsafeBitCast(pointers[4], to: SetInt.self),
            getCorename: unsafeBitCast(pointers[5], to: GetString.self), getConfig: unsafeBitCast(pointers[6], to: GetString.self))
        let config = symbols.getConfig().map { String(cString: $0) } ?? ""
        if config.split(separator: " ").contains("USE64BITINT") {
            throw .blasUnavailable(library: symbols.path ?? name, reason: "it is built with 64-bit integers (openblas_get_config: \(config)); yocoprof passes 32-bit ones (use the LP64 build, libopenblas.so.0)")
        }
        return symbols
    }

    /// The file of /proc/self/maps whose mapping holds `address` (nil off Linux: the name opened
    /// stands for it). Swift's Glibc module lacks dladdr (it needs _GNU_SOURCE).
    static func mappedFile(containing address: UnsafeRawPointer) -> String? {
        #if os(Linux)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return nil }
        let a = UInt(bitPattern: address)
        for line in maps.split(separator: "\n") {
            // start-end perms offset dev inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6 else { continue }
            let file = fields[5].trimmingCharacters(in: .whitespaces)  // padded after the inode
            let range = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            if file.hasPrefix("/"), range.count == 2, range[0] <= a, a < range[1] { return file }
        }
        return nil
        #else
        return nil
        #endif
    }

    /// The one attempt of this process (`BLAS.load`): the core type settled, then the library opened.
    static let loaded: Result<Symbols, KernelError> = {
        do throws(KernelError) {
            try BLASEnvironment.settleCoreType()
            let environment = ProcessInfo.processInfo.environment
            return .success(try open(candidates: candidates(environment),
                                     overridden: environment[overrideVariableName].map { !$0.isEmpty } ?? false))
        } catch {
            return .failure(error)
        }
    }()

    /// The symbols for a product. A product that runs before any `BLAS.load()` (a test, a
    /// benchmark) opens the library here; if that fails the process ends with the error's line
    /// (exit 1, as the CLI maps a KernelError), since a product cannot throw.
    @inline(__always)
    static var symbols: Symbols {
        switch loaded {
        case .success(let s): return s
        case .failure(let e):
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            exit(1)
        }
    }
}
