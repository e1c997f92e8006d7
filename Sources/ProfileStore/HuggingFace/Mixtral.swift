// model_type "mixtral": MixtralConfig defaults (transformers configuration_mixtral.py):
// vocab_size 32000, num_key_value_heads 8, head_dim None -> d // H, max_position_embeddings 131072,
// tie_word_embeddings False, sliding_window None (unlike Mistral's 4096; a value windows every
// layer), num_local_experts 8, num_experts_per_tok 2. Every layer routes to experts of
// intermediate_size (w1/w3 gate and up, w2 down); the router `gate` is d x E without a bias; no
// shared expert, no dense layer.
// Checked against mistralai/Mixtral-8x7B-v0.1 config.json: 46,702,792,704 parameters,
// 12,879,925,248 active; 32 x 8 x 128 x 2 x 2 B = 131,072 B of KV per token in bf16.

import CostModel

enum Mixtral {
    static let expertKeys: Set<String> = ["num_local_experts", "num_experts_per_tok"]

    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 8, vocabDefault: 32_000)
        let window = try r.window("sliding_window", absent: nil)
        let inner = s.ffn.first ?? 0
        let (e, k) = try ExpertLayers.counts(r, expertsKey: "num_local_experts", experts: 8, activeKey: "num_experts_per_tok", active: 2,
                                             inner: inner, innerKey: "intermediate_size")
        let moe = FeedForward.experts(Experts(count: e, active: k, inner: inner))
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: Array(repeating: window, count: max(0, s.layers)),
            feedForwards: Array(repeating: moe, count: max(0, s.layers)),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 131_072), dtype: try r.dtype(),
            family: "\(r.family): \(e) experts of \(inner), top-\(k), on every layer; "
                + (window.map { "every layer windowed to \($0)" } ?? "every layer full attention"))
    }
}
