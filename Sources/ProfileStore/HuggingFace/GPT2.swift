// model_type "gpt2": GPT2Config keys n_embd, n_layer, n_head, n_inner (None -> 4 n_embd),
// n_positions (learned absolute positions, counted as parameters; also the context limit),
// vocab_size. Every projection (Conv1D) has a bias: c_attn 3d, c_proj d, c_fc F, mlp c_proj d;
// LayerNorms with bias (ln_1, ln_2, ln_f); a two-matrix GELU MLP; MHA; tie_word_embeddings True
// (the PretrainedConfig default; gpt2's file has no key). No RoPE: its 3(qW + kW) RoPE FLOPs per
// row in the cost model are an overcount of well under 1% of a layer. Checked against
// openai-community/gpt2 (124,439,808 parameters).

import CostModel

enum GPT2 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("n_embd", default: 768)
        let heads = try r.int("n_head", default: 12)
        guard heads > 0, d % heads == 0 else { throw r.f.error("n_embd", "must be a multiple of `n_head` (\(heads))", d) }
        let layers = try r.int("n_layer", default: 12)
        let positions = try r.int("n_positions", default: 1024)
        let inner = try r.int("n_inner", default: 4 * d)
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: heads, headDim: d / heads, vocab: try r.int("vocab_size", default: 50257),
            ffn: Array(repeating: inner, count: max(0, layers)), gated: false, activation: .gelu, mlpBias: true,
            windows: Array(repeating: nil, count: max(0, layers)), qkvBias: true, outputBias: true,
            norms: NormLayout(count: 2, hasBias: true), finalNorm: NormLayout(count: 1, hasBias: true),
            tied: try r.bool("tie_word_embeddings", default: true), positionRows: positions, maxPositions: positions,
            dtype: try r.dtype(), family: "gpt2: MHA, two-matrix GELU MLP, biases everywhere, LayerNorm, learned positions",
            keyFor: ["layers": "n_layer", "hidden_size": "n_embd", "heads": "n_head", "kv_heads": "n_head", "head_dim": "n_embd",
                     "ffn_size": "n_inner", "vocab_size": "vocab_size", "position_embeddings": "n_positions"])
    }
}
