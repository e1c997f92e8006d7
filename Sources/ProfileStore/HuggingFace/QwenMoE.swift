// model_type "qwen2_moe" and "qwen3_moe" (one file: the two share their expert-layer rule).
// Layer i routes to experts iff i is not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0
// (0-based); other layers are dense SwiGLU of intermediate_size. Experts are SwiGLU of
// moe_intermediate_size; the router `gate` is d x E without a bias.
// Qwen2MoeConfig defaults: vocab 151936, num_key_value_heads 16, max_position_embeddings 32768,
// tie False, decoder_sparse_step 1, moe_intermediate_size 1408, shared_expert_intermediate_size
// 5632 (with a d x 1 sigmoid shared_expert_gate), num_experts_per_tok 4, num_experts 60,
// mlp_only_layers [], q/k/v biases (qkv_bias True in newer classes; hard-coded before). Its window
// rule has the opposite polarity to Qwen2's (even layers below max_window_layers slide) and public
// files disable it: a file that enables it is refused.
// Qwen3MoeConfig defaults: vocab 151936, num_key_value_heads 4, head_dim from the file (the class
// has no default field: d // H), max_position_embeddings 32768, tie False, attention_bias False,
// q/k norms, decoder_sparse_step 1, moe_intermediate_size 768, num_experts_per_tok 8, num_experts
// 128, mlp_only_layers [], no shared expert; the window rule is Qwen3's (QwenWindows).
// Checked against Qwen/Qwen3-30B-A3B config.json (30,532,122,624 parameters, 3,353,032,704 active)
// and Qwen/Qwen1.5-MoE-A2.7B-Chat-GPTQ-Int4 without its quantization_config (14,315,784,192).

import CostModel

enum QwenMoE {
    static let expertKeys: Set<String> = ["num_experts", "num_experts_per_tok", "moe_intermediate_size"]

    /// Per layer: the expert feed-forward, or nil for a dense layer.
    static func layers(_ r: HFReader, layers: Int, experts: Experts) throws(ProfileError) -> [FeedForward?] {
        let step = try ExpertLayers.positive(r, "decoder_sparse_step", default: 1)
        let mlpOnly = try r.f.optionalIntArray("mlp_only_layers") ?? []
        if let bad = mlpOnly.first(where: { !(0..<max(0, layers)).contains($0) }) {
            throw r.f.error("mlp_only_layers", "must list 0-based layer indices below `num_hidden_layers` (\(layers))", bad)
        }
        return ExpertLayers.qwen(layers: layers, sparseStep: step, mlpOnly: Set(mlpOnly)).map { $0 ? .experts(experts) : nil }
    }

    static func experts(_ r: HFReader, experts e: Int, active k: Int, inner: Int, shared: SharedExperts?) throws(ProfileError) -> Experts {
        let e = try r.int("num_experts", default: e), k = try r.int("num_experts_per_tok", default: k)
        let inner = try r.int("moe_intermediate_size", default: inner)
        try ExpertLayers.check(r, experts: e, expertsKey: "num_experts", active: k, activeKey: "num_experts_per_tok",
                               inner: inner, innerKey: "moe_intermediate_size")
        return Experts(count: e, active: k, inner: inner, shared: shared)
    }

    static func describe(_ r: HFReader, _ e: Experts, _ ffs: [FeedForward?]) -> String {
        let moe = ffs.filter { $0 != nil }.count
        return "\(r.family): \(e.count) experts of \(e.inner), top-\(e.active)"
            + (e.shared.map { ", shared expert of \($0.inner)" + ($0.gated ? " with a sigmoid gate" : "") } ?? "")
            + ", on \(moe) of \(ffs.count) layers"
    }
}

enum Qwen2MoE {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 16, vocabDefault: 151_936)
        if try r.bool("use_sliding_window", default: false) {
            throw r.f.error("use_sliding_window", "(\(r.family)): this family's window rule (even layers below max_window_layers) is not read; refusing rather than guessing", true)
        }
        let sharedInner = try r.int("shared_expert_intermediate_size", default: 5632)
        let shared = sharedInner > 0 ? SharedExperts(inner: sharedInner, gated: true) : nil
        let e = try QwenMoE.experts(r, experts: 60, active: 4, inner: 1408, shared: shared)
        let ffs = try QwenMoE.layers(r, layers: s.layers, experts: e)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: Array(repeating: nil, count: max(0, s.layers)),
            qkvBias: try r.bool("qkv_bias", default: true), feedForwards: ffs, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: QwenMoE.describe(r, e, ffs) + ", q/k/v biases",
            keyFor: HFKeys.standard.merging(["experts": "num_experts", "experts_per_token": "num_experts_per_tok",
                                             "expert_ffn_size": "moe_intermediate_size",
                                             "shared_expert_ffn_size": "shared_expert_intermediate_size"]) { $1 })
    }
}

enum Qwen3MoE {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 4, vocabDefault: 151_936)
        let bias = try r.bool("attention_bias", default: false)
        let e = try QwenMoE.experts(r, experts: 128, active: 8, inner: 768, shared: nil)
        let ffs = try QwenMoE.layers(r, layers: s.layers, experts: e)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: try QwenWindows.windows(r, layers: s.layers),
            qkvBias: bias, outputBias: bias, qkNorm: true, feedForwards: ffs, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: QwenMoE.describe(r, e, ffs) + ", q/k norms",
            keyFor: HFKeys.standard.merging(["experts": "num_experts", "experts_per_token": "num_experts_per_tok",
                                             "expert_ffn_size": "moe_intermediate_size"]) { $1 })
    }
}
