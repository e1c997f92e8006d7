// model_type "mistral": MistralConfig defaults: num_key_value_heads 8, head_dim None -> d // H,
// sliding_window 4096 when absent (null: no window), applied to every layer;
// max_position_embeddings 131072, tie_word_embeddings False, no biases. Checked against
// mistralai/Mistral-7B-v0.1 config.json (window 4096 on all 32 layers).

import CostModel

enum Mistral {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 8)
        let window = try r.window("sliding_window", absent: 4096)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: s.ffn, count: max(0, s.layers)), windows: Array(repeating: window, count: max(0, s.layers)),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 131_072), dtype: try r.dtype(),
            family: "\(r.family): dense decoder, SwiGLU, " + (window.map { "every layer windowed to \($0)" } ?? "every layer full attention"))
    }
}
