// Mixture-of-experts feed-forwards: parameters count every expert, FLOPs the active ones, bytes the
// distinct experts a pass touches (uniform routing: E (1 - (1 - k/E)^R)). Shapes built in code from
// Mixtral-8x7B's config (d 4096, 32 layers, GQA 32/8 of 128, 8 experts of 14336, top-2, V 32000).

import CostModel
import TestSupport
import Testing

enum MoEFixtures {
    static let mixtralExperts = Experts(count: 8, active: 2, inner: 14336)

    /// Mixtral-8x7B: every layer attention 32/8 of 128 + 8 experts of 14336, top-2; untied.
    static let mixtral = ModelSpec(
        id: "mixtral", source: "test", hiddenSize: 4096, vocabSize: 32000,
        runs: [BlockRun(Block(mixer: .attention(Attention(heads: 32, kvHeads: 8, headDim: 128)),
                              feedForward: .experts(mixtralExperts)), count: 32)])

    /// A model with the same attention and one dense SwiGLU of the active width (2 x 14336).
    static let denseTwin = ModelSpec(
        id: "dense", source: "test", hiddenSize: 4096, vocabSize: 32000,
        runs: [BlockRun(Block(mixer: .attention(Attention(heads: 32, kvHeads: 8, headDim: 128)),
                              feedForward: .gated(inner: 2 * 14336, activation: .silu)), count: 32)])
}

@Suite("Mixture of experts")
struct ExpertsTests {
    @Test("Mixtral-8x7B: 46,702,792,704 parameters, 12,879,925,248 active, 93,405,585,408 B of bf16 weights, 128 KiB of KV per token")
    func mixtral() throws {
        let p = MoEFixtures.mixtral.parameterCount
        // 2*32000*4096 + 4096 + 32*(4096*4096*2 + 2*4096*1024 + 2*4096 + 8*3*4096*14336 + 8*4096)
        #expect(p.total == 46_702_792_704)
        // the same with 2 of the 8 experts
        #expect(p.active == 12_879_925_248)
        #expect(p.ffnByPart[.routedExperts] ?? -1 == Int128(32 * 8 * 3 * 4096 * 14336))
        #expect(p.ffnByPart[.router] ?? -1 == Int128(32 * 8 * 4096))
        #expect(p.ffnByPart[.dense] == 0)
        #expect(p[.ffn] == p.ffnByPart.values.reduce(0, +))
        let m = MoEFixtures.mixtral.memory(MemoryQuery(promptTokens: 1, dtypes: .uniform(.bf16)))
        #expect(m.weightBytes == 93_405_585_408)
        // 32 layers x 8 KV heads x (128 + 128) x 2 B
        #expect(MoEFixtures.mixtral.kvBytesPerToken(dtype: .bf16) == 131_072)
    }

    @Test("a dense model's active parameters are its parameters")
    func denseActive() {
        for spec in Fixtures.all { #expect(spec.parameterCount.active == spec.parameterCount.total) }
    }

    @Test("prefill FLOPs count the active experts: Mixtral's expert products equal a dense SwiGLU of 2 x 14336 plus the router")
    func prefillFlops() {
        let n = 1000
        let moe = MoEFixtures.mixtral.prefillCost(batch: 1, promptTokens: n, dtypes: .uniform(.bf16))
        let dense = MoEFixtures.denseTwin.prefillCost(batch: 1, promptTokens: n, dtypes: .uniform(.bf16))
        // The router adds 2 R d E matmul per layer; the rest of the model is identical.
        #expect(moe.flops.matmul - dense.flops.matmul == 32 * 2 * Int128(n) * 4096 * 8)
    }

    @Test("decode weight bytes count the expected distinct experts: 2 of 8 at batch 1, E(1 - (3/4)^B) at batch B")
    func decodeBytes() {
        let spec = MoEFixtures.mixtral, dt = DTypePlan.uniform(.bf16)
        let expert = Int128(3 * 4096 * 14336 * 2)  // one expert's bf16 weights
        func ffnBytes(_ b: Int) -> Int128 {
            spec.decodeStepCost(batch: b, context: 100, dtypes: dt).operators.first { $0.id.part == .ffn }!.bytes
        }
        // Literal figures, derived by hand. One expert: 3 x 4096 x 14336 bf16 weights = 352,321,536 B; the router
        // 8 x 4096 x 2 B = 65,536 B. Activations per row: the input, its normed copy and the output (3 x 4096), the 8
        // router logits, and each of the 2 active experts' inner activations written and read (2 x 2 x 14336):
        // 69,640 elements = 139,280 B in bf16.
        // B = 1: 2 experts: 65,536 + 2 x 352,321,536 + 139,280 = 704,847,888 B.
        #expect(ffnBytes(1) == 704_847_888)
        // B = 4: 8 (1 - 0.75^4) = 5.46875 experts (exact in binary): 5.46875 x 352,321,536 = 1,926,758,400 B;
        // + 65,536 + 4 x 139,280 = 1,927,381,056 B.
        #expect(ffnBytes(4) == 1_927_381_056)
        #expect(ffnBytes(4) - ffnBytes(1) == expert * 346_875 / 100_000 + 3 * 139_280)
    }

    @Test("expected experts touched lie between k and E and grow with the batch", arguments: [(8, 2), (128, 8), (256, 8), (16, 1), (32, 32), (60, 4)])
    func touchedBounds(experts: Int, active: Int) {
        let e = Experts(count: experts, active: active, inner: 64)
        var previous = 0.0
        for rows in [1, 2, 3, 7, 16, 100, 1000, 1 << 20, 1 << 24] as [Int128] {
            let t = e.expectedExpertsTouched(rows: rows)
            #expect(t >= Double(active) && t <= Double(experts))
            #expect(t >= previous)
            previous = t
        }
        #expect(e.expectedExpertsTouched(rows: 1) == Double(active))
    }

    @Test("a stated routing fraction replaces the uniform assumption, clamped to at least k experts")
    func measuredRouting() {
        var e = Experts(count: 64, active: 6, inner: 64, routing: .measuredFraction(0.5))
        #expect(e.expectedExpertsTouched(rows: 1000) == 32)
        e.routing = .measuredFraction(0.01)
        #expect(e.expectedExpertsTouched(rows: 1000) == 6)
        // A batch-1 decode step makes k = 6 picks: it cannot touch half of the 64 experts.
        e.routing = .measuredFraction(0.5)
        #expect(e.expectedExpertsTouched(rows: 1) == 6)
        #expect(e.expectedExpertsTouched(rows: 3) == 18)
    }

    @Test("random MoE models: weights >= active weights, FLOPs and bytes positive and monotonic in batch")
    func properties() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<300 {
            let experts = Int.random(in: 1...512, using: &rng)
            let active = Int.random(in: 1...experts, using: &rng)
            let d = 64 * Int.random(in: 1...64, using: &rng)
            let shared = Bool.random(using: &rng) ? SharedExperts(inner: Int.random(in: 1...4096, using: &rng), gated: Bool.random(using: &rng)) : nil
            let e = Experts(count: experts, active: active, inner: Int.random(in: 1...8192, using: &rng),
                            expertBias: Bool.random(using: &rng), routerBias: Bool.random(using: &rng), shared: shared)
            let dense = Int.random(in: 0...3, using: &rng)
            let attention = Block(mixer: .attention(Attention(heads: 8, kvHeads: 2, headDim: d / 8)), feedForward: .gated(inner: 4 * d, activation: .silu))
            var moe = attention
            moe.feedForward = .experts(e)
            let spec = ModelSpec(id: "r", source: "random", hiddenSize: d, vocabSize: 1000,
                                 runs: (dense > 0 ? [BlockRun(attention, count: dense)] : []) + [BlockRun(moe, count: Int.random(in: 1...64, using: &rng))])
            try spec.validate()
            let p = spec.parameterCount
            #expect(p.total >= p.active)
            #expect((p.total == p.active) == (active == experts))
            var lastBytes: Int128 = 0
            for b in [1, 2, 5, 64, 4096] {
                let step = spec.decodeStepCost(batch: b, context: 10, dtypes: .uniform(.bf16))
                let ffn = step.operators.filter { $0.id.part == .ffn }.reduce(Int128(0)) { $0 + Int128($1.count) * $1.bytes }
                #expect(ffn >= lastBytes)
                lastBytes = ffn
            }
        }
    }

    @Test("validation names the expert fields")
    func validation() {
        var bad = MoEFixtures.mixtral
        bad.runs[0].block.feedForward = .experts(Experts(count: 8, active: 9, inner: 14336))
        #expect(throws: SpecError(field: "experts_per_token", constraint: "must be between 1 and 8 (layer 0)", value: "9")) { try bad.validate() }
        bad.runs[0].block.feedForward = .experts(Experts(count: 0, active: 0, inner: 14336))
        #expect(throws: SpecError.self) { try bad.validate() }
    }
}
