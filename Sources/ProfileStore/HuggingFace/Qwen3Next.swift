// model_type "qwen3_next" (Qwen3NextConfig, transformers models/qwen3_next; DEFAULTS.md).
// Defaults: hidden 2048, intermediate 5632, layers 48, heads 16, kv 2, head_dim 256, vocab 151936,
// max_position 32768, tie False, linear_conv_kernel_dim 4, linear_key_head_dim 128,
// linear_value_head_dim 128, linear_num_key_heads 16, linear_num_value_heads 32,
// full_attention_interval 4 (layer i is full attention iff (i + 1) % 4 == 0: 3, 7, ..., 47; the
// others Gated DeltaNet), decoder_sparse_step 1, num_experts 512, mlp_only_layers [].
// Full-attention layers: q_proj is 2 H dk wide (queries and a sigmoid output gate), q/k RMSNorms
// over dk, no biases; partial rotary (0.25) only changes RoPE's element-wise work. Gated DeltaNet
// layers: in_proj_qkvz, in_proj_ba, a depthwise conv of 4 taps without bias over q, k and v,
// A_log and dt_bias per value head, a per-head gated RMSNorm of dv, out_proj (tensor inventory in
// docs/research/hf/SOURCES.md). A layer's feed-forward is experts iff num_experts > 0 and the Qwen
// MoE rule holds (not in mlp_only_layers, (i + 1) % decoder_sparse_step == 0; QwenMoE.swift), else
// a SwiGLU of intermediate_size: num_experts experts of moe_intermediate_size (512), top
// num_experts_per_tok (10), one shared expert of shared_expert_intermediate_size (512) with its
// d x 1 sigmoid gate, a router of d x E without bias. The recurrent state is held in
// the plan's state dtype (no config key names another; vLLM's `mamba_ssm_cache_dtype` auto is the
// model dtype). The MTP block (`mtp.*` in the checkpoint) is not part of the config and not counted.
// Checked against Qwen/Qwen3-Next-80B-A3B-Instruct config.json (Tests/Fixtures/hf):
// 79,674,391,296 parameters, the stored safetensors total (81,324,862,720) less the MTP block's
// 1,650,471,424 (docs/research/hf/PARAM_COUNTS.md); 24,576 B of KV per token in bf16.

import CostModel

enum Qwen3Next {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 2, headDimDefault: 256, vocabDefault: 151_936)
        let n = max(0, s.layers)  // a negative count is refused by validate(), after the plan is built
        let types = try HybridLayers.interval(r, layers: n, defaultInterval: 4)
        let gdn = FixedStateMixer.gatedDeltaNet(
            keyHeads: try r.int("linear_num_key_heads", default: 16), keyDim: try r.int("linear_key_head_dim", default: 128),
            valueHeads: try r.int("linear_num_value_heads", default: 32), valueDim: try r.int("linear_value_head_dim", default: 128),
            convKernel: try r.int("linear_conv_kernel_dim", default: 4))
        // Qwen3-Next's attention puts `attention_bias` on q, k, v and o: not read, so refused when set.
        if try r.bool("attention_bias", default: false) {
            throw r.f.error("attention_bias", "(\(r.family)): biases on the gated attention's projections are not modelled; refusing rather than dropping them", true)
        }
        var attention = Attention(heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, qkNorm: true)
        attention.outputGate = true
        // num_experts 0: every layer dense (the configuration class's rule), so no expert key is read.
        var ffs: [FeedForward?] = Array(repeating: nil, count: n)
        var experts: Experts?
        if try r.int("num_experts", default: 512) > 0 {
            let sharedInner = try r.int("shared_expert_intermediate_size", default: 512)
            let e = try QwenMoE.experts(r, experts: 512, active: 10, inner: 512,
                                        shared: sharedInner > 0 ? SharedExperts(inner: sharedInner, gated: true) : nil)
            ffs = try QwenMoE.layers(r, layers: n, experts: e)
            experts = e
        }
        let blocks = (0..<n).map { i -> Block in
            let mixer: Mixer = types[i] == .attention ? .attention(attention) : .fixedState(gdn)
            return Block(mixer: mixer, feedForward: ffs[i] ?? .gated(inner: s.ffn[i], activation: .silu))
        }
        let full = types.filter { $0 == .attention }.count
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: Array(repeating: nil, count: n), qkNorm: true,
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: "\(r.family): \(n - full) Gated DeltaNet and \(full) gated full-attention layers; "
                + (experts.map { QwenMoE.describe(r, $0, ffs) } ?? "dense SwiGLU on every layer"),
            keyFor: HFKeys.standard.merging([
                "gated_deltanet_heads": "linear_num_value_heads", "gated_deltanet_key_heads": "linear_num_key_heads",
                "gated_deltanet_key_dim": "linear_key_head_dim", "gated_deltanet_value_dim": "linear_value_head_dim",
                "gated_deltanet_conv_kernel": "linear_conv_kernel_dim", "experts": "num_experts",
                "experts_per_token": "num_experts_per_tok", "expert_ffn_size": "moe_intermediate_size",
                "shared_expert_ffn_size": "shared_expert_intermediate_size",
            ]) { $1 },
            blocks: blocks)
    }
}
