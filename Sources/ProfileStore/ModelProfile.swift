// Profiles/models/<id>.json -> ModelSpec. The schema (snake_case keys, units in names where a
// value has one) is documented in docs/CONVENTIONS.md; every file is validated as it is read.

import CostModel
import Foundation

enum ModelProfile {
    static let knownKeys: Set<String> = [
        "id", "source", "notes", "architecture", "layers", "hidden_size", "heads", "kv_heads",
        "head_dim", "ffn_size", "vocab_size", "tied_embeddings", "self_decoder",
        "self_decoder_layers", "gret_heads", "gret_head_dim", "gret_chunk_tokens",
        "sliding_window", "self_kv_heads", "dtypes", "dtype", "layer_types", "cross_layer_group",
    ]

    /// Keys of a profile that wraps a Hugging Face config (`"architecture": "hugging_face"`).
    static let configProfileKeys: Set<String> = ["id", "source", "notes", "architecture", "config"]

    static func decode(_ f: JSONFields) throws(ProfileError) -> ModelSpec {
        if f.object["architecture"] as? String == "hugging_face" { return try decodeConfigProfile(f) }
        try f.rejectUnknownKeys(knownKeys)
        let id = try f.string("id")
        let source = try f.string("source")
        if source.trimmingCharacters(in: .whitespaces).isEmpty {
            throw f.error("source", "must name where the figures come from", source)
        }
        let layers = try f.int("layers")
        let window = try f.optionalInt("sliding_window")
        let architecture: Architecture
        let archName = try f.string("architecture")
        switch archName {
        case "transformer":
            for key in ["self_decoder", "self_decoder_layers", "gret_heads", "gret_head_dim", "gret_chunk_tokens"] where f.has(key) {
                throw f.error(key, "applies to YOCO profiles only (`architecture` is \"transformer\")", f.object[key])
            }
            architecture = .transformer(window: window)
        case "yoco":
            let selfLayers = try f.optionalInt("self_decoder_layers") ?? layers / 2
            let kind = try f.string("self_decoder")
            switch kind {
            case "gated_retention":
                if window != nil {
                    throw f.error("sliding_window", "must be null for a gated-retention self-decoder", window)
                }
                architecture = .yoco(
                    selfDecoder: .gatedRetention(
                        heads: try f.int("gret_heads"), headDim: try f.int("gret_head_dim"),
                        chunkTokens: try f.optionalInt("gret_chunk_tokens") ?? 256),
                    selfLayers: selfLayers)
            case "sliding_window":
                for key in ["gret_heads", "gret_head_dim", "gret_chunk_tokens"] where f.has(key) {
                    throw f.error(key, "applies to gated-retention self-decoders only", f.object[key])
                }
                guard let window else {
                    throw f.error("sliding_window", "is required (an integer) for a sliding-window self-decoder", nil)
                }
                architecture = .yoco(selfDecoder: .slidingWindow(window: window), selfLayers: selfLayers)
            default:
                throw f.error("self_decoder", "must be \"gated_retention\" or \"sliding_window\"", kind)
            }
        default:
            throw f.error("architecture", "must be \"transformer\", \"yoco\" or \"hugging_face\"", archName)
        }
        let shape = FamilyShape(
            id: id, source: source, notes: try f.optionalString("notes") ?? "",
            architecture: architecture, layers: layers, hiddenSize: try f.int("hidden_size"),
            heads: try f.int("heads"), kvHeads: try f.int("kv_heads"), headDim: try f.int("head_dim"),
            ffnSize: try f.int("ffn_size"), vocabSize: try f.int("vocab_size"),
            tiedEmbeddings: try f.bool("tied_embeddings", default: false),
            dtypes: try dtypePlan(f), selfDecoderKVHeads: try f.optionalInt("self_kv_heads"),
            slidingLayers: try layerTypes(f, layers: layers), crossLayerGroup: try f.optionalInt("cross_layer_group") ?? 1)
        do {
            try shape.validate()
            let spec = shape.spec
            try spec.validate()
            return spec
        } catch { throw ProfileError(file: f.file, error) }
    }

    /// `"layer_types": ["sliding_attention", "full_attention", ...]` (0-based, one per layer, the
    /// Hugging Face vocabulary, read as the importer reads it) -> which layers are windowed.
    static func layerTypes(_ f: JSONFields, layers: Int) throws(ProfileError) -> [Bool]? {
        try HFReader(f, family: "profile").layerTypes(layers: max(0, layers))
    }

    /// A profile holding a model's published config.json under `config`, read by the same family
    /// mapping as the file itself; the profile's id, source and notes replace the config's.
    static func decodeConfigProfile(_ f: JSONFields) throws(ProfileError) -> ModelSpec {
        try f.rejectUnknownKeys(configProfileKeys)
        let id = try f.string("id")
        let source = try f.string("source")
        if source.trimmingCharacters(in: .whitespaces).isEmpty {
            throw f.error("source", "must name where the figures come from", source)
        }
        guard let config = try f.nested("config") else { throw f.error("config", "is required (the model's config.json object)", nil) }
        var spec = try HuggingFaceConfig.decode(config, id: id)
        spec.source = source
        if let notes = try f.optionalString("notes") { spec.notes = notes }
        return spec
    }

    /// `"dtype": "bf16"` for every class, or `"dtypes": {"weights": ..., "kv_cache": ..., ...}`
    /// (classes left out default to `dtype`, or bf16).
    static func dtypePlan(_ f: JSONFields) throws(ProfileError) -> DTypePlan {
        let base = try f.optionalString("dtype").map { name throws(ProfileError) in try dtype(name, f, "dtype") } ?? .bf16
        guard let d = try f.nested("dtypes") else { return .uniform(base) }
        try d.rejectUnknownKeys(["weights", "kv_cache", "state", "activations"])
        func read(_ key: String) throws(ProfileError) -> DType {
            guard let name = try d.optionalString(key) else { return base }
            return try dtype(name, d, key)
        }
        return DTypePlan(weights: try read("weights"), kvCache: try read("kv_cache"),
                         state: try read("state"), activations: try read("activations"))
    }

    static func dtype(_ name: String, _ f: JSONFields, _ key: String) throws(ProfileError) -> DType {
        guard let t = DType(name: name) else {
            throw f.error(key, "must be one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))", name)
        }
        return t
    }
}
