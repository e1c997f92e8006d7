// What OpenBLAS is doing on this machine, and the one-time checks every measurement relies on
// (BRIEF §5, issue 4 §2).
//
// OpenBLAS 0.3.21 does not recognise these CPUs and falls back to SSE3 "Prescott" kernels (about
// 5x slower) unless OPENBLAS_CORETYPE names the core before the library's constructor runs, i.e.
// before the process starts: a setenv in main is too late. So the executable calls
// `reexecWithCoreTypeIfNeeded()` first thing: if the variable is unset and the CPU has AVX-512F,
// it sets OPENBLAS_CORETYPE=SkylakeX and execv's /proc/self/exe with the same argv, so the library
// initialises again with the right kernels. Measured commands then call `requireNativeKernels()`,
// which throws (never benchmarks silently) if the fallback is still in use.

import COpenBLAS
import Foundation

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

    /// Core names OpenBLAS uses as generic fallbacks.
    public static let fallbackCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom", "nehalem", "unknown"]

    public static func current() -> BLASEnvironment {
        let flags = cpuFlags()
        return BLASEnvironment(
            coreName: BLAS.coreName, threads: BLAS.threads,
            coreTypeVariable: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
            cpuHasAVX512F: flags.contains("avx512f"), cpuHasAVX2: flags.contains("avx2"))
    }

    /// True when OpenBLAS runs a generic core although the CPU supports AVX2 or AVX-512.
    public var isFallback: Bool {
        Self.fallbackCores.contains(coreName.lowercased()) && (cpuHasAVX512F || cpuHasAVX2)
    }

    public var description: String {
        "OpenBLAS core \(coreName), \(threads) thread\(threads == 1 ? "" : "s")"
            + (isFallback ? " (FALLBACK kernels: the CPU has \(cpuHasAVX512F ? "AVX-512" : "AVX2"))" : "")
    }

    /// Throws `blasFallback` when OpenBLAS runs its fallback kernels on a CPU it should use better.
    public func requireNativeKernels() throws(KernelError) {
        if isFallback {
            throw .blasFallback(
                coreName: coreName,
                reason: "OPENBLAS_CORETYPE is \(coreTypeVariable.map { "'\($0)'" } ?? "unset") and the CPU has \(cpuHasAVX512F ? "avx512f" : "avx2")")
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

    /// When OPENBLAS_CORETYPE is unset and the CPU has AVX-512F, sets it to SkylakeX and replaces
    /// this process with a fresh copy of itself (same argv) so that OpenBLAS initialises with the
    /// AVX-512 kernels. Returns normally when nothing needs doing or when exec is impossible (the
    /// caller's measured commands then refuse through `requireNativeKernels()`).
    /// Call it first thing in main, before any other work; YOCOPROF_NO_REEXEC=1 disables it.
    public static func reexecWithCoreTypeIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["YOCOPROF_REEXECED"] == nil, env["YOCOPROF_NO_REEXEC"] == nil else { return }
        guard cpuFlags().contains("avx512f") else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        setenv("YOCOPROF_REEXECED", "1", 1)  // guards against a loop if the exec'd copy still sees no variable
        let args = CommandLine.arguments
        var cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) }
        cargs.append(nil)
        execv("/proc/self/exe", &cargs)
        // execv returned: it failed. Undo so the environment tells the truth.
        unsetenv("OPENBLAS_CORETYPE")
        for p in cargs { free(p) }
    }

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

    /// The checks a measured command runs before timing anything: native kernels and a correct sgemm.
    /// Returns the environment to print beside every measurement.
    public static func prepareForMeasurement() throws(KernelError) -> BLASEnvironment {
        let env = current()
        try env.requireNativeKernels()
        try checkSgemm()
        return env
    }
}
