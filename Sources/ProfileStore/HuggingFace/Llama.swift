// model_type "llama" (Llama 2, Llama 3.x): LlamaConfig defaults (transformers configuration_llama.py):
// num_key_value_heads None -> num_attention_heads, head_dim None -> hidden_size // heads,
// max_position_embeddings 2048, tie_word_embeddings False, attention_bias False (q, k, v and o
// biases when true), mlp_bias False. SwiGLU, two RMSNorms per block. Llama has no window.
// Checked against meta-llama/Llama-3.1-8B and Llama-2-7b-hf config.json.

import CostModel

enum Llama {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        if try r.bool("mlp_bias", default: false) {
            throw r.f.error("mlp_bias", "(\(r.family)): biases in a gated feed-forward are not modelled yet; refusing rather than dropping them", true)
        }
        let s = try HFKeys.shape(r)
        let bias = try r.bool("attention_bias", default: false)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: s.ffn, count: max(0, s.layers)), windows: Array(repeating: nil, count: max(0, s.layers)),
            qkvBias: bias, outputBias: bias, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 2048), dtype: try r.dtype(),
            family: "\(r.family): dense decoder, SwiGLU, every layer full attention")
    }
}
