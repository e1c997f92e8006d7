// model_type "gemma", "gemma2", "gemma3" / "gemma3_text" (one file: the generations share their
// shape and defaults and differ in norms, q/k norms and the window pattern).
//   gemma   GemmaConfig: num_key_value_heads 16, head_dim 256, max_position_embeddings 8192,
//           tie_word_embeddings True, GeGLU (gelu_pytorch_tanh), two RMSNorms per block, no window.
//   gemma2  Gemma2Config: head_dim 256, sliding_window 4096, max_position 8192, tied; FOUR RMSNorms per
//           block (pre/post attention, pre/post feed-forward); layer i slides iff (i + 1) % 2 != 0,
//           i.e. the even 0-based layers (0, 2, ...) slide and the odd ones are full.
//   gemma3  Gemma3TextConfig (the text tower under `text_config` of a gemma3 file): vocab_size
//           262208 when absent, head_dim 256, sliding_window 4096, max_position 131072, tied, four
//           norms, q_norm and k_norm over head_dim; layer i slides iff (i + 1) % sliding_window_pattern
//           != 0 (pattern 6 when absent: 0-based 5, 11, 17, ... are full). The SigLIP vision tower
//           and its projector are NOT counted (the family line says so).
// `layer_types`, when the file states it, wins over the pattern. Checked against google/gemma-7b,
// google/gemma-2-9b-it, google/gemma-3-27b-it and google/gemma-3-1b-it config.json.

import CostModel

enum Gemma {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        try common(r, kvDefault: 16, vocabDefault: nil, maxPositions: 8192, norms: .preRMS, qkNorm: false,
                   windows: { n in Array(repeating: nil, count: n) },
                   family: "\(r.family): dense decoder, GeGLU, every layer full attention")
    }

    /// The shape every Gemma generation shares; `windows(layers)` gives the pattern.
    static func common(_ r: HFReader, kvDefault: Int, vocabDefault: Int?, maxPositions: Int, norms: NormLayout, qkNorm: Bool,
                       ffnListAllowed: Bool = false, windows: (Int) throws(ProfileError) -> [Int?], family: String) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: kvDefault, nullKVIsHeads: false, headDimDefault: 256, vocabDefault: vocabDefault,
                                 ffnListAllowed: ffnListAllowed)
        let bias = try r.bool("attention_bias", default: false)
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, activation: .gelu, windows: try windows(max(0, s.layers)),
            qkvBias: bias, outputBias: bias, qkNorm: qkNorm, norms: norms, tied: try r.bool("tie_word_embeddings", default: true),
            maxPositions: try r.int("max_position_embeddings", default: maxPositions), dtype: try r.dtype(), family: family)
    }

    /// Windows from `layer_types` when stated, else from `slides(i)`.
    static func pattern(_ r: HFReader, layers: Int, window: Int?, slides: (Int) -> Bool) throws(ProfileError) -> [Int?] {
        let types = try r.layerTypes(layers: layers) ?? (0..<layers).map(slides)
        if types.contains(true) && window == nil {
            throw r.f.error("sliding_window", "(\(r.family)) is null but the layers alternate sliding and full attention", nil)
        }
        return types.map { $0 ? window : nil }
    }
}

enum Gemma2 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let window = try r.window("sliding_window", absent: 4096)
        return try Gemma.common(r, kvDefault: 4, vocabDefault: nil, maxPositions: 8192, norms: NormLayout(count: 4), qkNorm: false,
                                windows: { n throws(ProfileError) in try Gemma.pattern(r, layers: n, window: window) { ($0 + 1) % 2 != 0 } },
                                family: "\(r.family): dense decoder, GeGLU, 4 norms per block, sliding (\(window.map(String.init) ?? "none")) and full layers alternating")
    }
}

enum Gemma3 {
    /// A multimodal gemma3 file: the text tower under `text_config`.
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        try r.textTower(family: "gemma3", textPlan).plan
    }

    static func textPlan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let window = try r.window("sliding_window", absent: 4096)
        let every = try r.int("sliding_window_pattern", default: 6)
        guard every >= 1 else { throw r.f.error("sliding_window_pattern", "must be at least 1", every) }
        return try Gemma.common(r, kvDefault: 4, vocabDefault: 262_208, maxPositions: 131_072, norms: NormLayout(count: 4), qkNorm: true,
                                windows: { n throws(ProfileError) in try Gemma.pattern(r, layers: n, window: window) { ($0 + 1) % every != 0 } },
                                family: "\(r.family): dense decoder, GeGLU, 4 norms per block, q/k norms, \(every - 1) sliding (\(window.map(String.init) ?? "none")) then 1 full layer")
    }
}
