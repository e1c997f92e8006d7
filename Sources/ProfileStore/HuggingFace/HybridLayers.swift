// Which layers of a hybrid stack are attention and which keep a fixed-size state, read the way each
// family's transformers configuration (or its remote code) reads them. Every result is 0-based, one
// entry per layer. The rules (docs/research/hf/DEFAULTS.md and TRAPS.md):
//   layer_types              "full_attention" / "linear_attention" (qwen3_next, minimax; "mamba" and
//                            "attention" in jamba's vocabulary)
//   full_attention_interval  qwen3_next: layer i is full iff (i + 1) % interval == 0 (4: 3, 7, ...)
//   attn_layer_period/offset jamba: layer i is attention iff i % period == offset (8/4: 4, 12, 20, 28)
//   hybrid_override_pattern  nemotron_h: one character per layer, M Mamba2, * attention, - MLP, E experts
//   linear_attn_config       kimi_linear: `full_attn_layers` and `kda_layers` count from 1
//   attn_type_list           minimax (MiniMax-Text-01, M1): 0 lightning (linear), 1 softmax attention

import CostModel

/// What one layer of a hybrid stack mixes with.
enum HybridLayer: Equatable {
    case attention
    case linear
}

enum HybridLayers {
    /// `layer_types` with the family's two names, when the file states it.
    static func layerTypes(_ r: HFReader, layers: Int, attention: String = "full_attention", linear: String = "linear_attention")
        throws(ProfileError) -> [HybridLayer]?
    {
        guard let names = try r.f.optionalStringArray("layer_types") else { return nil }
        guard names.count == layers else {
            throw r.f.error("layer_types", "must list one type per layer (\(layers))", "\(names.count) entries")
        }
        return try names.map { name throws(ProfileError) -> HybridLayer in
            switch name {
            case attention: return .attention
            case linear: return .linear
            default:
                throw r.f.error("layer_types", "(\(r.family)): layer type \"\(name)\" is not one of \"\(attention)\" and \"\(linear)\"; refusing rather than guessing", name)
            }
        }
    }

    /// Qwen3-Next: `layer_types`, else full attention every `full_attention_interval` (default 4) layers.
    static func interval(_ r: HFReader, layers: Int, defaultInterval: Int) throws(ProfileError) -> [HybridLayer] {
        if let t = try layerTypes(r, layers: layers) { return t }
        let k = try r.int("full_attention_interval", default: defaultInterval)
        guard k >= 1 else { throw r.f.error("full_attention_interval", "must be at least 1", k) }
        return (0..<layers).map { (($0 + 1) % k == 0) ? .attention : .linear }
    }

    /// Jamba: attention iff i % attn_layer_period == attn_layer_offset.
    static func period(_ r: HFReader, layers: Int, period defaultPeriod: Int, offset defaultOffset: Int) throws(ProfileError) -> [HybridLayer] {
        let p = try r.int("attn_layer_period", default: defaultPeriod)
        let o = try r.int("attn_layer_offset", default: defaultOffset)
        guard p >= 1 else { throw r.f.error("attn_layer_period", "must be at least 1", p) }
        guard (0..<p).contains(o) else { throw r.f.error("attn_layer_offset", "must be less than `attn_layer_period` (\(p))", o) }
        return (0..<layers).map { $0 % p == o ? .attention : .linear }
    }

    /// Kimi-Linear: `linear_attn_config.full_attn_layers` and `.kda_layers`, 1-based, disjoint and
    /// together every layer.
    static func oneBasedLists(_ r: HFReader, _ config: JSONFields, layers: Int) throws(ProfileError) -> [HybridLayer] {
        let full = try config.optionalIntArray("full_attn_layers") ?? []
        let linear = try config.optionalIntArray("kda_layers") ?? []
        var out = [HybridLayer?](repeating: nil, count: layers)
        for (key, list, kind) in [("full_attn_layers", full, HybridLayer.attention), ("kda_layers", linear, .linear)] {
            for n in list {
                guard n >= 1 && n <= layers else {
                    throw config.error(key, "lists layer numbers counted from 1 up to `num_hidden_layers` (\(layers))", n)
                }
                guard out[n - 1] == nil else { throw config.error(key, "names layer \(n) twice (full_attn_layers and kda_layers are disjoint)", n) }
                out[n - 1] = kind
            }
        }
        if let missing = out.firstIndex(of: nil) {
            throw config.error("kda_layers", "and `full_attn_layers` must together name every layer; layer \(missing + 1) (counted from 1) is in neither", nil)
        }
        return out.map { $0! }
    }

    /// MiniMax: `attn_type_list`, 0 lightning (linear), 1 softmax attention.
    static func typeList(_ r: HFReader, layers: Int) throws(ProfileError) -> [HybridLayer]? {
        guard let list = try r.f.optionalIntArray("attn_type_list") else { return nil }
        guard list.count == layers else {
            throw r.f.error("attn_type_list", "must give one type per layer (\(layers))", "\(list.count) entries")
        }
        return try list.map { t throws(ProfileError) -> HybridLayer in
            switch t {
            case 0: return .linear
            case 1: return .attention
            default: throw r.f.error("attn_type_list", "holds 0 (lightning attention) or 1 (softmax attention) per layer", t)
            }
        }
    }
}

/// One Nemotron-H layer, from its `hybrid_override_pattern` character.
enum NemotronLayer: Equatable {
    case mamba, attention, mlp, experts

    /// The pattern, one layer per character.
    static func pattern(_ r: HFReader) throws(ProfileError) -> [NemotronLayer] {
        guard let text = try r.f.optionalString("hybrid_override_pattern") else {
            throw r.f.error("hybrid_override_pattern", "(\(r.family)) is required: it says which layers are Mamba2, attention, MLP or experts", nil)
        }
        return try text.map { ch throws(ProfileError) -> NemotronLayer in
            switch ch {
            case "M": return .mamba
            case "*": return .attention
            case "-": return .mlp
            case "E": return .experts
            default:
                throw r.f.error("hybrid_override_pattern", "holds one of M (Mamba2), * (attention), - (MLP) or E (experts) per layer", String(ch))
            }
        }
    }
}
