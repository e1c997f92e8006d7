// Which SIMD path the CKernels kernels (softmax tile, decode, decay mask, row scaling, exp-sum) run:
// chosen once per process from the CPU (the strongest it can run) unless YOCOPROF_SIMD names one,
// and printed beside the OpenBLAS core with every measurement (BLASEnvironment.description).
// A YOCOPROF_SIMD the CPU cannot run, or a name that is no path, is refused by
// `requireHonouredEnvironment()` (called by every measured command and kernel-bench), never
// silently replaced.

import CKernels

public enum SIMDPath: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case portable, avx2, avx512

    /// The environment variable that forces a path.
    public static let environmentVariable = "YOCOPROF_SIMD"

    var code: Int32 {
        switch self {
        case .portable: Int32(YC_SIMD_PORTABLE)
        case .avx2: Int32(YC_SIMD_AVX2)
        case .avx512: Int32(YC_SIMD_AVX512)
        }
    }

    init?(code: Int32) {
        guard let p = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = p
    }

    public var description: String { rawValue }

    /// True when this CPU (and its OS) can run the path.
    public var isSupported: Bool { yc_simd_supported(code) != 0 }

    /// Every path this CPU can run, weakest first.
    public static var supported: [SIMDPath] { allCases.filter(\.isSupported) }

    /// The strongest path this CPU can run.
    public static var best: SIMDPath { SIMDPath(code: yc_simd_best()) ?? .portable }

    /// The path the calling thread's kernels use now.
    public static var current: SIMDPath { SIMDPath(code: yc_simd_path()) ?? .portable }

    /// Throws when YOCOPROF_SIMD names a path this CPU cannot run, or no path at all (the kernels
    /// then run `best`; a measurement must not).
    public static func requireHonouredEnvironment() throws(KernelError) {
        let fault = yc_simd_environment_fault()
        guard fault != Int32(YC_SIMD_ENV_OK) else { return }
        let value = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        let available = supported.map(\.rawValue).joined(separator: ", ")
        let reason = fault == Int32(YC_SIMD_ENV_UNKNOWN)
            ? "is not a kernel path (portable, avx2, avx512)"
            : "needs CPU features this machine lacks (it can run: \(available))"
        throw .simdUnavailable(variable: environmentVariable, value: value, reason: reason)
    }

    /// Runs `body` with `path` forced on the calling thread only (tests: worker threads keep the
    /// process's path, so use one worker inside). Returns nil without running when the CPU cannot
    /// run `path`.
    static func withForced<T>(_ path: SIMDPath, _ body: () throws -> T) rethrows -> T? {
        guard yc_simd_force(path.code) == 0 else { return nil }
        defer { _ = yc_simd_force(-1) }
        return try body()
    }
}

import Foundation
