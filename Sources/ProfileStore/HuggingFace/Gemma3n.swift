// model_type "gemma3n" (the text tower under `text_config`, model_type "gemma3n_text").
// Gemma3nTextConfig defaults (transformers configuration_gemma3n.py): vocab_size 262400,
// num_key_value_heads 2, head_dim 256, sliding_window 512, max_position_embeddings 32768, tied,
// intermediate_size an integer or one per layer, num_kv_shared_layers 15; layer_types default
//   "full_attention" if (i + 1) % 5 == 0 else "sliding_attention"   (0-based 4, 9, 14, ... full)
// K/V sharing (`kv_sharing_roles`): the last num_kv_shared_layers layers project no K/V of their
// own; each reads the slot of the LAST layer of its own type before that range (E4B, 35 layers, 15
// shared: sliding readers read layer 18, full readers layer 19; only layers 0..19 hold a cache).
// Counted: attention (Wq, Wo for the readers), q/k norms, GeGLU, four norms per block, embedding.
// NOT counted (the family line says so): the per-layer-input embeddings and projections, AltUp,
// LAuReL, and the vision and audio towers. The K/V cache is exact. Checked against the published
// E4B text_config values collected in docs/research/hf/google--gemma-3n-E4B.PARTIAL.md.

import CostModel

enum Gemma3n {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        try r.textTower(family: "gemma3n", visionNote: false, textPlan).plan
    }

    static func textPlan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let layers = try r.int("num_hidden_layers")
        let window = try r.window("sliding_window", absent: 512)
        let n = max(0, layers)
        var p = try Gemma.common(r, kvDefault: 2, vocabDefault: 262_400, maxPositions: 32_768, norms: NormLayout(count: 4), qkNorm: true,
                                 ffnListAllowed: true, windows: { n throws(ProfileError) in try Gemma.pattern(r, layers: n, window: window) { ($0 + 1) % 5 != 0 } },
                                 family: "")
        let shared = try r.int("num_kv_shared_layers", default: 15)
        guard (0..<max(1, n)).contains(shared) else {
            throw r.f.error("num_kv_shared_layers", "must be between 0 and num_hidden_layers - 1 (\(n - 1))", shared)
        }
        let first = n - shared
        var reads: [Int?] = Array(repeating: nil, count: n)
        for i in first..<n {
            let sliding = p.windows[i] != nil
            guard let j = (0..<first).last(where: { (p.windows[$0] != nil) == sliding }) else {
                throw r.f.error("num_kv_shared_layers", "(gemma3n): layer \(i) has no earlier \(sliding ? "sliding" : "full") layer to share K/V with", shared)
            }
            reads[i] = j
        }
        p.sharesWith = reads
        p.family = "\(r.family): GeGLU, 4 norms, q/k norms, 4 sliding (\(window.map(String.init) ?? "none")) then 1 full layer; "
            + "the last \(shared) layers read the K/V of layers \(Set(reads.compactMap { $0 }).sorted().map(String.init).joined(separator: ", ")); "
            + "parameters leave out per-layer-input embeddings, AltUp, LAuReL and the vision/audio towers (not modelled)"
        return p
    }
}
