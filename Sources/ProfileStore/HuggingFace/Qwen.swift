// model_type "qwen2" and "qwen3" (one file: the two share their window rule).
// Qwen2Config / Qwen3Config defaults: num_key_value_heads 32, max_position_embeddings 32768,
// tie_word_embeddings False, use_sliding_window False,
// sliding_window 4096, max_window_layers 28. The window rule (transformers, both families):
//   sliding_window = sliding_window if use_sliding_window else None
//   layer i slides iff sliding_window is not None and i >= max_window_layers   (0-based)
// so max_window_layers counts the bottom layers that keep FULL attention; public Qwen configs switch
// the window off and every layer is full. `layer_types`, when a newer file states it, wins.
// Qwen2: q, k and v projections carry biases, o does not (hard-coded, no key); head_dim = d // H.
// Qwen3: head_dim 128 by default, attention_bias False, RMSNorm q_norm and k_norm over head_dim.
// Checked against Qwen/Qwen2.5-7B and Qwen/Qwen3-8B config.json.

import CostModel

enum Qwen2 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 32)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: s.ffn, count: max(0, s.layers)), windows: try QwenWindows.windows(r, layers: s.layers),
            qkvBias: true, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: "\(r.family): dense decoder, SwiGLU, q/k/v biases")
    }
}

enum Qwen3 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 32, headDimDefault: 128)
        let bias = try r.bool("attention_bias", default: false)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: Array(repeating: s.ffn, count: max(0, s.layers)), windows: try QwenWindows.windows(r, layers: s.layers),
            qkvBias: bias, outputBias: bias, qkNorm: true, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: "\(r.family): dense decoder, SwiGLU, q/k norms")
    }
}

enum QwenWindows {
    static func windows(_ r: HFReader, layers: Int) throws(ProfileError) -> [Int?] {
        let use = try r.bool("use_sliding_window", default: false)
        let window = use ? try r.window("sliding_window", absent: 4096) : nil
        if let types = try r.layerTypes(layers: max(0, layers)) {
            if types.contains(true) && window == nil {
                throw r.f.error("layer_types", "(\(r.family)) lists sliding layers but `use_sliding_window` is false or `sliding_window` null", nil)
            }
            return types.map { $0 ? window : nil }
        }
        let bottom = try r.int("max_window_layers", default: 28)
        return (0..<max(0, layers)).map { i in window != nil && i >= bottom ? window : nil }
    }
}
