// A Hugging Face `config.json` -> ModelSpec (a Transformer: MHA, GQA, or windowed GQA).
//
// Keys read: num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads (default:
// num_attention_heads), head_dim (default: hidden_size / num_attention_heads), intermediate_size,
// vocab_size, sliding_window (null = none; ignored when use_sliding_window is false, as in Qwen2),
// tie_word_embeddings (default false), torch_dtype or dtype (default bf16). Other keys are ignored.
// Error messages use the config's own key names.

import CostModel
import Foundation

enum HuggingFaceConfig {
    /// Profile-field name -> config.json key, to phrase validation errors in the user's terms.
    static let keyFor: [String: String] = [
        "layers": "num_hidden_layers", "hidden_size": "hidden_size", "heads": "num_attention_heads",
        "kv_heads": "num_key_value_heads", "head_dim": "head_dim", "ffn_size": "intermediate_size",
        "vocab_size": "vocab_size", "sliding_window": "sliding_window",
    ]

    /// A config, not a yocoprof profile: no `architecture` key, and at least one key only configs
    /// have (so a config missing `num_hidden_layers` is reported as such, not as a bad profile).
    static func looksLikeConfig(_ f: JSONFields) -> Bool {
        !f.has("architecture")
            && ["num_hidden_layers", "num_attention_heads", "model_type", "architectures"].contains(where: f.has)
    }

    static func decode(_ f: JSONFields, id: String) throws(ProfileError) -> ModelSpec {
        let hidden = try f.int("hidden_size")
        let heads = try f.int("num_attention_heads")
        guard heads > 0 else { throw f.error("num_attention_heads", "must be at least 1", heads) }
        let explicitHeadDim = try f.optionalInt("head_dim")
        if explicitHeadDim == nil && hidden % heads != 0 {
            throw f.error("hidden_size", "must be a multiple of `num_attention_heads` (\(heads)) when `head_dim` is absent", hidden)
        }
        let headDim = explicitHeadDim ?? hidden / heads
        var window = try f.optionalInt("sliding_window")
        if f.has("use_sliding_window"), try f.bool("use_sliding_window", default: true) == false { window = nil }
        // transformers >= 4.56 writes `dtype`; older configs `torch_dtype`.
        let dtypeKey = f.has("torch_dtype") || !f.has("dtype") ? "torch_dtype" : "dtype"
        let dtypeName = try f.optionalString(dtypeKey) ?? "bfloat16"
        guard let dtype = DType(name: dtypeName) else {
            throw f.error(dtypeKey, "must be one of float32, bfloat16, float16, float8_e4m3fn, int8, int4", dtypeName)
        }
        let spec = ModelSpec(
            id: id,
            source: "Hugging Face config.json (\(f.file))",
            notes: "Read from a Hugging Face config: every layer is a Transformer block with SwiGLU.",
            architecture: .transformer(window: window),
            layers: try f.int("num_hidden_layers"), hiddenSize: hidden, heads: heads,
            kvHeads: try f.optionalInt("num_key_value_heads") ?? heads, headDim: headDim,
            ffnSize: try f.int("intermediate_size"), vocabSize: try f.int("vocab_size"),
            tiedEmbeddings: try f.bool("tie_word_embeddings", default: false),
            dtypes: .uniform(dtype))
        do {
            try spec.validate()
        } catch {
            var e = error
            e.field = keyFor[e.field] ?? e.field
            // Constraints quote other fields (`heads`): name those in the config's terms too.
            for (field, key) in keyFor where field != key {
                e.constraint = e.constraint.replacingOccurrences(of: "`\(field)`", with: "`\(key)`")
            }
            throw ProfileError(file: f.file, e)
        }
        return spec
    }
}
