// The one-row products' read fraction (CostModel/OneRowProductRead.swift): an operator with one-row
// product calls has its bytes charged at the profile's fraction of its memory rate, interpolated
// in log2 of its reuse working set; calls x the per-call key beside; a profile without the
// fractions prices as before.

import CostModel
import Testing

@Suite("One-row product read")
struct OneRowProductReadTests {
    static let host: HardwareSpec = {
        var h = OneRowProductCallTests.host  // DRAM 2e10 x 0.7 = 1.4e10 B/s, overhead 2 µs, 7 µs a call
        h.oneRowProductReadFractionByWorkingSetBytes = [1 << 22: 0.3, 1 << 27: 0.65]
        return h
    }()

    /// A Transformer layer's FFN in decode, counted by hand: gate, up [256, 768] and down [768, 256]
    /// fp32, 3 sgemv calls, 2 instances, its step's working set 8 MiB.
    static func ffn() -> OperatorCost {
        var op = ComputeFixtures.tinyTransformer.decodeStepCost(batch: 1, context: 8, dtypes: .uniform(.fp32)).operators
            .first { $0.name == "attention.ffn" }!
        op.count = 2
        op.bytes = 3 * 4 * 256 * 768
        op.executedFlops = FlopCount(matmul: 2 * 3 * 256 * 768)
        op.oneRowProductCalls = 3
        op.reuseWorkingSetBytes = 1 << 23
        return op
    }

    @Test("a hand-counted FFN: bytes at the fraction (0.3 + (23 - 22) / (27 - 22) x 0.35 = 0.37) of the DRAM rate, plus 3 calls x 7 µs")
    func handCounted() throws {
        let with = try RooflineRates(hardware: Self.host, computeDType: .fp32)
        let op = Self.ffn()
        let bytesSeconds = Double(3 * 4 * 256 * 768) / (1.4e10 * 0.37)  // 455 µs: memory-bound (compute 0.078 µs)
        // Relative tolerance 1e-9: the log2 interpolation is a 10-term series (error below 1e-10).
        #expect(abs(with.seconds(op) / (2 * (bytesSeconds + 2e-6 + 3 * 7e-6)) - 1) < 1e-9)
        // Without the fractions: the same operator's bytes at the DRAM rate, the calls still paid.
        var plain = Self.host
        plain.oneRowProductReadFractionByWorkingSetBytes = [:]
        let without = try RooflineRates(hardware: plain, computeDType: .fp32)
        #expect(abs(without.seconds(op) / (2 * (Double(3 * 4 * 256 * 768) / 1.4e10 + 2e-6 + 3 * 7e-6)) - 1) < 1e-12)
        // Flat beyond the points; no working set stated: the DRAM-sized (last) point.
        var big = op, none = op
        big.reuseWorkingSetBytes = 1 << 30
        none.reuseWorkingSetBytes = 0
        #expect(with.bytesPerSecond(for: big) == 1.4e10 * 0.65 && with.bytesPerSecond(for: none) == 1.4e10 * 0.65)
        // An operator without one-row calls (4 rows and up) is charged as before.
        var many = op
        many.oneRowProductCalls = 0
        #expect(with.seconds(many) == without.seconds(many))
        #expect(with != without)
    }

    @Test("per-shape times: a hand-counted FFN's three calls at their shapes' seconds (log2-interpolated at 8 MiB) plus its other bytes at the rate, no call cost; a missing shape keeps the fraction rule")
    func perShape() throws {
        var h = Self.host
        // gate and up [256, 768], down [768, 256]: 10 and 40 µs at 4 MiB, 30 and 60 µs at 16 MiB.
        let gateUp = OneRowMatrix(inputs: 256, outputs: 768), down = OneRowMatrix(inputs: 768, outputs: 256)
        h.oneRowProductSecondsByShape = [gateUp: [1 << 22: 10e-6, 1 << 24: 30e-6], down: [1 << 22: 40e-6, 1 << 24: 60e-6]]
        let rates = try RooflineRates(hardware: h, computeDType: .fp32)
        var op = Self.ffn()
        // The builder's shapes (Prefill.swift ffnOp) at the fixture's d 4, F 8; this test's FFN is wider.
        #expect(op.oneRowProductMatrices == [OneRowMatrix(inputs: 4, outputs: 8), OneRowMatrix(inputs: 4, outputs: 8),
                                             OneRowMatrix(inputs: 8, outputs: 4)])
        op.oneRowProductMatrices = [gateUp, gateUp, down]
        // The shapes are stated only for an all-fp32 plan (the times are fp32 sgemv calls): bf16
        // weights, or bf16 activations, keep the calls without shapes, priced by the fraction rule.
        for dt in [DTypePlan.uniform(.bf16), DTypePlan(weights: .fp32, kvCache: .fp32, state: .fp32, activations: .bf16)] {
            let other = ComputeFixtures.tinyTransformer.decodeStepCost(batch: 1, context: 8, dtypes: dt).operators
                .first { $0.name == "attention.ffn" }!
            #expect(other.oneRowProductCalls == 3 && other.oneRowProductMatrices.isEmpty)
            #expect(rates.fixedSeconds(other) == 2e-6 + 3 * 7e-6)
        }
        let extra: Int128 = 4096  // activations beyond the three calls' K N + K + N values
        op.bytes = 2 * gateUp.callBytes + down.callBytes + extra
        // At 8 MiB (halfway in log2): 20 + 20 + 50 µs, the extra bytes at the fraction-free DRAM rate.
        let memory = 90e-6 + Double(extra) / 1.4e10
        #expect(abs(rates.seconds(op) / (2 * (memory + 2e-6)) - 1) < 1e-9)
        #expect(rates.fixedSeconds(op) == 2e-6)
        #expect(abs(rates.bytesPerSecond(for: op) * memory / op.bytes.fastDouble - 1) < 1e-12)
        // No working set stated: each curve's last point.
        var none = op
        none.reuseWorkingSetBytes = 0
        #expect(abs(rates.seconds(none) / (2 * (120e-6 + Double(extra) / 1.4e10 + 2e-6)) - 1) < 1e-9)
        // One shape missing: the whole operator by the fraction and the per-call cost.
        h.oneRowProductSecondsByShape = [gateUp: [1 << 22: 10e-6]]
        let partial = try RooflineRates(hardware: h, computeDType: .fp32)
        let old = try RooflineRates(hardware: Self.host, computeDType: .fp32)
        #expect(partial.seconds(op) == old.seconds(op) && partial != old)
        // Validated: keys working sets, 1 ns to 1 s a call.
        h.oneRowProductSecondsByShape = [gateUp: [1 << 22: 0]]
        #expect { try h.validate() } throws: { "\($0)".contains("one_row_product_seconds_by_shape.256x768.4194304") }
        h.oneRowProductSecondsByShape = [gateUp: [12: 1e-6]]
        #expect { try h.validate() } throws: { "\($0)".contains("one_row_product_seconds_by_shape.256x768") }
        #expect(OneRowMatrix(key: "256x768") == gateUp && OneRowMatrix(key: "256x0") == nil && OneRowMatrix(key: "0256x768") == nil
                    && OneRowMatrix(key: "256x768x2") == nil)
    }

    @Test("the fractions are validated: keys working sets, values 0.001 to 10")
    func validated() {
        var h = Self.host
        h.oneRowProductReadFractionByWorkingSetBytes = [1 << 22: 0]
        #expect { try h.validate() } throws: { "\($0)".contains("one_row_product_read_fraction_by_working_set_bytes.4194304") }
        h.oneRowProductReadFractionByWorkingSetBytes = [12: 0.5]
        #expect { try h.validate() } throws: { "\($0)".contains("one_row_product_read_fraction_by_working_set_bytes") }
    }
}
