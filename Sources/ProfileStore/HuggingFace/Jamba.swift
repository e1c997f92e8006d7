// model_type "jamba" (JambaConfig, transformers models/jamba; DEFAULTS.md).
// Defaults: vocab 65536, tie False, hidden 4096, intermediate 14336, layers 32, heads 32, kv 8,
// max_position 262144, sliding_window None, num_experts 16, expert_layer_period 2,
// expert_layer_offset 1, attn_layer_period 8, attn_layer_offset 4, mamba_d_state 16, mamba_d_conv 4,
// mamba_expand 2, mamba_dt_rank "auto" = ceil(hidden / 16), mamba_conv_bias True, mamba_proj_bias False.
//   layer i is attention iff i % attn_layer_period == attn_layer_offset (4, 12, 20, 28), else Mamba;
//   layer i has num_experts experts iff i % expert_layer_period == expert_layer_offset, else 1 (a
//   dense SwiGLU); experts are SwiGLU of intermediate_size, top num_experts_per_tok (2), a router
//   of d x E without bias (JambaSparseMoeBlock), no shared expert.
// Mamba layers (v1): in_proj d x 2 di, conv di x K with bias, x_proj di x (R + 2N), dt_proj R x di with
// bias, A_log di x N, D di, out_proj di x d, and Jamba's RMSNorms on dt (R), B and C (N each).
// Attention: GQA without biases or RoPE, head_dim = hidden / heads. Two RMSNorms per layer.
// The SSM state is held in the plan's state dtype (JambaConfig names none).
// Checked against ai21labs/AI21-Jamba-1.5-Mini config.json (Tests/Fixtures/hf) and the Jamba-v0.1
// values of docs/research/hf/ai21labs--Jamba-v0.1.PARTIAL.md: 51,570,323,328 parameters (the
// total a public project reports reproducing from the checkpoint; docs/research/hf/SOURCES.md),
// 16,384 B of KV per token in bf16.

import CostModel
import Foundation

enum Jamba {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("hidden_size", default: 4096)
        let heads = try r.int("num_attention_heads", default: 32)
        guard heads > 0, d % heads == 0 else { throw r.f.error("hidden_size", "must be a multiple of `num_attention_heads` (\(heads))", d) }
        let layers = try r.int("num_hidden_layers", default: 32)
        let n = max(0, layers)
        if let w = try r.optionalInt("sliding_window") {
            throw r.f.error("sliding_window", "(\(r.family)): a window on Jamba's attention layers is not modelled; refusing rather than guessing", w)
        }
        let types = try HybridLayers.period(r, layers: n, period: 8, offset: 4)
        let ffn = try r.int("intermediate_size", default: 14336)
        let experts = try r.int("num_experts", default: 16)
        let ePeriod = try r.int("expert_layer_period", default: 2), eOffset = try r.int("expert_layer_offset", default: 1)
        guard ePeriod >= 1 else { throw r.f.error("expert_layer_period", "must be at least 1", ePeriod) }
        // JambaConfig raises when the offset is not below the period (no layer would hold experts).
        guard (0..<ePeriod).contains(eOffset) else {
            throw r.f.error("expert_layer_offset", "must be at least 0 and below `expert_layer_period` (\(ePeriod))", eOffset)
        }
        let rank: Int
        if r.f.object["mamba_dt_rank"] as? String == "auto" || !r.present("mamba_dt_rank") {
            rank = (d + 15) / 16
        } else {
            rank = try r.int("mamba_dt_rank")
        }
        let expand = try r.int("mamba_expand", default: 2)
        guard (1...64).contains(expand), d <= Limits.maxWidth else {
            throw r.f.error("mamba_expand", "must be between 1 and 64 (with `hidden_size` at most \(Limits.maxWidth))", expand)
        }
        let mamba = FixedStateMixer.mamba(
            innerSize: expand * d, stateSize: try r.int("mamba_d_state", default: 16), timeStepRank: rank,
            convKernel: try r.int("mamba_d_conv", default: 4), convBias: try r.bool("mamba_conv_bias", default: true),
            projectionBias: try r.bool("mamba_proj_bias", default: false), timeStepNorms: true)
        // Absent: 8; null: the attention heads (JambaConfig turns None into num_attention_heads).
        let kvHeads = r.f.object["num_key_value_heads"] is NSNull ? heads : try r.int("num_key_value_heads", default: 8)
        let attention = Attention(heads: heads, kvHeads: kvHeads, headDim: d / heads)
        var expert: Experts?
        if experts > 1 {
            let k = try r.int("num_experts_per_tok", default: 2)
            try ExpertLayers.check(r, experts: experts, expertsKey: "num_experts", active: k, activeKey: "num_experts_per_tok",
                                   inner: ffn, innerKey: "intermediate_size")
            expert = Experts(count: experts, active: k, inner: ffn)
        }
        let blocks = (0..<n).map { i -> Block in
            let ff: FeedForward = expert.flatMap { i % ePeriod == eOffset ? .experts($0) : nil } ?? .gated(inner: ffn, activation: .silu)
            return Block(mixer: types[i] == .attention ? .attention(attention) : .fixedState(mamba), feedForward: ff)
        }
        let expertLayers = expert == nil ? 0 : (0..<n).filter { $0 % ePeriod == eOffset }.count
        let attentionLayers = types.filter { $0 == .attention }.count
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: kvHeads, headDim: d / heads, vocab: try r.int("vocab_size", default: 65536),
            ffn: Array(repeating: ffn, count: n), windows: Array(repeating: nil, count: n),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 262_144), dtype: try r.dtype(),
            family: "\(r.family): \(n - attentionLayers) Mamba and \(attentionLayers) attention layers; "
                + (expert.map { "\($0.count) experts of \($0.inner), top-\($0.active), on \(expertLayers) of \(n) layers" } ?? "dense SwiGLU on every layer"),
            keyFor: HFKeys.standard.merging([
                "mamba_heads": "mamba_expand", "mamba_key_dim": "mamba_d_state", "mamba_conv_kernel": "mamba_d_conv",
                "mamba_time_step_rank": "mamba_dt_rank", "experts": "num_experts", "experts_per_token": "num_experts_per_tok",
                "expert_ffn_size": "intermediate_size",
            ]) { $1 },
            blocks: blocks)
    }
}
