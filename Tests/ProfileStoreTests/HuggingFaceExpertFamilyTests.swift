// The mixture-of-experts and latent-attention families, checked on public config.json files
// (Tests/Fixtures/hf, provenance in its SOURCES.md) against figures derived by hand and, where one
// exists, the checkpoint's stored element count (docs/research/hf/PARAM_COUNTS.md).
// Legend: d hidden, L layers, E experts of I, k active, Is shared width, V vocabulary; bf16 (2 B).

import CostModel
import Foundation
import Testing
@testable import ProfileStore

struct ExpertCase: Sendable, CustomStringConvertible {
    var file: String
    var parameters: Int128
    var active: Int128
    var kvBytesPerToken: Int128
    var description: String { file }
}

@Suite("Hugging Face expert and latent families, exact")
struct HuggingFaceExpertFamilyTests {
    static let cases: [ExpertCase] = [
        // mixtral: 2*32000*4096 + 4096 + 32*(2*4096^2 + 2*4096*1024 + 2*4096 + 8*3*4096*14336 + 8*4096);
        // active: 2 of 8 experts. KV 32 x 8 x 128 x 2 x 2 = 131,072.
        ExpertCase(file: "mistralai--Mixtral-8x7B-v0.1", parameters: 46_702_792_704, active: 12_879_925_248, kvBytesPerToken: 131_072),
        // qwen3_moe: 2*151936*2048 + 2048 + 48*(2048*4096 + 2*2048*512 + 4096*2048 + 2*128 + 2*2048 + 128*3*2048*768 + 128*2048);
        // active: 8 of 128. KV 48 x 4 x 128 x 2 x 2 = 98,304.
        ExpertCase(file: "Qwen--Qwen3-30B-A3B", parameters: 30_532_122_624, active: 3_353_032_704, kvBytesPerToken: 98_304),
        // qwen2_moe (q/k/v biases, shared expert 5632 with a d x 1 gate): 2*151936*2048 + 2048 + 24*(4*2048^2 + 3*2048
        // + 2*2048 + 60*3*2048*1408 + 60*2048 + 3*2048*5632 + 2048); active 4 of 60. KV 24 x 16 x 128 x 2 x 2 = 196,608.
        ExpertCase(file: "Qwen--Qwen1.5-MoE-A2.7B-Chat-GPTQ-Int4.minus-quantization_config", parameters: 14_315_784_192,
                   active: 2_689_173_504, kvBytesPerToken: 196_608),
        // deepseek_v2 (q_lora_rank null): 2*102400*2048 + 2048 + 27*(2048*16*192 + 2048*576 + 512 + 512*16*256 + 16*128*2048
        // + 2*2048) + 3*2048*10944 + 26*(64*3*2048*1408 + 64*2048 + 3*2048*2816) = the checkpoint's 15,706,484,224 elements;
        // active: less 26 x 58 idle experts x 3 x 2048 x 1408. Latent 27 x (512 + 64) x 2 = 31,104.
        ExpertCase(file: "deepseek-ai--DeepSeek-V2-Lite-Chat.transformers-5.7-dump", parameters: 15_706_484_224,
                   active: 2_661_150_208, kvBytesPerToken: 31_104),
        // deepseek_v3: 61 MLA layers (q_lora 1536), 3 dense of 18432, 58 MoE of 256 x 2048 + 1 shared + router with bias;
        // the main model of the stored 684,531,386,000 (less MTP 13,463,426,304 and 41,540,496 fp8 scales).
        // Latent 61 x 576 x 2 = 70,272.
        ExpertCase(file: "deepseek-ai--DeepSeek-V3.minus-quantization_config", parameters: 671_026_419_200,
                   active: 37_552_297_472, kvBytesPerToken: 70_272),
        // gpt_oss: 2*201088*2880 + 2880 + 24*(2880*4096 + 2*2880*512 + 4096*2880 + (4096 + 512 + 512 + 2880) + 64 + 2*2880
        // + 32*(3*2880*2880 + 2*2880 + 2880) + 32*2880 + 32); active 4 of 32 (the MXFP4 checkpoint stores 11,956,805,184
        // elements: two fp4 values per byte). KV: 12 full layers x 8 x 64 x 2 x 2 = 24,576.
        ExpertCase(file: "openai--gpt-oss-20b.minus-quantization_config", parameters: 20_914_757_184,
                   active: 4_187_440_704, kvBytesPerToken: 24_576),
    ]

    @Test("parameters, active parameters and KV bytes per token", arguments: cases)
    func exact(c: ExpertCase) throws {
        let spec = try HFFixtures.load(c.file)
        #expect(spec.parameterCount.total == c.parameters)
        #expect(spec.parameterCount.active == c.active)
        #expect(spec.kvBytesPerToken(dtype: .bf16) == c.kvBytesPerToken)
    }

    @Test("gpt-oss-20b: the 12 sliding layers' rings are separate from the per-token KV: 12 x 128 x 2,048 B when full")
    func gptOssWindows() throws {
        let spec = try HFFixtures.load("openai--gpt-oss-20b.minus-quantization_config")
        let spans = spec.layerBlocks.map { $0.mixer.attention!.span }
        #expect(spans[0] == .sliding(window: 128) && spans[1] == .full && spans[23] == .full)
        // at 32K: 24,576 x 32,768 + 12 x 128 x 8 x 64 x 2 x 2
        #expect(spec.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16) == 805_306_368 + 3_145_728)
        #expect(spec.layerBlocks.allSatisfy { $0.mixer.attention!.sinks && $0.mixer.attention!.qkvBias })
    }

    // The published DeepSeek-V3 config: fp8 e4m3 in 128 x 128 blocks, one fp32 weight_scale_inv per
    // block (partial blocks padded), dynamic activations (no input scales); embeddings, lm_head,
    // norms and the router stay bf16 (its correction bias fp32). Per MLA layer (weight bytes + scales):
    //   q_a_proj 7168 -> 1536             11,010,048 + 12 x 56 x 4 =  2,688
    //   q_b_proj 1536 -> 24576            37,748,736 + 192 x 12 x 4 = 9,216
    //   kv_a_proj_with_mqa 7168 -> 576     4,128,768 + 5 x 56 x 4 =   1,120 (576 / 128 rounds up)
    //   kv_b_proj 512 -> 32768            16,777,216 + 256 x 4 x 4 =  4,096
    //   o_proj 16384 -> 7168             117,440,512 + 56 x 128 x 4 = 28,672
    //   q_a and kv_a norms (1536 + 512) x 2 B = 4,096;  187,155,168 B, x 61 = 11,416,465,248 B
    // Dense layers 0-2: gate, up 7168 -> 18432 and down 132,152,832 B each: 396,458,496 B.
    // MoE layers 3-60: 257 experts (256 routed + 1 shared) of 3 x 14,683,648 B, router 256 x 7168
    // in bf16 and its e_score_correction_bias of 256 in fp32 (the checkpoint stores it so, docs/
    // research/hf/DEFAULTS.md): 11,324,763,648 B; FFN 3 x 396,458,496 + 58 x that = 658,025,667,072 B.
    // Embedding and head 2 x 129280 x 7168 x 2 B, norms 1,763,328 B: total 673,150,611,808 B, the
    // checkpoint's tensor inventory (deepseek-ai/DeepSeek-R1, the same layout; docs/FORMATS.md) for
    // the same tensors, to the byte. (Counting the bias at 2 B, as before, left it 58 x 256 x 2 =
    // 29,696 B short.) The MTP layer 61 (15,424,227,552 B) is in the checkpoint and not served.
    @Test("DeepSeek-V3 as published: fp8 128x128 blocks on latent attention and experts, 673,150,611,808 B of weights (the tensor inventory)")
    func deepSeekV3FP8() throws {
        let spec = try HFFixtures.load("deepseek-ai--DeepSeek-V3")
        #expect(spec.dtypes.weightStorage?.format.name == "fp8-block128")
        let bytes = spec.weightBytes(plan: spec.dtypes)
        #expect(bytes[.attention] == 11_416_465_248)
        #expect(bytes[.ffn] == 658_025_667_072)
        #expect(bytes[.embedding] == 1_853_358_080 && bytes[.outputHead] == 1_853_358_080)
        #expect(bytes.values.reduce(0, +) == 673_150_611_808)
    }

    // The time model reads the router bias at its stored width too, as the weight bytes count it:
    // each MoE layer's decode feed-forward reads 256 x (4 - 2) = 512 B more than a bf16 bias would,
    // 58 layers x 512 = 29,696 B per step (the same 29,696 B the weight bytes gained).
    @Test("DeepSeek-V3: a decode step reads the fp32 router bias at 4 B, 29,696 B over a bf16 one")
    func deepSeekV3RouterBiasRead() throws {
        let spec = try HFFixtures.load("deepseek-ai--DeepSeek-V3")
        var narrow = spec
        for i in narrow.runs.indices {
            guard case .experts(var e) = narrow.runs[i].block.feedForward else { continue }
            e.routerBiasDType = nil
            narrow.runs[i].block.feedForward = .experts(e)
        }
        let read = { (s: ModelSpec) -> Int128 in
            s.decodeStepCost(batch: 1, context: 1024, dtypes: s.dtypes).operators.reduce(0) { $0 + Int128($1.count) * $1.bytes }
        }
        #expect(read(spec) - read(narrow) == 29_696)
    }

    // The published gpt-oss-20b config: MXFP4 experts, everything in modules_to_not_convert
    // (attention, router, embeddings, lm_head) and every vector in bf16. Per layer and expert
    // (d 2880, I 2880; MXFP4 = ceil(in/2) + ceil(in/32) bytes per output column):
    //   gate_up_proj 2880 -> 5760: 1440 * 5760 + 90 * 5760 = 8,812,800 B
    //   down_proj    2880 -> 2880: 1440 * 2880 + 90 * 2880 = 4,406,400 B
    //   24 layers x 32 experts x 13,219,200 B = 10,152,345,600 B
    // the other 20,914,757,184 - 24 * 32 * 3 * 2880 * 2880 = 1,804,459,584 parameters in bf16:
    //   3,608,919,168 B; total 13,761,264,768 B.
    @Test("gpt-oss-20b as published: MXFP4 experts, the rest bf16, 13,761,264,768 B of weights")
    func gptOssMXFP4() throws {
        let spec = try HFFixtures.load("openai--gpt-oss-20b")
        #expect(spec.dtypes.weightStorage?.format.name == "mxfp4")
        #expect(spec.parameterCount.total == 20_914_757_184)
        let bytes = spec.weightBytes(plan: spec.dtypes)
        #expect(bytes.values.reduce(0, +) == 13_761_264_768)
        #expect(bytes[.attention] == 2 * spec.parameterCount.byClass[.attention]!)
    }

    @Test("a modules_to_not_convert pattern that names experts differently by family is refused on experts")
    func ambiguousPatternRefused() throws {
        #expect(throws: ProfileError.self) {
            try parse("mistralai--Mixtral-8x7B-v0.1") {
                $0["quantization_config"] = ["quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": true,
                                             "version": "gemm", "modules_to_not_convert": ["gate"]]
            }
        }
        // Without the pattern every expert is converted and the router stays 16-bit.
        let plain = try parse("mistralai--Mixtral-8x7B-v0.1") {
            $0["quantization_config"] = ["quant_method": "awq", "bits": 4, "group_size": 128, "zero_point": true, "version": "gemm"]
        }
        #expect(plain.weightBytes(plan: plain.dtypes)[.ffn]! < plain.weightBytes(dtype: .bf16)[.ffn]! / 3)
    }

    @Test("DeepSeek: layers below first_k_dense_replace are dense; moe_layer_freq counts absolute indices")
    func deepSeekLayers() throws {
        let spec = try HFFixtures.load("deepseek-ai--DeepSeek-V3.minus-quantization_config")
        let moe = spec.layerBlocks.map { $0.feedForward.experts != nil }
        #expect(moe[0..<3].allSatisfy { !$0 } && moe[3...].allSatisfy { $0 })
        #expect(spec.layerBlocks[0].feedForward == .gated(inner: 18432, activation: .silu))
        let every2 = try parse("deepseek-ai--DeepSeek-V3.minus-quantization_config") { $0["moe_layer_freq"] = 2 }
        #expect(every2.layerBlocks.enumerated().filter { $0.element.feedForward.experts != nil }.map(\.offset) == Array(stride(from: 4, to: 61, by: 2)))
    }

    @Test("DeepSeek-V2 without num_experts_per_tok is refused (the class default is None)")
    func deepSeekV2NoTopK() throws {
        #expect(throws: ProfileError.self) {
            try parse("deepseek-ai--DeepSeek-V2-Lite-Chat.transformers-5.7-dump") { $0["num_experts_per_tok"] = nil }
        }
    }

    @Test("Qwen MoE: decoder_sparse_step and mlp_only_layers pick the dense layers")
    func qwenLayers() throws {
        let spec = try parse("Qwen--Qwen3-30B-A3B") { $0["decoder_sparse_step"] = 2; $0["mlp_only_layers"] = [1, 2] }
        let moe = spec.layerBlocks.enumerated().filter { $0.element.feedForward.experts != nil }.map(\.offset)
        #expect(moe == Array(stride(from: 3, to: 48, by: 2)))
        #expect(spec.layerBlocks[0].feedForward == .gated(inner: 6144, activation: .silu))
    }

    @Test("experts per token above the experts, and a zero step, are refused naming the key", arguments: [
        ("Qwen--Qwen3-30B-A3B", "num_experts_per_tok", 129), ("mistralai--Mixtral-8x7B-v0.1", "num_experts_per_tok", 9),
        ("Qwen--Qwen3-30B-A3B", "decoder_sparse_step", 0), ("deepseek-ai--DeepSeek-V3.minus-quantization_config", "moe_layer_freq", 0),
    ])
    func refusals(file: String, key: String, value: Int) throws {
        do {
            _ = try parse(file) { $0[key] = value }
            Issue.record("\(file) with \(key) = \(value) was accepted")
        } catch {
            #expect("\(error)".contains("`\(key)`"), "\(error)")
        }
    }

    /// Llama-4-Scout-17B-16E's text_config as its public quotes give it (no verbatim config.json was
    /// found: docs/research/hf/meta-llama--Llama-4-Scout-17B-16E.text_config.PARTIAL.md).
    static let scout = """
        {"model_type": "llama4", "architectures": ["Llama4ForConditionalGeneration"], "tie_word_embeddings": false,
         "vision_config": {"model_type": "llama4_vision_model", "hidden_size": 1408, "num_hidden_layers": 34},
         "text_config": {"model_type": "llama4_text", "attention_chunk_size": 8192, "head_dim": 128, "hidden_size": 5120,
           "interleave_moe_layer_step": 1, "intermediate_size": 8192, "intermediate_size_mlp": 16384,
           "max_position_embeddings": 262144, "num_attention_heads": 40, "num_experts_per_tok": 1, "num_hidden_layers": 48,
           "num_key_value_heads": 8, "num_local_experts": 16, "use_qk_norm": true, "vocab_size": 202048, "torch_dtype": "bfloat16",
           "no_rope_layers": [1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0,1,1,1,0]}}
        """

    @Test("Llama 4 Scout (text): 107,769,861,120 parameters, 17,172,894,720 active; 12 full NoPE layers hold 49,152 B per token")
    func llama4() throws {
        let spec = try ProfileStore.parseModel(Data(Self.scout.utf8), file: "llama-4-scout/config.json")
        // 2*202048*5120 + 5120 + 48*(2*5120^2 + 2*5120*1024 + 2*5120 + 16*3*5120*8192 + 16*5120 + 3*5120*8192)
        #expect(spec.parameterCount.total == 107_769_861_120)
        // 1 of 16 routed experts
        #expect(spec.parameterCount.active == 17_172_894_720)
        // 12 x 8 x 128 x 2 x 2; the 36 chunked layers hold at most 8,192 positions each
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 49_152)
        #expect(spec.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16) == 49_152 * 32768 + 36 * 8192 * 4096)
        let spans = spec.layerBlocks.map { $0.mixer.attention!.span }
        #expect(spans[3] == .full && spans[0] == .chunked(chunk: 8192))
        // no_rope_layers 0 marks the NoPE layers (every 4th): they rotate neither q nor k
        #expect(spec.layerBlocks.map { $0.mixer.attention!.rope } == (0..<48).map { ($0 + 1) % 4 != 0 })
        #expect(spec.family.contains("vision tower"))
    }

    @Test("Llama 4 without no_rope_layers reads no_rope_layer_interval (transformers' default 4), not a fixed 4")
    func llama4NoRopeInterval() throws {
        func spec(interval: Int?) throws -> ModelSpec {
            var o = try JSONSerialization.jsonObject(with: Data(Self.scout.utf8)) as! [String: Any]
            var text = o["text_config"] as! [String: Any]
            text["no_rope_layers"] = nil
            if let interval { text["no_rope_layer_interval"] = interval }
            o["text_config"] = text
            return try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: o), file: "llama-4-scout/config.json")
        }
        // Default: layers 3, 7, ... are full, the published list's 12 (49,152 B per token).
        #expect(try spec(interval: nil).kvBytesPerToken(dtype: .bf16) == 49_152)
        // Interval 2: 24 full layers x 8 x 128 x 2 x 2 B = 98,304 B per token.
        #expect(try spec(interval: 2).kvBytesPerToken(dtype: .bf16) == 98_304)
    }

    func parse(_ file: String, _ edit: (inout [String: Any]) -> Void) throws -> ModelSpec {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: HFFixtures.directory.appendingPathComponent(file + ".json"))) as! [String: Any]
        edit(&o)
        return try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: o), file: file + ".json")
    }
}
