// The feed-forward activation's own rate (issue 14): SwiGLU's swish(gate) x up, measured by
// `calibrate` as the kernels run it (Calibration+Kernels.swift) and charged by the roofline to the
// feed-forward's activation FLOPs only (Roofline.swift, "Activation rate"). Inside the model the
// SwiGLU ran 1.5x its three products' same-shape microbenchmarks at 1K rows, the activation alone
// a third of it (docs/VALIDATION.md, "The feed-forward's activation").

import CostModel
import Foundation
import Kernels
@testable import Profiler
import ProfileStore
import Testing

@Suite("Activation rate")
struct ActivationRateTests {
    static let base = HardwareSpec(id: "host-x", source: "test", memoryBytes: 1 << 34, memoryBandwidthBytesPerSecond: 1e15,
                                   peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 0.5, memoryEfficiency: 1,
                                   operatorOverheadSeconds: 0, elementwiseFlopsPerSecond: 1e10)

    @Test("the figure is counted FLOPs over the activation's own time, one sample per repeat")
    func measured() {
        let rate = Calibrator.activationRate(inner: 64, repeats: 3)
        #expect(rate.samples == 3)
        // Any real run is above the profile's 1 MFLOP/s floor and below this host's peak many times over.
        #expect(rate.min > 1e6 && rate.max < 1e13)
    }

    @Test("the activation FLOPs of a feed-forward (5 per gate element), at prefill and decode rows; none elsewhere")
    func counted() {
        // (model, activation elements per token row): F 64 (Fixtures), or 2 active experts of 16.
        for (spec, perRow) in [(Fixtures.yocoGRet, Int128(64)), (Fixtures.moe, Int128(2 * 16))] {
            // prefill: B N = 32 rows, but YOCO's cross layers on the last position only (B = 2); decode: B = 2
            for (ops, rows) in [(spec.prefillCost(batch: 2, promptTokens: 16, dtypes: .uniform(.fp32)).operators, Int128(32)),
                                (spec.decodeOperators(batch: 2, dtypes: .uniform(.fp32)).map(\.fixed), Int128(2))] {
                for op in ops {
                    let r = op.id.label == "cross" ? 2 : rows
                    if op.id.part == .ffn && !(spec.id == "tiny-moe" && op.id.run != 0) {
                        #expect(op.activationFlops == 5 * r * perRow, "\(spec.id) \(op.name)")
                        #expect(op.activationFlops <= op.flops.other)
                    } else if op.id.part != .ffn {
                        #expect(op.activationFlops == 0, "\(spec.id) \(op.name)")
                    }
                }
            }
        }
    }

    @Test("a profile's activation rate prices the feed-forward's activation FLOPs and nothing else")
    func charged() throws {
        var slow = Self.base
        slow.activationFlopsPerSecond = 1e8
        let a = try RooflineRates(hardware: Self.base, computeDType: .fp32), b = try RooflineRates(hardware: slow, computeDType: .fp32)
        let ops = Fixtures.yocoGRet.prefillCost(batch: 1, promptTokens: 64, dtypes: .uniform(.fp32)).operators
        for op in ops {
            if op.activationFlops > 0 {
                // count x (matmul / 5e10 + (other - activation) / 1e10 + activation / 1e8): compute-bound at these rates.
                let f = op.executedFlops
                let expected = Double(op.count) * (Double(f.matmul) / 5e10 + Double(f.other - op.activationFlops) / 1e10
                                                   + Double(op.activationFlops) / 1e8)
                #expect(abs(b.seconds(op) - expected) <= 1e-9 * expected, "rounding only")
                #expect(b.seconds(op) > a.seconds(op))
            } else {
                #expect(a.seconds(op) == b.seconds(op), "\(op.name) must not move")
            }
        }
        #expect(ops.contains { $0.activationFlops > 0 })
    }

    @Test("the field loads when present, is validated, and an older profile has none")
    func loads() throws {
        let text = """
        {"id": "host-x", "source": "test", "memory_bytes": 17179869184, "memory_bandwidth_bytes_per_second": 2e10,
         "peak_flops_per_second": {"fp32": 1e11}, "compute_efficiency": 0.5, "memory_efficiency": 0.5,
         "operator_overhead_seconds": 1e-6, "elementwise_flops_per_second": 8e9}
        """
        #expect(try ProfileStore.parseHardware(Data(text.utf8), file: "host-x.json").activationFlopsPerSecond == nil)
        let with = text.replacingOccurrences(of: "\"elementwise_flops_per_second\": 8e9", with: "\"elementwise_flops_per_second\": 8e9, \"activation_flops_per_second\": 3e8")
        #expect(with != text)
        #expect(try ProfileStore.parseHardware(Data(with.utf8), file: "host-x.json").activationFlopsPerSecond == 3e8)
        let bad = text.replacingOccurrences(of: "\"elementwise_flops_per_second\": 8e9", with: "\"activation_flops_per_second\": 0")
        #expect { try ProfileStore.parseHardware(Data(bad.utf8), file: "host-x.json") } throws: {
            ($0 as? ProfileError)?.field == "activation_flops_per_second"
        }
    }
}
