// What the importer refuses by name until the cost model describes it (issues 11 and 12):
// families whose every checkpoint uses a stack the cost model cannot describe (Zamba's shared
// blocks), and keys that switch any other family to experts, latent attention or
// state-space layers. The MoE and MLA families read their own keys (`readBy`); the hybrid families
// (Qwen3-Next, Jamba, Nemotron-H, Kimi-Linear, MiniMax) read their own pattern, state, expert and
// latent keys and refuse what they do not model themselves. One line each: the key, the family,
// what is not modelled. A `quantization_config` is read by QuantizationConfig.swift, which
// refuses the methods it does not model (and HuggingFaceConfig.swift a format on layers it cannot
// convert yet).
// Keys that change only positions, not memory or FLOPs beyond RoPE's element-wise work, pass:
// `rope_scaling`, `no_rope_layers` (NoPE layers; Llama 4 reads them with `attention_chunk_size`,
// which stays refused elsewhere). A `text_config` is checked like the top level.

import CostModel
import Foundation

enum Unmodelled {
    /// Keys that change the architecture, with what they bring.
    static let keys: [(key: String, what: String)] = [
        ("num_local_experts", "mixture-of-experts feed-forwards"),
        ("num_experts", "mixture-of-experts feed-forwards"),
        ("n_routed_experts", "mixture-of-experts feed-forwards"),
        ("moe_intermediate_size", "mixture-of-experts feed-forwards"),
        ("num_experts_per_tok", "mixture-of-experts feed-forwards"),
        ("kv_lora_rank", "multi-head latent attention (a compressed K/V latent)"),
        ("q_lora_rank", "multi-head latent attention (a compressed K/V latent)"),
        ("layers_block_type", "hybrid stacks with state-space layers"),
        ("hybrid_override_pattern", "hybrid stacks with state-space layers"),
        ("attn_layer_period", "hybrid stacks with state-space layers"),
        ("linear_attn_config", "linear-attention layers"),
        ("full_attention_interval", "linear-attention layers"),
        ("attn_type_list", "linear-attention layers"),
        ("ssm_state_size", "state-space layers"),
        ("cross_attention_layers", "cross-attention to an encoder's states"),
        ("add_cross_attention", "cross-attention to an encoder's states"),
        ("attention_chunk_size", "chunked-local attention layers (which layers are chunked is not in this family's config)"),
    ]

    /// model_type values that are always one of the above.
    static let familyKinds: [String: String] = [
        "falcon_mamba": "Mamba layers with weightless RMSNorms on dt, B and C (the Mamba mixer here has Jamba's weighted ones or none)",
        "zamba": "multi-head Mamba (v1) mixers (per-head x_proj and dt_proj) under a shared attention block (zamba2 is read)",
    ]

    /// Keys that do not describe the layer stack (storage formats, encoders, chunked layers): refused
    /// in every family, the hybrid ones included.
    static let nonArchitectureKeys: Set<String> = ["quantization_config", "cross_attention_layers", "add_cross_attention", "attention_chunk_size"]

    /// A value that switches the feature on: anything but null, false, 0, "" or an empty list/object.
    static func isOn(_ raw: Any?) -> Bool {
        guard let raw, !(raw is NSNull) else { return false }
        if let n = raw as? NSNumber { return JSONFields.isBool(n) ? n.boolValue : n.doubleValue != 0 }
        if let s = raw as? String { return !s.isEmpty }
        if let a = raw as? [Any] { return !a.isEmpty }
        if let o = raw as? [String: Any] { return !o.isEmpty }
        return true
    }

    static func refuseKnownFamilies(_ r: HFReader) throws(ProfileError) {
        // The family's signature key when it has one, else model_type itself.
        guard let what = familyKinds[r.family] else { return }
        let key = keys.first { isOn(r.f.object[$0.key]) }?.key ?? "model_type"
        throw r.f.error(key, "(\(r.family)): \(what) are not modelled yet; refusing rather than counting a dense model", key == "model_type" ? r.family : r.f.object[key])
    }

    /// Every key of the list above that describes the layer stack (experts, latent attention,
    /// state-space and linear-attention layers).
    static let architectureKeys: Set<String> = Set(keys.map(\.key)).subtracting(nonArchitectureKeys)

    /// Keys of the list above that a family's mapping reads itself (its experts, its latent
    /// attention, Llama 4's chunked layers; the hybrid families their pattern, state, expert and
    /// latent keys, refusing what they do not model themselves), by model_type.
    static let readBy: [String: Set<String>] = [
        "mixtral": Mixtral.expertKeys, "qwen2_moe": QwenMoE.expertKeys, "qwen3_moe": QwenMoE.expertKeys,
        "gpt_oss": GptOss.expertKeys, "deepseek_v2": DeepSeek.readKeys, "deepseek_v3": DeepSeek.readKeys,
        "llama4": Llama4.readKeys, "llama4_text": Llama4.readKeys,
    ].merging(HuggingFaceConfig.hybridFamilies.mapValues { _ in architectureKeys }) { a, _ in a }

    static func refuseKeys(_ r: HFReader) throws(ProfileError) {
        let read = readBy[r.family] ?? []
        for (key, what) in keys where isOn(r.f.object[key]) && !read.contains(key) {
            throw r.f.error(key, "(\(r.family)): \(what) are not modelled yet; refusing rather than counting a dense model", r.f.object[key])
        }
    }
}
