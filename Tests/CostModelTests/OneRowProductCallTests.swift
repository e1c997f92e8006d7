// Fixed cost per one-row product call (Roofline.swift's header): operators on fewer than 4 token
// rows pay `one_row_product_call_seconds` per BLAS call their products make (one matrix-vector
// call per row and matrix, as Kernels/Linear.swift runs them); a profile without the key prices as
// before.

import CostModel
import Testing

@Suite("One-row product calls")
struct OneRowProductCallTests {
    static let host: HardwareSpec = {
        var h = RunFixedCostTests.host
        h.oneRowProductCallSeconds = 7e-6
        return h
    }()

    static func calls(_ ops: [OperatorCost]) -> [String: Int128] {
        Dictionary(ops.map { ($0.name, $0.oneRowProductCalls) }, uniquingKeysWith: +)
    }

    @Test("a tiny YOCO's decode calls, counted by hand: gRet q k v g γ 5, output 1, FFN gate up down 3, K̂ V̂ 2, cross q 1, head 1")
    func countedByHand() {
        let spec = ComputeFixtures.tinyYOCO  // 1 gRet layer, 1 cross layer, untied head
        let one = Self.calls(spec.decodeStepCost(batch: 1, context: 8, dtypes: .uniform(.fp32)).operators)
        #expect(one == ["embedding": 0, "gret.projections": 5, "gret.core": 0, "gret.output": 1, "gret.ffn": 3,
                        "kv_projection": 2, "cross.projections": 1, "cross.core": 0, "cross.output": 1, "cross.ffn": 3, "head": 1])
        // Three sequences: a call per row and matrix; four: one sgemm per matrix, no one-row calls.
        let three = Self.calls(spec.decodeStepCost(batch: 3, context: 8, dtypes: .uniform(.fp32)).operators)
        #expect(three == one.mapValues { 3 * $0 })
        let four = Self.calls(spec.decodeStepCost(batch: 4, context: 8, dtypes: .uniform(.fp32)).operators)
        #expect(four.values.allSatisfy { $0 == 0 })
        // A Transformer's own q, k, v: three calls.
        let t = Self.calls(ComputeFixtures.tinyTransformer.decodeStepCost(batch: 1, context: 8, dtypes: .uniform(.fp32)).operators)
        #expect(t["attention.projections"] == 3 && t["attention.output"] == 1 && t["attention.ffn"] == 3 && t["head"] == 1)
    }

    @Test("a prefill's early-exit cross layers and its head run one row; its self layers run the prompt's rows")
    func prefillEarlyExit() {
        let ops = ComputeFixtures.tinyYOCO.prefillCost(batch: 1, promptTokens: 64, dtypes: .uniform(.fp32)).operators
        let c = Self.calls(ops)
        #expect(c["gret.projections"] == 0 && c["gret.ffn"] == 0 && c["kv_projection"] == 0)
        #expect(c["cross.projections"] == 1 && c["cross.output"] == 1 && c["cross.ffn"] == 3 && c["head"] == 1)
    }

    @Test("each instance pays calls x the key beside the operator overhead; without the key, exactly as before")
    func priced() throws {
        var plain = Self.host
        plain.oneRowProductCallSeconds = nil
        let with = try RooflineRates(hardware: Self.host, computeDType: .fp32)
        let without = try RooflineRates(hardware: plain, computeDType: .fp32)
        let spec = ComputeFixtures.tinyYOCO
        let step = spec.decodeStepCost(batch: 1, context: 8, dtypes: .uniform(.fp32))
        for op in step.operators {
            // The added term is count x calls x 7 µs; the rest of the sum is the same arithmetic.
            #expect(abs(with.seconds(op) - without.seconds(op) - Double(op.count) * Double(op.oneRowProductCalls) * 7e-6) < 1e-15)
        }
        // 17 calls per step (the hand count above) over 16 generated tokens.
        let dt = DTypePlan.uniform(.fp32)
        let a = spec.decodeSeconds(batch: 1, promptTokens: 100, generatedTokens: 16, dtypes: dt, rates: with)
        let b = spec.decodeSeconds(batch: 1, promptTokens: 100, generatedTokens: 16, dtypes: dt, rates: without)
        // Relative tolerance: sums of ~1e-5 s terms in a different order differ in the last bits.
        #expect(abs((a - b) - 16 * 17 * 7e-6) < 1e-12)
        // No key: the operator overhead alone, as before the term existed.
        for op in step.operators { #expect(without.fixedSeconds(op) == without.overheadSeconds) }
        #expect(with != without)
    }

    @Test("the key is validated: from 0 to 1 second")
    func validated() {
        var h = Self.host
        h.oneRowProductCallSeconds = -1e-6
        #expect { try h.validate() } throws: { "\($0)".contains("one_row_product_call_seconds") }
    }
}
