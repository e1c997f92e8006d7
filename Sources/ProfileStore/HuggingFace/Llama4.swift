// model_type "llama4" (the multimodal wrapper: the text tower under `text_config`) and
// "llama4_text". Llama4TextConfig defaults (transformers configuration_llama4.py): vocab 202048,
// hidden 5120, intermediate_size 8192 (routed and shared experts' width), intermediate_size_mlp
// 16384 (dense layers' width), layers 48, heads 40, num_key_value_heads 8, head_dim 128,
// max_position_embeddings 131072, tie False, num_experts_per_tok 1, num_local_experts 16,
// interleave_moe_layer_step 1, attention_chunk_size 8192, attention_bias False.
// Rules (0-based): `moe_layers` when listed, else range(step - 1, L, step); every MoE layer has one
// shared expert of intermediate_size and a d x E router without a bias. `no_rope_layers[i]` 1 means
// the layer uses RoPE and chunked-local attention over attention_chunk_size, 0 a NoPE layer with
// full attention (the name is inverted); absent: 1 unless (i + 1) % 4 == 0. use_qk_norm is a
// weightless L2 norm (no parameters; its element-wise work is not counted).
// Checked against the values of Llama-4-Scout-17B-16E's text_config as quoted publicly (no verbatim
// config.json was found; docs/research/hf/meta-llama--Llama-4-Scout-17B-16E.text_config.PARTIAL.md):
// 107,769,861,120 text parameters, 17,172,894,720 active; 12 full layers x 8 x 128 x 2 x 2 B =
// 49,152 B of KV per token in bf16, the 36 chunked layers hold at most 8,192 positions each.

import CostModel

enum Llama4 {
    static let readKeys: Set<String> = ["num_local_experts", "num_experts_per_tok", "attention_chunk_size"]

    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let tower = try r.textTower(family: "llama4", textPlan)
        var p = tower.plan
        // Llama4Config carries tie_word_embeddings at the top; the text tower's own value wins.
        if !tower.text.present("tie_word_embeddings") { p.tied = try r.bool("tie_word_embeddings", default: p.tied) }
        return p
    }

    static func textPlan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 8, headDimDefault: 128, vocabDefault: 202_048)
        let n = max(0, s.layers)
        let chunk = try r.int("attention_chunk_size", default: 8192)
        guard chunk >= 1 else { throw r.f.error("attention_chunk_size", "must be at least 1", chunk) }
        // transformers: every `no_rope_layer_interval`-th layer (default 4) is a NoPE (full) layer.
        let interval = try ExpertLayers.positive(r, "no_rope_layer_interval", default: 4)
        let rope = try r.f.optionalIntArray("no_rope_layers") ?? (0..<n).map { ($0 + 1) % interval != 0 ? 1 : 0 }
        guard rope.count == n, rope.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw r.f.error("no_rope_layers", "must list 0 or 1 for each of the \(n) layers", "\(rope.count) entries")
        }
        let step = try ExpertLayers.positive(r, "interleave_moe_layer_step", default: 1)
        let listed = try r.f.optionalIntArray("moe_layers")
        if let bad = listed?.first(where: { !(0..<n).contains($0) }) {
            throw r.f.error("moe_layers", "must list 0-based layer indices below `num_hidden_layers` (\(n))", bad)
        }
        let inner = s.ffn.first ?? 0
        let (e, k) = try ExpertLayers.counts(r, expertsKey: "num_local_experts", experts: 16, activeKey: "num_experts_per_tok", active: 1,
                                             inner: inner, innerKey: "intermediate_size")
        let denseInner = try r.int("intermediate_size_mlp", default: 16_384)
        let experts = Experts(count: e, active: k, inner: inner, shared: SharedExperts(inner: inner))
        let routed = ExpertLayers.llama4(layers: n, step: step, listed: listed)
        if try r.bool("attention_bias", default: false) {
            throw r.f.error("attention_bias", "(\(r.family)): attention biases are not modelled for this family; refusing rather than guessing where they sit", true)
        }
        let full = rope.filter { $0 == 0 }.count
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: denseInner, count: n), windows: Array(repeating: nil, count: n),
            feedForwards: routed.map { $0 ? .experts(experts) : nil }, chunks: rope.map { $0 == 1 ? chunk : nil }, rope: rope.map { $0 == 1 },
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 131_072), dtype: try r.dtype(),
            family: "\(r.family): \(e) experts of \(inner) + 1 shared, top-\(k), on \(routed.filter { $0 }.count) of \(n) layers; \(n - full) chunked (\(chunk)) RoPE layers and \(full) full NoPE layers",
            keyFor: HFKeys.standard.merging(["experts": "num_local_experts", "experts_per_token": "num_experts_per_tok",
                                             "expert_ffn_size": "intermediate_size", "attention_chunk_size": "attention_chunk_size"]) { $1 })
    }
}
