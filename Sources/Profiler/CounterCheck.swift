// The counter self-test the profiler runs before it trusts any counter (issue 5 §1, docs/COUNTERS.md):
// one sgemm through the Kernels BLAS wrapper with a known 2·m·n·k FLOPs, publishing the same count
// to the SDE counter MATMUL_FLOPS inside the measured region. The SDE counter must read it exactly
// (else the profiler refuses to run); the hardware FLOP event, where it can be counted at all, must
// be within CounterSelfTest.hardwareFlopTolerance, else it is reported as not trusted and not used.

import HardwareCounters
import Kernels

public enum CounterCheck {
    /// Runs the self-test with an m x k by k x n sgemm (default 256^3: 33.6 MFLOP, well above the
    /// harness's own arithmetic, small enough to take about a millisecond).
    public static func run(session: CounterSession, m: Int = 256, n: Int = 256, k: Int = 256) throws -> SelfTestReport {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let flops = 2 * Int64(m) * Int64(n) * Int64(k)
        return try CounterSelfTest.run(session: session, sdeCounter: .matmulFlops, expectedFlops: flops) {
            BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
            SDECounterBlock.shared.add(.matmulFlops, flops)
        }
    }

    /// Throws unless the SDE path read the known count exactly.
    public static func requireTrusted(_ report: SelfTestReport) throws(ProfilerError) {
        guard report.softwareCountersTrusted else {
            throw .counterSelfTestFailed("sde MATMUL_FLOPS: \(report.softwareDefined) (expected exactly \(report.expectedFlops))")
        }
    }
}

extension WorkCounters {
    /// Adds every field to the matching YOCOPROF SDE counter. Call it inside the measured closure,
    /// after the work, so PAPI's DELTA reading of the region equals these counts exactly.
    public func publish(to block: SDECounterBlock = .shared) {
        block.add(.matmulFlops, matmulFlops)
        block.add(.otherFlops, otherFlops)
        block.add(.attentionPairsExecuted, attentionPairsExecuted)
        block.add(.attentionPairsUseful, attentionPairsUseful)
        block.add(.kvBytesWritten, kvBytesWritten)
        block.add(.kvBytesRead, kvBytesRead)
        block.add(.stateBytesRead, stateBytesRead)
        block.add(.stateBytesWritten, stateBytesWritten)
        block.add(.expertsTouched, expertsTouched)
    }

    /// The value of the field that `counter` mirrors.
    public subscript(counter: SoftwareCounter) -> Int64 {
        switch counter {
        case .matmulFlops: matmulFlops
        case .otherFlops: otherFlops
        case .attentionPairsExecuted: attentionPairsExecuted
        case .attentionPairsUseful: attentionPairsUseful
        case .kvBytesWritten: kvBytesWritten
        case .kvBytesRead: kvBytesRead
        case .stateBytesRead: stateBytesRead
        case .stateBytesWritten: stateBytesWritten
        case .expertsTouched: expertsTouched
        }
    }
}
