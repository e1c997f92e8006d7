// A Hugging Face `config.json` -> ModelSpec, exact or refused by name.
//
// Dispatch is on `model_type`, one mapping per family (the files beside this one), each applying
// the defaults the transformers library applies when a key is absent (a key present as JSON null
// means None, not the default). Keys that change the architecture into something the cost model
// does not describe yet (experts, latent attention, state-space layers, quantisation) are refused
// with one line naming the key, the family and what is not modelled; an unknown `model_type` is
// refused the same way. A dense guess is never an answer. Error messages use the config's own keys.
// Families and their transformers defaults: docs/research/hf/DEFAULTS.md,
// checked against transformers' configuration_<family>.py.

import CostModel
import Foundation

enum HuggingFaceConfig {
    /// A config, not a yocoprof profile: no `architecture` key, and at least one key only configs
    /// have (so a config missing `num_hidden_layers` is reported as such, not as a bad profile).
    static func looksLikeConfig(_ f: JSONFields) -> Bool {
        !f.has("architecture")
            && ["num_hidden_layers", "num_attention_heads", "model_type", "architectures", "n_layer", "text_config"].contains(where: f.has)
    }

    /// The family mappings by `model_type`.
    static let families: [String: @Sendable (HFReader) throws(ProfileError) -> DecoderPlan] = [
        "llama": Llama.plan, "mistral": Mistral.plan, "qwen2": Qwen2.plan, "qwen3": Qwen3.plan, "phi3": Phi3.plan,
        "gemma": Gemma.plan, "gemma2": Gemma2.plan, "gemma3_text": Gemma3.textPlan, "gemma3": Gemma3.plan,
        "gemma3n_text": Gemma3n.textPlan, "gemma3n": Gemma3n.plan,
        "gpt2": GPT2.plan, "falcon": Falcon.plan, "RefinedWebModel": Falcon.plan, "RefinedWeb": Falcon.plan,
        "mixtral": Mixtral.plan, "qwen2_moe": Qwen2MoE.plan, "qwen3_moe": Qwen3MoE.plan, "gpt_oss": GptOss.plan,
        "deepseek_v2": DeepSeek.planV2, "deepseek_v3": DeepSeek.planV3, "llama4": Llama4.plan, "llama4_text": Llama4.textPlan,
        "mamba": Mamba.plan, "mamba2": Mamba2.plan,
    ].merging(hybridFamilies) { a, _ in a }

    /// Hybrid stacks of attention and fixed-state layers. Each reads its own pattern, state, expert and
    /// latent keys and refuses what it does not model by name, so the generic key refusals skip those
    /// (Unmodelled.readBy).
    static let hybridFamilies: [String: @Sendable (HFReader) throws(ProfileError) -> DecoderPlan] = [
        "qwen3_next": Qwen3Next.plan, "jamba": Jamba.plan, "nemotron_h": NemotronH.plan, "kimi_linear": KimiLinear.plan,
        "minimax": MiniMax.plan, "minimax_text_01": MiniMax.plan, "minimax_m1": MiniMax.plan, "zamba2": Zamba2.plan,
    ]

    /// Families whose transformers configuration reads `layer_types`; elsewhere a list with sliding
    /// layers (or unknown types) is refused.
    static let readsLayerTypes: Set<String> = ["qwen2", "qwen3", "gemma2", "gemma3", "gemma3_text", "gemma3n", "gemma3n_text",
                                               "qwen3_next", "minimax",
                                               "qwen3_moe", "gpt_oss"]

    static func decode(_ f: JSONFields, id: String) throws(ProfileError) -> ModelSpec {
        // No model_type, no family: transformers refuses such a file too ("Unrecognized model").
        guard f.has("model_type") else {
            throw f.error("model_type", "is missing; the importer reads each family by its model_type (it maps: \(families.keys.sorted().joined(separator: ", "))) and guesses none", nil)
        }
        let modelType = try f.string("model_type")
        let r = HFReader(f, family: modelType)
        try Unmodelled.refuseKnownFamilies(r)
        guard let plan = families[modelType] else {
            throw f.error("model_type", "names a family the importer does not map (it maps: \(families.keys.sorted().joined(separator: ", "))); nothing is guessed", modelType)
        }
        try Unmodelled.refuseKeys(r)
        var p = try plan(r)
        p.weightStorage = try QuantizationConfig.storage(r)
        if !readsLayerTypes.contains(modelType), let types = try r.layerTypes(layers: p.layers), types.contains(true) {
            throw f.error("layer_types", "(\(modelType)) lists sliding layers, which this family's transformers code does not read; refusing rather than guessing", nil)
        }
        let spec = try p.spec(id: id, reader: r)
        if let storage = p.weightStorage, let kind = spec.unquantisedLayerKind(for: storage) {
            throw f.error("quantization_config", "(\(modelType)): a quantised format (\(storage.format.name)) on \(kind) is not modelled yet; refusing rather than counting those weights in 16 bits", nil)
        }
        return spec
    }
}
