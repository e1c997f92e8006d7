// Fixed costs per run (issue 14 §2), from microbenchmarks only (never the validation runs):
//
//   first touch    a fresh buffer of `firstTouchBytes` allocated through CountingAllocator, as the
//                  kernels allocate each prefill's workspace (malloc, then zero-filled: every page
//                  faults in on first write), then released; its wall time over its bytes, median
//                  of the repeats. 64 MiB is above glibc's largest mmap threshold (32 MiB), so each
//                  sample gets a fresh mapping instead of reusing pages a previous one touched.
//   BLAS wake-up   one `wakeUpShape` sgemm on BLAS.threads workers right after the process went
//                  quiet (ProcessQuiet.swift: OpenBLAS's workers asleep after their ~0.12 s spin)
//                  less the median of the same call back to back (workers spinning); median of the
//                  repeats' differences, floored at 0. With one thread there is nothing to wake: 0.
//
// The roofline charges both once per prefill (Roofline.swift, "Fixed costs per run").

import Foundation
import Kernels

/// The two fixed costs per run.
public struct FixedCostCalibration: Sendable, Hashable {
    /// Seconds per byte of a fresh buffer's allocation and first write.
    public var firstTouchSecondsPerByte: Spread
    /// Seconds a multi-threaded sgemm pays to wake OpenBLAS's sleeping workers.
    public var blasWakeUpSeconds: Spread
}

extension Calibrator {
    public static let firstTouchBytes = 64 << 20
    /// Large enough that OpenBLAS runs it on every thread, small enough (0.3 ms) that its own time
    /// does not hide the wake-up.
    static let wakeUpShape = GemmShape(name: "wake-up", m: 256, n: 256, k: 256)

    static func measureFixedCosts(repeats: Int) throws(KernelError) -> FixedCostCalibration {
        let alloc = CountingAllocator()
        let elements = firstTouchBytes / 4
        let touch = try Spread(samples(repeats) { () throws(KernelError) -> Double in
            try timedThrowing { () throws(KernelError) in
                let b = try alloc.allocate(elements, .workspace, name: "first-touch")
                withExtendedLifetime(b) {}
            } / Double(firstTouchBytes)
        })
        return FixedCostCalibration(firstTouchSecondsPerByte: touch, blasWakeUpSeconds: measureWakeUp(repeats: repeats))
    }

    /// Cold call after quiet minus the median warm call, per repeat.
    static func measureWakeUp(repeats: Int) -> Spread {
        guard BLAS.threads > 1 else { return Spread([0]) }
        let s = wakeUpShape
        var rng = SeededRandom(seed: 0x3A4E)
        let a = (0..<(s.m * s.k)).map { _ in rng.nextSymmetric() }, b = (0..<(s.k * s.n)).map { _ in rng.nextSymmetric() }
        var c = [Float](repeating: 0, count: s.m * s.n)
        func call() -> Double {
            timed { BLAS.gemm(m: s.m, n: s.n, k: s.k, a: a, lda: s.k, b: b, ldb: s.n, c: &c, ldc: s.n) }
        }
        _ = call()
        var out: [Double] = []
        for _ in 0..<max(1, repeats) {
            ProcessQuiet.wait()
            let cold = call()
            let warm = Spread((0..<5).map { _ in call() }).median
            out.append(max(0, cold - warm))
        }
        return Spread(out)
    }
}
