// model_type "kimi_linear" (moonshotai/Kimi-Linear remote code; DEFAULTS.md, TRAPS.md 10).
// `linear_attn_config` says which layers are Kimi delta attention (KDA) and which full attention:
// `kda_layers` and `full_attn_layers` count from 1 (Kimi-Linear-48B: full [4, 8, ..., 24, 27] =
// 0-based 3, 7, ..., 23, 26). KDA layers: `num_heads` heads of `head_dim`, a short conv of
// `short_conv_kernel_size` taps on each of q, k and v, a per-channel decay through a rank-dv
// bottleneck (f_a, f_b), an output gate through another (g_a, g_b), b_proj (β per head), A_log per
// head, dt_bias per key channel, o_norm dv, o_proj (tensor inventory in docs/research/hf/SOURCES.md).
// The full-attention layers are multi-head latent attention (LatentAttention: q_lora_rank null is a
// plain q projection; `mla_use_nope` only drops RoPE's element-wise work, the cache keeps
// kv_lora_rank + qk_rope_head_dim per position as kv_a_proj_with_mqa's 576 outputs show). The
// feed-forward is a dense SwiGLU of intermediate_size below `first_k_dense_replace`, then
// `num_experts` experts of moe_intermediate_size, top `num_experts_per_token`,
// `num_shared_experts` shared, a router with e_score_correction_bias (the DeepSeek layer rule,
// `moe_layer_freq`). The top-level `head_dim` (72) is read by no tensor (TRAPS.md). No
// max_position_embeddings key: no context limit is stated (model_max_length is the tokenizer's).
// Checked against moonshotai/Kimi-Linear-48B-A3B-Instruct config.json (Tests/Fixtures/hf):
// 49,122,681,728 parameters, the stored safetensors total (docs/research/hf/PARAM_COUNTS.md).

import CostModel

enum KimiLinear {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let layers = max(0, try r.int("num_hidden_layers"))
        guard let config = try r.f.nested("linear_attn_config") else {
            throw r.f.error("linear_attn_config", "(\(r.family)) is required: it says which layers are KDA and which full attention", nil)
        }
        let types = try HybridLayers.oneBasedLists(r, config, layers: layers)
        let kda = try kda(config)
        let d = try r.int("hidden_size"), heads = try r.int("num_attention_heads")
        // q_lora_rank absent or null (the published value): a plain q projection.
        let mla = try DeepSeek.latent(r, heads: heads, queryRank: nil)
        let dense = try r.int("intermediate_size")
        let inner = try r.int("moe_intermediate_size")
        let (e, k) = try ExpertLayers.counts(r, expertsKey: "num_experts", experts: nil, activeKey: "num_experts_per_token", active: nil,
                                             inner: inner, innerKey: "moe_intermediate_size")
        let (experts, routed, nShared) = try ExpertLayers.deepSeekLayout(
            r, layers: layers, experts: e, active: k, inner: inner, sharedKey: "num_shared_experts", sharedDefault: 0,
            firstDenseDefault: 0, routerBias: true)
        let blocks = (0..<layers).map { i -> Block in
            Block(mixer: types[i] == .attention ? .latentAttention(mla) : .fixedState(kda),
                  feedForward: routed[i] ? .experts(experts) : .gated(inner: dense, activation: .silu))
        }
        let full = types.filter { $0 == .attention }.count
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: heads, headDim: mla.queryHeadDim, vocab: try r.int("vocab_size"),
            ffn: Array(repeating: dense, count: layers), windows: Array(repeating: nil, count: layers),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.optionalInt("max_position_embeddings"), dtype: try r.dtype(),
            family: "\(r.family): \(layers - full) Kimi delta attention and \(full) latent-attention layers (kv_lora_rank \(mla.kvRank) + rope \(mla.ropeHeadDim) cached); "
                + "\(e) experts of \(inner), top-\(k)" + (nShared > 0 ? ", \(nShared) shared" : "")
                + ", on \(routed.filter { $0 }.count) of \(layers) layers (the others dense SwiGLU of \(dense))",
            keyFor: HFKeys.standard.merging(["experts": "num_experts", "experts_per_token": "num_experts_per_token",
                                             "expert_ffn_size": "moe_intermediate_size", "shared_expert_ffn_size": "num_shared_experts",
                                             "kimi_delta_heads": "linear_attn_config.num_heads",
                                             "kimi_delta_key_dim": "linear_attn_config.head_dim",
                                             "kimi_delta_value_dim": "linear_attn_config.head_dim",
                                             "kimi_delta_conv_kernel": "linear_attn_config.short_conv_kernel_size"]) { $1 },
            blocks: blocks)
    }

    /// The KDA mixer of `linear_attn_config`.
    static func kda(_ config: JSONFields) throws(ProfileError) -> FixedStateMixer {
        let heads = try config.int("num_heads"), headDim = try config.int("head_dim")
        return .kimiDelta(heads: heads, headDim: headDim, convKernel: try config.optionalInt("short_conv_kernel_size") ?? 4)
    }
}
