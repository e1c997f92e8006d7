// model_type "gpt_oss": GptOssConfig defaults (transformers configuration_gpt_oss.py; they are
// gpt-oss-120b's): num_hidden_layers 36, num_local_experts 128, vocab_size 201088, hidden_size
// 2880, intermediate_size 2880, head_dim 64, num_attention_heads 64, num_key_value_heads 8,
// sliding_window 128, tie_word_embeddings False, max_position_embeddings 131072,
// num_experts_per_tok 4, attention_bias True (q, k, v and o biases). layer_types, when absent:
// "sliding_attention" if (i + 1) % 2 else "full_attention" (even 0-based layers slide).
// Every layer routes to experts with biases (fused gate_up 2I + down d) and a biased router; every
// attention layer has one learned sink per head. The experts' clamped SwiGLU (swiglu_limit, alpha
// 1.702) is priced as SwiGLU. `experts_per_token` is a legacy duplicate that transformers does not
// read. The published checkpoints store the experts in MXFP4 (`quantization_config`), which the
// importer refuses until storage formats are modelled (issue 12).
// Checked against openai/gpt-oss-20b config.json without its quantization_config: 20,914,757,184
// parameters; 12 full layers x 8 KV heads x (64 + 64) x 2 B = 24,576 B of KV per token in bf16, the
// 12 sliding layers hold at most 128 positions each.

import CostModel

enum GptOss {
    static let expertKeys: Set<String> = ["num_local_experts", "num_experts_per_tok"]

    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 8, headDimDefault: 64, vocabDefault: 201_088)
        let window = try r.window("sliding_window", absent: 128)
        let windows: [Int?]
        if let types = try r.layerTypes(layers: max(0, s.layers)) {
            if types.contains(true) && window == nil {
                throw r.f.error("layer_types", "(gpt_oss) lists sliding layers but `sliding_window` is null", nil)
            }
            windows = types.map { $0 ? window : nil }
        } else {
            windows = (0..<max(0, s.layers)).map { ($0 + 1) % 2 != 0 ? window : nil }
        }
        let inner = s.ffn.first ?? 0
        let (e, k) = try ExpertLayers.counts(r, expertsKey: "num_local_experts", experts: 128, activeKey: "num_experts_per_tok", active: 4,
                                             inner: inner, innerKey: "intermediate_size")
        let moe = FeedForward.experts(Experts(count: e, active: k, inner: inner, expertBias: true, routerBias: true))
        let bias = try r.bool("attention_bias", default: true)
        let sliding = windows.filter { $0 != nil }.count
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: windows, qkvBias: bias, outputBias: bias, sinks: true,
            feedForwards: Array(repeating: moe, count: max(0, s.layers)),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 131_072), dtype: try r.dtype(),
            family: "\(r.family): \(e) experts of \(inner) with biases, top-\(k), biased router; \(sliding) sliding (\(window.map(String.init) ?? "none")) and \(windows.count - sliding) full layers, attention sinks",
            keyFor: HFKeys.standard.merging(["experts": "num_local_experts", "experts_per_token": "num_experts_per_tok",
                                             "expert_ffn_size": "intermediate_size"]) { $1 })
    }
}
