// What OpenBLAS and the CKernels are doing on this machine, and the one-time checks every
// measurement relies on (BRIEF §5, issue 4 §2, issues 13 and 16).
//
// OpenBLAS picks its kernels while it loads, from OPENBLAS_CORETYPE or its own detection; a
// setenv after that is too late. The executable does not link it: it is opened on first use
// (OpenBLASLibrary.swift), and `settleCoreType()` runs in this process just before, once:
//   - OPENBLAS_CORETYPE names a core this CPU cannot run (OpenBLASCores.swift: SkylakeX without
//     AVX-512, Bulldozer without FMA4, ...): its first product would die with SIGILL. The variable
//     is replaced by the right core (or unset where OpenBLAS's detection is right), with one line
//     on stderr; YOCOPROF_NO_REEXEC=1 (named when this step re-executed the process) leaves it,
//     and the load is refused with one line naming the variable.
//   - unset on a CPU OpenBLAS 0.3.21 mis-detects (AVX-512: it falls back to SSE3 "Prescott",
//     about 5x slower): set OPENBLAS_CORETYPE=SkylakeX.
// The analytic commands never open the library, so no value of the variable concerns them.
// Measured commands then call `prepareForMeasurement()`, which refuses a core ranked below the
// CPU (a fallback or a weaker forced core), a YOCOPROF_SIMD the CPU cannot run, and a wrong sgemm.

import Foundation
import Synchronization

public struct BLASEnvironment: Sendable, Hashable, CustomStringConvertible {
    /// openblas_get_corename(), e.g. "SkylakeX", "Haswell", "Prescott".
    public var coreName: String
    /// openblas_get_num_threads().
    public var threads: Int
    /// OPENBLAS_CORETYPE as this process saw it at start (nil when unset).
    public var coreTypeVariable: String?
    /// CPU flags of interest from /proc/cpuinfo.
    public var cpuHasAVX512F: Bool
    public var cpuHasAVX2: Bool
    /// The widest ISA the CPU offers (OpenBLASCore.rank scale); nil when /proc/cpuinfo is unreadable.
    public var cpuRank: Int?
    /// The CKernels path in use (softmax, decode, decay).
    public var simdPath: SIMDPath
    /// The OPENBLAS_CORETYPE value `settleCoreType` replaced because this CPU cannot run it.
    public var replacedCoreType: String?

    public init(coreName: String, threads: Int, coreTypeVariable: String?, cpuHasAVX512F: Bool, cpuHasAVX2: Bool,
                cpuRank: Int? = nil, simdPath: SIMDPath = .current, replacedCoreType: String? = nil) {
        self.coreName = coreName
        self.threads = threads
        self.coreTypeVariable = coreTypeVariable
        self.cpuHasAVX512F = cpuHasAVX512F
        self.cpuHasAVX2 = cpuHasAVX2
        self.cpuRank = cpuRank ?? (cpuHasAVX512F ? OpenBLASCore.avx512 : cpuHasAVX2 ? OpenBLASCore.avx2 : nil)
        self.simdPath = simdPath
        self.replacedCoreType = replacedCoreType
    }

    static let coreTypeVariableName = "OPENBLAS_CORETYPE"
    static let keepCoreTypeVariableName = "YOCOPROF_NO_REEXEC"

    /// The environment of this process's OpenBLAS (opening it first if needed: the variable is
    /// read after `settleCoreType` has run).
    public static func current() -> BLASEnvironment {
        let coreName = BLAS.coreName, threads = BLAS.threads
        let flags = cpuFlags()
        let env = ProcessInfo.processInfo.environment
        return BLASEnvironment(
            coreName: coreName, threads: threads, coreTypeVariable: env[coreTypeVariableName],
            cpuHasAVX512F: flags.contains("avx512f"), cpuHasAVX2: flags.contains("avx2"),
            cpuRank: flags.isEmpty ? nil : OpenBLASCore.cpuRank(flags), simdPath: .current,
            replacedCoreType: replacedCoreType.withLock { $0 })
    }

    /// The value `settleCoreType` replaced in this process, if any.
    private static let replacedCoreType = Mutex<String?>(nil)

    /// True when OpenBLAS runs a core ranked below what the CPU offers (its generic fallback, or a
    /// weaker core forced by OPENBLAS_CORETYPE). "Unknown" counts as the lowest rank; a core name
    /// not in OpenBLASCore.known cannot be judged and is not a fallback.
    public var isFallback: Bool {
        guard let cpu = cpuRank else { return false }
        if coreName.lowercased() == "unknown" { return cpu > OpenBLASCore.sse }
        guard let core = OpenBLASCore.named(coreName) else { return false }
        return core.rank < cpu
    }

    public var description: String {
        "OpenBLAS core \(coreName), \(threads) thread\(threads == 1 ? "" : "s"), kernels \(simdPath)"
            + (isFallback ? " (FALLBACK kernels: the CPU has \(cpuHasAVX512F ? "AVX-512" : "AVX2"))" : "")
            + (replacedCoreType.map { " (\(Self.coreTypeVariableName)=\($0) replaced: this CPU cannot run it)" } ?? "")
    }

    /// Throws `blasFallback` when OpenBLAS runs kernels weaker than this CPU.
    public func requireNativeKernels() throws(KernelError) {
        if isFallback {
            throw .blasFallback(
                coreName: coreName,
                reason: "\(Self.coreTypeVariableName) is \(coreTypeVariable.map { "'\($0)'" } ?? "unset") and the CPU has \(cpuHasAVX512F ? "avx512f" : cpuHasAVX2 ? "avx2" : "avx")")
        }
    }

    /// The flags line of /proc/cpuinfo (empty off Linux).
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }

    /// The OPENBLAS_CORETYPE this CPU should run (nil: leave it unset, OpenBLAS detects it right).
    public static func suggestedCore() -> String? { OpenBLASCore.suggested(cpuFlags: cpuFlags()) }

    /// The forced core this CPU cannot run, with the flags it lacks; nil when the variable is unset,
    /// names a core the CPU can run, or names no listed core (OpenBLAS then ignores it).
    public static func unrunnableCoreType(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, cpuFlags flags: Set<String> = cpuFlags()
    ) -> (name: String, missing: [String])? {
        guard let value = environment[coreTypeVariableName], !flags.isEmpty, let core = OpenBLASCore.named(value) else { return nil }
        let missing = core.missingFlags(cpuFlags: flags)
        return missing.isEmpty ? nil : (value, missing)
    }

    /// Runs once, inside `BLAS.load`, just before the library is opened (see the header):
    /// replaces an OPENBLAS_CORETYPE this CPU cannot run, or sets SkylakeX where OpenBLAS
    /// mis-detects the CPU. With YOCOPROF_NO_REEXEC set (to anything but "" or 0) the variable is
    /// left as it is, and a core this CPU cannot run is refused (`blasCoreUnrunnable`).
    static func settleCoreType(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                               cpuFlags flags: Set<String> = cpuFlags()) throws(KernelError) {
        var env = environment
        // An empty OPENBLAS_CORETYPE is no setting (OpenBLAS and scripts/openblas-coretype.sh read it so).
        if env[coreTypeVariableName]?.isEmpty == true {
            unsetenv(coreTypeVariableName)
            env[coreTypeVariableName] = nil
        }
        let keep = env[keepCoreTypeVariableName].map { !$0.isEmpty && $0 != "0" } ?? false
        let suggested = OpenBLASCore.suggested(cpuFlags: flags)
        if let bad = unrunnableCoreType(env, cpuFlags: flags) {
            if keep { throw .blasCoreUnrunnable(variable: coreTypeVariableName, coreName: bad.name, missingFlags: bad.missing) }
            let instead = suggested.map { "\(coreTypeVariableName)=\($0)" } ?? "\(coreTypeVariableName) unset (OpenBLAS detects this CPU)"
            FileHandle.standardError.write(Data(
                "note: \(coreTypeVariableName)=\(bad.name) needs CPU flags \(bad.missing.joined(separator: ", ")) this CPU lacks (SIGILL); running with \(instead)\n".utf8))
            if let s = suggested { setenv(coreTypeVariableName, s, 1) } else { unsetenv(coreTypeVariableName) }
            replacedCoreType.withLock { $0 = bad.name }
            return
        }
        if env[coreTypeVariableName] == nil, !keep, let s = suggested { setenv(coreTypeVariableName, s, 1) }
    }

    /// The former start-up step of kernel-bench (it re-executed the process before OpenBLAS
    /// loaded): opens the library now, after the same judgement. Errors resurface, typed, from
    /// `prepareForMeasurement`.
    public static func reexecWithCoreTypeIfNeeded() { _ = try? BLAS.load() }

    /// cblas_sgemm against a naive product on an awkward shape (37 x 29 x 53), once per process.
    /// Tolerance 1e-4: inputs in [-1, 1], 29-term sums, fp32 vs Double accumulation.
    public static func checkSgemm() throws(KernelError) {
        let m = 37, k = 29, n = 53
        var rng = SeededRandom(seed: 0x5eed)
        let a = (0..<(m * k)).map { _ in rng.nextSymmetric() }, b = (0..<(k * n)).map { _ in rng.nextSymmetric() }
        var c = [Float](repeating: 0, count: m * n)
        BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        var worst: Float = 0
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
                worst = max(worst, abs(Float(s) - c[i * n + j]))
            }
        }
        if !(worst <= 1e-4) { throw .blasSelfCheckFailed(maxAbsError: worst) }
    }

    /// Opens OpenBLAS (`BLAS.load`: refuses an OPENBLAS_CORETYPE this CPU cannot run when
    /// YOCOPROF_NO_REEXEC keeps it, and a library that cannot be opened or lacks a symbol) and
    /// refuses a YOCOPROF_SIMD this CPU cannot honour, before any product runs. Every command that
    /// runs the kernels calls it.
    public static func requireRunnable() throws(KernelError) {
        try BLAS.load()
        try SIMDPath.requireHonouredEnvironment()
    }

    /// The checks a measured command runs before timing anything: a core this CPU can run and that
    /// is not weaker than it, the SIMD path YOCOPROF_SIMD asked for, and a correct sgemm.
    /// Returns the environment to print beside every measurement.
    public static func prepareForMeasurement() throws(KernelError) -> BLASEnvironment {
        try requireRunnable()
        let env = current()
        try env.requireNativeKernels()
        try checkSgemm()
        return env
    }
}
