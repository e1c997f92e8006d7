// What the importer refuses by name until the cost model describes it (issues 11 and 12):
// families whose every checkpoint uses experts, latent attention or state-space layers, and keys
// that switch any family to them (a `quantization_config` is read by QuantizationConfig.swift,
// which refuses the methods it does not model). One line each: the key, the family, what is not modelled.
// Keys that change only positions, not memory or FLOPs beyond RoPE's element-wise work, pass:
// `rope_scaling`, `no_rope_layers` (NoPE layers; Llama 4's chunked layers are refused by family and by
// `attention_chunk_size`). A `text_config` is checked like the top level.

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
        "mixtral": "mixture-of-experts feed-forwards", "qwen2_moe": "mixture-of-experts feed-forwards",
        "qwen3_moe": "mixture-of-experts feed-forwards", "gpt_oss": "mixture-of-experts feed-forwards",
        "llama4": "mixture-of-experts feed-forwards", "llama4_text": "mixture-of-experts feed-forwards",
        "deepseek_v2": "multi-head latent attention and mixture-of-experts feed-forwards",
        "deepseek_v3": "multi-head latent attention and mixture-of-experts feed-forwards",
        "kimi_linear": "linear attention, latent attention and experts", "qwen3_next": "linear-attention layers and experts",
        "jamba": "state-space layers and experts", "nemotron_h": "state-space layers", "mamba": "state-space layers",
        "mamba2": "state-space layers", "minimax": "linear-attention layers and experts",
    ]

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

    static func refuseKeys(_ r: HFReader) throws(ProfileError) {
        for (key, what) in keys where isOn(r.f.object[key]) {
            throw r.f.error(key, "(\(r.family)): \(what) are not modelled yet; refusing rather than counting a dense model", r.f.object[key])
        }
    }
}
