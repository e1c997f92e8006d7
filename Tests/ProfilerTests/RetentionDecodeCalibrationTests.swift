// The recurrent gRet decode core's memory efficiency (Calibration+Kernels.swift): measured on the
// kernels' own operator clock in a calibration model, and charged by the roofline on the decode
// gRet core alone (issue 14: decode gret.core ran 230% over its roofline on the DRAM read rate).

import CostModel
import Foundation
import Kernels
@testable import Profiler
import Testing

@Suite("Retention decode calibration")
struct RetentionDecodeCalibrationTests {
    @Test("the figure is the gRet core's charged bytes over its clocked time per layer-step, a fraction of the bandwidth")
    func measured() throws {
        let spec = Fixtures.yocoGRet
        let e = try Calibrator.retentionDecodeMemoryEfficiency(spec, bandwidth: 1e10, overheadSeconds: 0, repeats: 3)
        #expect(e.samples == 3)
        #expect(e.min > 0 && e.max <= 1)
        // The same clocked rate over an absurd bandwidth is a tiny fraction of it.
        let far = try Calibrator.retentionDecodeMemoryEfficiency(spec, bandwidth: 1e18, overheadSeconds: 0, repeats: 1)
        #expect(far.max < 1e-3)
        // An overhead above the whole step leaves nothing to charge at a rate: capped at 1.
        let all = try Calibrator.retentionDecodeMemoryEfficiency(spec, bandwidth: 1e10, overheadSeconds: 1, repeats: 1)
        #expect(all.median == 1)
    }

    @Test("the profile's retention_core memory efficiency prices the decode gRet core and nothing else")
    func charged() throws {
        let base = HardwareSpec(id: "host-x", source: "test", memoryBytes: 1 << 34, memoryBandwidthBytesPerSecond: 2e10,
                                peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 0.5, memoryEfficiency: 0.5,
                                operatorOverheadSeconds: 1e-6, operatorEfficiency: [.retentionCore: 0.1])
        var slow = base
        slow.operatorMemoryEfficiency = [.retentionCore: 0.01]
        let spec = Fixtures.yocoGRet
        let ops = spec.decodeOperators(batch: 1, dtypes: .uniform(.fp32))
        let a = try RooflineRates(hardware: base, computeDType: .fp32), b = try RooflineRates(hardware: slow, computeDType: .fp32)
        for op in ops {
            let sa = op.seconds(from: 9, to: 10, rates: a), sb = op.seconds(from: 9, to: 10, rates: b)
            if op.fixed.name == "gret.core" {
                // 2 steps x count x (bytes / (2e10 x 0.01) + 1 us): memory-bound at that efficiency.
                let expected = 2 * Double(op.fixed.count) * (op.fixed.bytes.fastDouble / 2e8 + 1e-6)
                #expect(abs(sb - expected) <= 1e-9 * expected, "rounding only")
                #expect(sb > sa)
            } else {
                #expect(sa == sb, "\(op.fixed.name) must not move")
            }
        }
    }
}
