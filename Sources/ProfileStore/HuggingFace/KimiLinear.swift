// model_type "kimi_linear" (moonshotai/Kimi-Linear remote code; DEFAULTS.md, TRAPS.md 10).
// `linear_attn_config` says which layers are Kimi delta attention (KDA) and which full attention:
// `kda_layers` and `full_attn_layers` count from 1 (Kimi-Linear-48B: full [4, 8, ..., 24, 27] =
// 0-based 3, 7, ..., 23, 26). KDA layers: `num_heads` heads of `head_dim`, a short conv of
// `short_conv_kernel_size` taps on each of q, k and v, a per-channel decay through a rank-dv
// bottleneck (f_a, f_b), an output gate through another (g_a, g_b), b_proj (β per head), A_log per
// head, dt_bias per key channel, o_norm dv, o_proj (tensor inventory in docs/research/hf/SOURCES.md).
// The full-attention layers are multi-head latent attention and the feed-forwards experts after
// `first_k_dense_replace`: both are refused until they are modelled. The top-level `head_dim` (72)
// is read by no tensor (TRAPS.md).

import CostModel

enum KimiLinear {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let layers = max(0, try r.int("num_hidden_layers"))
        guard let config = try r.f.nested("linear_attn_config") else {
            throw r.f.error("linear_attn_config", "(\(r.family)) is required: it says which layers are KDA and which full attention", nil)
        }
        let types = try HybridLayers.oneBasedLists(r, config, layers: layers)
        _ = try kda(config)
        if let i = types.firstIndex(of: .attention) {
            throw r.f.error("linear_attn_config.full_attn_layers", "(\(r.family)): layer \(i) (counted from 0) is multi-head latent attention, which is not modelled yet; refusing rather than counting another attention", i + 1)
        }
        throw r.f.error("num_experts", "(\(r.family)): mixture-of-experts feed-forwards are not modelled yet; refusing rather than counting a dense model", r.f.object["num_experts"])
    }

    /// The KDA mixer of `linear_attn_config`.
    static func kda(_ config: JSONFields) throws(ProfileError) -> FixedStateMixer {
        let heads = try config.int("num_heads"), headDim = try config.int("head_dim")
        return .kimiDelta(heads: heads, headDim: headDim, convKernel: try config.optionalInt("short_conv_kernel_size") ?? 4)
    }
}
