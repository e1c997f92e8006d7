// model_type "phi3": Phi3Config defaults: num_key_value_heads None -> heads, head_dim d // H,
// max_position_embeddings 4096, tie_word_embeddings False, sliding_window None; a window the file
// states applies to every layer (Phi-3-mini-4k: 2047). Fused qkv_proj and gate_up_proj hold the
// same parameters as separate ones; no biases. Checked against microsoft/Phi-3-mini-4k-instruct.

import CostModel

enum Phi3 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r)
        let window = try r.window("sliding_window", absent: nil)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: s.ffn, count: max(0, s.layers)), windows: Array(repeating: window, count: max(0, s.layers)),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 4096), dtype: try r.dtype(),
            family: "\(r.family): dense decoder, SwiGLU, " + (window.map { "every layer windowed to \($0)" } ?? "every layer full attention"))
    }
}
