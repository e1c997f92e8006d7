// model_type "falcon" (and the legacy "RefinedWebModel" / "RefinedWeb" files with n_head, n_layer,
// n_head_kv). FalconConfig defaults: vocab 65024, num_kv_heads None -> heads, multi_query True,
// new_decoder_architecture False, parallel_attn True, bias False, max_position 2048, tied,
// ffn_hidden_size None -> 4 d, GELU two-matrix MLP, LayerNorms with bias. KV heads, as
// modeling_falcon computes them:
//   new_decoder_architecture: num_kv_heads;  else multi_query: 1;  else num_attention_heads
// (falcon-7b says num_kv_heads 71 and multi_query true: one KV head). The new architecture keeps
// num_kv_heads groups (what a serving engine caches; transformers' own cache broadcasts them).
// Norms per block: new architecture 2 (ln_attn, ln_mlp; num_ln_in_parallel_attn), parallel 1
// (input_layernorm), sequential 2. "RefinedWeb" is the new architecture with n_head_kv groups.
// Checked against tiiuae/falcon-7b(-instruct) config.json (6,921,720,704 parameters, 8,192 B of KV
// per token in bf16).

import CostModel

enum Falcon {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let legacy = r.family != "falcon"
        let headsKey = legacy ? "n_head" : "num_attention_heads", layersKey = legacy ? "n_layer" : "num_hidden_layers"
        let d = try r.int("hidden_size", default: 4544)
        let heads = try r.int(headsKey, default: 71)
        guard heads > 0, d % heads == 0 else { throw r.f.error("hidden_size", "must be a multiple of `\(headsKey)` (\(heads))", d) }
        let layers = try r.int(layersKey, default: 32)
        let statedNewArch = try r.bool("new_decoder_architecture", default: false)
        let newArch = r.family == "RefinedWeb" || statedNewArch
        let kvKey = legacy ? "n_head_kv" : "num_kv_heads"
        let kvHeads: Int
        if newArch {
            kvHeads = try r.int(kvKey, default: heads)
        } else {
            kvHeads = try r.bool("multi_query", default: true) ? 1 : heads
        }
        let parallel = try r.bool("parallel_attn", default: true)
        let normCount = newArch ? try r.int("num_ln_in_parallel_attn", default: 2) : (parallel ? 1 : 2)
        let bias = try r.bool("bias", default: false)
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: kvHeads, headDim: d / heads, vocab: try r.int("vocab_size", default: 65024),
            ffn: Array(repeating: try r.int("ffn_hidden_size", default: 4 * d), count: max(0, layers)), gated: false, activation: .gelu,
            mlpBias: bias, windows: Array(repeating: nil, count: max(0, layers)), qkvBias: bias, outputBias: bias,
            norms: NormLayout(count: normCount, hasBias: true), finalNorm: NormLayout(count: 1, hasBias: true),
            tied: try r.bool("tie_word_embeddings", default: true), maxPositions: try r.int("max_position_embeddings", default: 2048),
            dtype: try r.dtype(),
            family: "\(r.family): \(kvHeads == 1 ? "multi-query" : "\(kvHeads) KV heads"), two-matrix GELU MLP, \(normCount) LayerNorm(s) per block",
            keyFor: ["layers": layersKey, "hidden_size": "hidden_size", "heads": headsKey, "kv_heads": newArch ? kvKey : "multi_query",
                     "head_dim": "hidden_size", "ffn_size": "ffn_hidden_size", "vocab_size": "vocab_size"])
    }
}
