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
// docs/research/hf/SOURCES.md). A layer's feed-forward is experts iff it is not in mlp_only_layers
// and num_experts > 0 and (i + 1) % decoder_sparse_step == 0, else a SwiGLU of intermediate_size;
// experts are refused until the expert feed-forward is modelled. The recurrent state is held in
// the plan's state dtype (no config key names another; vLLM's `mamba_ssm_cache_dtype` auto is the
// model dtype). The MTP block (`mtp.*` in the checkpoint) is not part of the config and not counted.
// Checked against Qwen/Qwen3-Next-80B-A3B-Instruct config.json (docs/research/hf).

import CostModel

enum Qwen3Next {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let s = try HFKeys.shape(r, kvDefault: 2, headDimDefault: 256, vocabDefault: 151_936)
        let types = try HybridLayers.interval(r, layers: s.layers, defaultInterval: 4)
        let gdn = FixedStateMixer.gatedDeltaNet(
            keyHeads: try r.int("linear_num_key_heads", default: 16), keyDim: try r.int("linear_key_head_dim", default: 128),
            valueHeads: try r.int("linear_num_value_heads", default: 32), valueDim: try r.int("linear_value_head_dim", default: 128),
            convKernel: try r.int("linear_conv_kernel_dim", default: 4))
        var attention = Attention(heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, qkNorm: true)
        attention.outputGate = true
        let sparse = try QwenExperts.sparseLayers(r, layers: s.layers, experts: try r.int("num_experts", default: 512))
        let blocks = try (0..<s.layers).map { i throws(ProfileError) -> Block in
            if sparse[i] { throw QwenExperts.refusal(r, layer: i) }
            let mixer: Mixer = types[i] == .attention ? .attention(attention) : .fixedState(gdn)
            return Block(mixer: mixer, feedForward: .gated(inner: s.ffn[i], activation: .silu))
        }
        let full = types.filter { $0 == .attention }.count
        return DecoderPlan(
            layers: s.layers, hidden: s.hidden, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim, vocab: s.vocab,
            ffn: s.ffn, windows: Array(repeating: nil, count: s.layers), qkNorm: true,
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 32_768), dtype: try r.dtype(),
            family: "\(r.family): \(s.layers - full) Gated DeltaNet and \(full) gated full-attention layers",
            keyFor: HFKeys.standard.merging([
                "gated_deltanet_heads": "linear_num_value_heads", "gated_deltanet_key_heads": "linear_num_key_heads",
                "gated_deltanet_key_dim": "linear_key_head_dim", "gated_deltanet_value_dim": "linear_value_head_dim",
                "gated_deltanet_conv_kernel": "linear_conv_kernel_dim",
            ]) { $1 },
            blocks: blocks)
    }
}

/// The Qwen MoE layer rule shared by qwen2_moe, qwen3_moe and qwen3_next (0-based):
/// experts iff i not in mlp_only_layers and num_experts > 0 and (i + 1) % decoder_sparse_step == 0.
enum QwenExperts {
    static func sparseLayers(_ r: HFReader, layers: Int, experts: Int) throws(ProfileError) -> [Bool] {
        let step = try r.int("decoder_sparse_step", default: 1)
        guard step >= 1 else { throw r.f.error("decoder_sparse_step", "must be at least 1", step) }
        let dense = Set(try r.f.optionalIntArray("mlp_only_layers") ?? [])
        return (0..<layers).map { i in !dense.contains(i) && experts > 0 && (i + 1) % step == 0 }
    }

    static func refusal(_ r: HFReader, layer: Int) -> ProfileError {
        r.f.error("num_experts", "(\(r.family)): layer \(layer) has mixture-of-experts feed-forwards, which are not modelled yet; refusing rather than counting a dense model", r.f.object["num_experts"])
    }
}
