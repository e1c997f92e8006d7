// Multi-head latent attention: the cache is r + dr elements per position and layer, whatever H is;
// FLOPs in both forms follow the formulas of Mixers/LatentAttention.swift. Shape: DeepSeek-V3's
// attention (d 7168, H 128, q_lora 1536, kv_lora 512, nope 128, rope 64, v 128) on a dense SwiGLU.

import CostModel
import Testing

enum MLAFixtures {
    static let v3 = LatentAttention(heads: 128, queryRank: 1536, kvRank: 512, nopeHeadDim: 128, ropeHeadDim: 64, valueHeadDim: 128)

    static func spec(_ m: LatentAttention = v3, layers: Int = 61) -> ModelSpec {
        ModelSpec(id: "mla", source: "test", hiddenSize: 7168, vocabSize: 129_280,
                  runs: [BlockRun(Block(mixer: .latentAttention(m), feedForward: .gated(inner: 18432, activation: .silu)), count: layers)])
    }
}

@Suite("Multi-head latent attention")
struct LatentAttentionTests {
    @Test("DeepSeek-V3's latent: 576 elements, 1,152 B per layer, 70,272 B per token over 61 layers in bf16")
    func cache() throws {
        let spec = MLAFixtures.spec()
        try spec.validate()
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 70_272)
        #expect(spec.kvCacheBytes(batch: 3, tokens: 1000, dtype: .bf16) == 3 * 1000 * 70_272)
        #expect(spec.caches.count == 61)
        #expect(spec.caches.allSatisfy { $0.kind == .latent(elementsPerPosition: 576) })
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 0)
    }

    @Test("weights: q_a 7168 x 1536 + 1536 + q_b 1536 x 128 x 192, kv_a 7168 x 576 + 512, kv_b 512 x 128 x 256, o 16384 x 7168")
    func parameters() {
        let n: Int128 = 7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 + 512 * 128 * 256 + 128 * 128 * 7168
        #expect(MLAFixtures.v3.parameters(hidden: 7168) == n)
        var plain = MLAFixtures.v3
        plain.queryRank = nil
        #expect(plain.parameters(hidden: 7168) == n - (7168 * 1536 + 1536 + 1536 * 128 * 192) + 7168 * 128 * 192)
    }

    @Test("decode core per position: absorbed 128 x (2 (512 + 64) + 2 x 512) matmul; naive 128 x (2 x 192 + 2 x 128) + the up-projection 2 x 512 x 128 x 256")
    func decodeForms() {
        let absorbed = MLAFixtures.spec(layers: 1), naive = absorbed.withLatentForm(.naive)
        func perPosition(_ s: ModelSpec) -> Int128 {
            let a = s.decodeStepCost(batch: 1, context: 1000, dtypes: .uniform(.bf16))
            let b = s.decodeStepCost(batch: 1, context: 1001, dtypes: .uniform(.bf16))
            return b.flops.matmul - a.flops.matmul
        }
        #expect(perPosition(absorbed) == 128 * (2 * 576 + 2 * 512))
        #expect(perPosition(naive) == 128 * (2 * 192 + 2 * 128) + 2 * 512 * 128 * 256)
        // Both read the same latent per position: 576 x 2 B.
        let bytes = { (s: ModelSpec) in
            s.decodeStepCost(batch: 1, context: 1001, dtypes: .uniform(.bf16)).bytes - s.decodeStepCost(batch: 1, context: 1000, dtypes: .uniform(.bf16)).bytes
        }
        #expect(bytes(absorbed) == 1152 && bytes(naive) == 1152)
    }

    @Test("prefill: the default naive form up-projects each token once; absorbed does more work per pair")
    func prefillForms() {
        let spec = MLAFixtures.spec(layers: 1)
        let n = 4096
        let naive = spec.prefillCost(batch: 1, promptTokens: n, dtypes: .uniform(.bf16))
        let absorbed = spec.withLatentForm(.absorbed).prefillCost(batch: 1, promptTokens: n, dtypes: .uniform(.bf16))
        #expect(naive.usefulAttentionPairs == 128 * Int128(n) * Int128(n + 1) / 2)
        #expect(absorbed.flops.matmul > naive.flops.matmul)
    }

    @Test("validation names the latent fields")
    func validation() {
        var m = MLAFixtures.v3
        m.kvRank = 0
        #expect(throws: SpecError(field: "kv_lora_rank", constraint: "must be between 1 and \(Limits.maxHeadDim) (layer 0)", value: "0")) {
            try MLAFixtures.spec(m).validate()
        }
    }

    // The time model reads the format's bytes on latent attention (Mixers/LatentAttention.swift), as
    // memory counts them. Per layer, bf16 2 x 187,105,280 elements = 374,210,560 B against fp8
    // 128x128 blocks 187,151,072 B (the matrices of the DeepSeek-V3 hand count in
    // HuggingFaceExpertFamilyTests, without the norms): 187,059,488 B fewer per layer and step.
    @Test("a decode step on fp8-block latent attention reads the fp8 bytes with their block scales")
    func decodeReadsFormatBytes() {
        let spec = MLAFixtures.spec()
        let bf16 = DTypePlan.uniform(.bf16)
        var fp8 = bf16
        fp8.weightStorage = WeightStorage(format: .fp8(.block(outputs: 128, inputs: 128), staticActivations: false))
        func mlaBytes(_ p: DTypePlan) -> Int128 {
            spec.decodeStepCost(batch: 1, context: 1000, dtypes: p).operators
                .filter { $0.id.label == "mla" && [.projections, .output].contains($0.id.part) }
                .reduce(0) { $0 + Int128($1.count) * $1.bytes }
        }
        #expect(mlaBytes(bf16) - mlaBytes(fp8) == 61 * 187_059_488)
        // The whole step: every weight but the embedding is read once, so the step saves what memory saves.
        let w = { (p: DTypePlan) in spec.weightBytes(plan: p).values.reduce(0, +) }
        #expect(spec.decodeStepCost(batch: 1, context: 1000, dtypes: bf16).bytes - spec.decodeStepCost(batch: 1, context: 1000, dtypes: fp8).bytes
                == w(bf16) - w(fp8))
    }

    // fp8 128x128 blocks under tp: q_b_proj (H dq outputs) and kv_b_proj are cut by heads, o_proj's
    // inputs too; q_a_proj and kv_a_proj_with_mqa are held whole (576 outputs, 4.5 blocks, is never
    // cut). DeepSeek-V3 at tp8: q_b 16 x 192 = 3072, kv_b 16 x 256 = 4096, o_proj 16 x 128 = 2048 per
    // rank, whole blocks. 12 heads at tp4: 3 x 192 = 576 outputs of q_b_proj per rank, 4.5 blocks: refused.
    @Test("a tp split that cuts an fp8 block of a latent projection is refused; the replicated kv_a is not checked")
    func tensorParallelBlocks() throws {
        var plan = DTypePlan.uniform(.bf16)
        plan.weightStorage = WeightStorage(format: .fp8(.block(outputs: 128, inputs: 128), staticActivations: false))
        let q = MemoryQuery(batch: 1, promptTokens: 1024, dtypes: plan)
        _ = try MLAFixtures.spec().deploymentMemory(q, layout: ParallelLayout(tensor: 8))
        var m = MLAFixtures.v3
        m.heads = 12
        #expect(throws: SpecError.self) { try MLAFixtures.spec(m).deploymentMemory(q, layout: ParallelLayout(tensor: 4)) }
        do { _ = try MLAFixtures.spec(m).deploymentMemory(q, layout: ParallelLayout(tensor: 4)) } catch {
            #expect("\(error)".contains("q_b_proj") && "\(error)".contains("576 output features"))
        }
    }
}
