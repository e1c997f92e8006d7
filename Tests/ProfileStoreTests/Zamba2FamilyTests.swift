// Zamba2 (model_type zamba2) read with transformers' Zamba2Config defaults: no verbatim Zyphra
// config.json was found in the stored sources, so the figures are derived by hand from the tensor
// shapes of transformers' modeling_zamba2.py (docs/research/zamba-shared-blocks.md), not checked
// against a published total. Zamba2Config(): d 2560, V 32000 (tied), 54 Mamba2 layers (8 heads of
// 640, 1 group of state 64, conv 4), hybrid at 6, 12, ..., 42, 47, 51 (9), one shared block of 32
// heads of 2d / 32 = 160 over a 5120-wide input, F 4d = 10240 (GeLU-gated), adapter rank 128.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("Hugging Face Zamba2 (shared transformer blocks), exact")
struct Zamba2FamilyTests {
    static func load(_ edit: [String: Any] = [:]) throws -> ModelSpec {
        try HybridFixtures.load("state-spaces--mamba-2.8b-hf") { o in o = ["model_type": "zamba2"].merging(edit) { $1 } }
    }

    @Test("Zamba2Config(): 2,481,848,336 parameters, the shared block once, 184,320 B of KV per token, 37,089,792 B of state")
    func defaults() throws {
        let spec = try Self.load()
        // Per Mamba2 layer: in_proj 2560 x (5120 + 5248 + 8) = 26,562,560; conv 5248 x 4 + 5248 = 26,240;
        //   dt_bias, A_log, D 24; gated norm 5120; out_proj 5120 x 2560 = 13,107,200; RMSNorm 2560: 39,703,704.
        // Shared block, once: RMSNorm 5120; q, k, v 5120 x 5120 each = 78,643,200; o 5120 x 2560 = 13,107,200;
        //   RMSNorm 2560; gate_up 2560 x 20480 + down 10240 x 2560 = 78,643,200: 170,401,280.
        // Per use (9): linear 2560 x 2560 = 6,553,600; gate/up adapter 2560 x 128 + 128 x 20480 = 2,949,120: 9,502,720.
        // 54 x 39,703,704 + 170,401,280 + 9 x 9,502,720 + 32000 x 2560 (tied) + 2560 = 2,481,848,336.
        #expect(spec.parameterCount.total == 2_481_848_336)
        #expect(spec.tiedEmbeddings)
        #expect(spec.runs.filter { $0.block.mixer.attention != nil }.count == 9)
        #expect(spec.runs.filter(\.sharesWeights).count == 8)
        // Every use keeps its own K/V: 9 x 2 x 32 x 160 x 2 B.
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 184_320)
        // 54 x (3 x 5248 conv + 8 x 640 x 64 SSM) = 18,544,896 elements, x 2 B.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 37_089_792)
        // One decode row through a shared-block use (bf16): projections 2 x 5120 x (3 x 5120) = 157,286,400 matmul,
        // other 4 x 5120 (norm over the 2d input) = 20,480: no RoPE, `use_mem_rope` is False by default (with it,
        // + 3 x (5120 + 5120) on q and k = 51,200, checked below). Feed-forward
        // 2 x 2560 x 20480 + 2 x 10240 x 2560 = 157,286,400, + gate/up adapter 2 x 2560 x 128 + 2 x 128 x 20480
        // = 5,898,240, + linear 2 x 2560 x 2560 = 13,107,200: 176,291,840 matmul; other 4 x 2560 + 5 x 10240
        // + the adapter's add 20480 = 81,920. Every use (the first, which owns the weights, or a later one) the same.
        let ops = spec.decodeStepCost(batch: 1, context: 1, dtypes: .uniform(.bf16)).operators.filter { $0.id.label == "attention" }
        #expect(ops.filter { $0.id.part == .projections }.map(\.flops) == Array(repeating: FlopCount(matmul: 157_286_400, other: 20_480), count: 9))
        let roped = try Self.load(["use_mem_rope": true]).decodeStepCost(batch: 1, context: 1, dtypes: .uniform(.bf16)).operators
            .filter { $0.id.label == "attention" && $0.id.part == .projections }
        #expect(roped.map(\.flops) == Array(repeating: FlopCount(matmul: 157_286_400, other: 51_200), count: 9))
        #expect(ops.filter { $0.id.part == .ffn }.map(\.flops) == Array(repeating: FlopCount(matmul: 176_291_840, other: 81_920), count: 9))
        // A one-device layout's stage holds the same weights (the shared block once, every use's adapters).
        let stage = try #require(spec.pipelineStages(1).first)
        #expect(spec.parameters(of: stage) == spec.parameterCount.byClass)
        // The profile is the same configuration written out key by key.
        let profile = try Fixtures.store.loadModel("zamba2-config-defaults")
        #expect(profile.runs == spec.runs && profile.parameterCount == spec.parameterCount)
    }

    @Test("two shared blocks (ABAB) add one block's weights; q/k/v adapters add 9 x 3 x (5120 x 128 + 128 x 5120)")
    func variants() throws {
        let two = try Self.load(["num_mem_blocks": 2])
        #expect(two.parameterCount.total == 2_481_848_336 + 170_401_280)
        #expect(two.runs.filter(\.sharesWeights).count == 7)
        // Uses alternate: the third use reuses the first's weights, the fourth the second's.
        let uses = two.runs.indices.filter { two.runs[$0].block.mixer.attention != nil }
        #expect(two.runs[uses[2]].weightsOf == uses[0] && two.runs[uses[3]].weightsOf == uses[1])
        let lora = try Self.load(["use_shared_attention_adapter": true])
        #expect(lora.parameterCount.total == 2_481_848_336 + 9 * 3 * 1_310_720)
        #expect(lora.kvBytesPerToken(dtype: .bf16) == 184_320)
    }

    @Test("what is not modelled is refused by name")
    func refusals() throws {
        for (edit, key) in [(["add_bias_linear": true], "add_bias_linear"),
                            (["use_shared_attention_adapter": true, "num_key_value_heads": 8], "num_key_value_heads"),
                            (["num_hidden_layers": 12], "num_hidden_layers"),
                            (["hidden_act": "relu"], "hidden_act")] as [([String: Any], String)] {
            do {
                _ = try Self.load(edit)
                Issue.record("\(edit) imported")
            } catch {
                #expect("\(error)".contains("`\(key)`"), "\(error)")
            }
        }
        let spec = try Self.load()
        #expect(spec.unquantisedLayerKind(for: WeightStorage(format: .mxfp4)) != nil)
        #expect(throws: SpecError.self) { try ParallelLayout(tensor: 2).check(for: spec) }
        #expect(throws: SpecError.self) { try ParallelLayout(pipeline: 2).check(for: spec) }
    }

    @Test("zamba (v1) stays refused by name")
    func zambaV1() {
        do {
            _ = try HybridFixtures.load("state-spaces--mamba-2.8b-hf") { o in o = ["model_type": "zamba"] }
            Issue.record("zamba imported")
        } catch {
            #expect("\(error)".contains("zamba"), "\(error)")
        }
    }
}
