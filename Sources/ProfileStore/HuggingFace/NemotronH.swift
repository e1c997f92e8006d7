// model_type "nemotron_h" (NemotronHConfig, transformers models/nemotron_h; DEFAULTS.md). Every
// layer holds ONE sublayer with one RMSNorm before it: `hybrid_override_pattern` M = Mamba2 mixer,
// * = attention, - = MLP, E = experts (n_routed_experts of moe_intermediate_size, top
// num_experts_per_tok, n_shared_experts shared of moe_shared_expert_intermediate_size: refused,
// their relu2 two-matrix experts and sigmoid router are not the gated experts modelled here);
// num_hidden_layers is derived from the pattern, as the configuration class does.
// Defaults: vocab 131072, tie False, heads 32, kv 8, head_dim 128 (older files: attention_head_dim),
// max_position 4096, intermediate 21504, mlp_hidden_act relu2 (a two-matrix MLP, no gate), mlp_bias
// False, attention_bias False, ssm_state_size 128, mamba_num_heads 128, mamba_head_dim 64, n_groups 8
// (alias mamba_n_groups), conv_kernel 4 (mamba_d_conv), use_conv_bias True, mamba_proj_bias False
// (use_bias), chunk_size 128 (mamba_chunk_size), mamba_ssm_cache_dtype "float32": the SSM state is
// kept in fp32 whatever the weights are. The Mamba2 inner width is mamba_num_heads x mamba_head_dim
// (the in_proj shape; `expand` is not read). Attention layers use no RoPE (the cost model's RoPE
// work, 3 (qW + kW) per row, is an overcount of well under 1% of a layer).
// Checked against nvidia/Nemotron-H-8B-Base-8K (Tests/Fixtures/hf): 8,100,852,736 parameters,
// 4 attention layers of 8 KV heads of 128: 4 x 8 x 256 x 2 = 16,384 B of KV per token in bf16; 24 Mamba2 layers of
// 3 x 10,240 conv elements (bf16, 61,440 B) and 128 x 64 x 128 fp32 SSM elements (4 MiB) each.

import CostModel

enum NemotronH {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let pattern = try NemotronLayer.pattern(r)
        let layers = pattern.count
        if let i = pattern.firstIndex(of: .experts) {
            throw r.f.error("hybrid_override_pattern", "(\(r.family)): layer \(i) is E: Nemotron-H's experts are two-matrix relu2 MLPs, which the (gated) expert feed-forward does not describe; refusing rather than counting them as gated experts", "E")
        }
        let d = try r.int("hidden_size", default: 4096)
        let heads = try r.int("num_attention_heads", default: 32)
        let kvHeads = try r.int("num_key_value_heads", default: 8)
        let headDimKey = r.present("head_dim") || !r.present("attention_head_dim") ? "head_dim" : "attention_head_dim"
        let headDim = try r.int(headDimKey, default: 128)
        let ffn = try r.int("intermediate_size", default: 21504)
        let act = try r.string("mlp_hidden_act", default: "relu2")
        guard act == "relu2" else {
            throw r.f.error("mlp_hidden_act", "(\(r.family)): only relu2 (the published value) is read; refusing rather than guessing another MLP", act)
        }
        func aliased(_ key: String, _ old: String, _ value: Int) throws(ProfileError) -> Int {
            try r.present(key) || !r.present(old) ? r.int(key, default: value) : r.int(old, default: value)
        }
        func aliasedBool(_ key: String, _ old: String, _ value: Bool) throws(ProfileError) -> Bool {
            try r.present(key) || !r.present(old) ? r.bool(key, default: value) : r.bool(old, default: value)
        }
        let ssmName = try r.string("mamba_ssm_cache_dtype", default: "float32")
        guard let ssmDType = DType(name: ssmName) else {
            throw r.f.error("mamba_ssm_cache_dtype", "must be one of float32, bfloat16, float16", ssmName)
        }
        let mamba = FixedStateMixer.mamba2(
            heads: try r.int("mamba_num_heads", default: 128), headDim: try r.int("mamba_head_dim", default: 64),
            groups: try aliased("n_groups", "mamba_n_groups", 8), stateSize: try r.int("ssm_state_size", default: 128),
            convKernel: try aliased("conv_kernel", "mamba_d_conv", 4), convBias: try aliasedBool("use_conv_bias", "mamba_conv_bias", true),
            projectionBias: try aliasedBool("mamba_proj_bias", "use_bias", false), chunkTokens: try aliased("chunk_size", "mamba_chunk_size", 128),
            stateDType: ssmDType)
        let bias = try r.bool("attention_bias", default: false)
        let attention = Attention(heads: heads, kvHeads: kvHeads, headDim: headDim, qkvBias: bias, outputBias: bias)
        let mlp = FeedForward.mlp(inner: ffn, activation: .relu2, bias: try r.bool("mlp_bias", default: false))
        let one = NormLayout(count: 1)
        let blocks = pattern.map { layer -> Block in
            switch layer {
            case .mamba: Block(mixer: .fixedState(mamba), feedForward: .identity, norms: one)
            case .attention: Block(mixer: .attention(attention), feedForward: .identity, norms: one)
            case .mlp, .experts: Block(mixer: .identity, feedForward: mlp, norms: one)
            }
        }
        let counts = (pattern.filter { $0 == .mamba }.count, pattern.filter { $0 == .attention }.count, pattern.filter { $0 == .mlp }.count)
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: kvHeads, headDim: headDim, vocab: try r.int("vocab_size", default: 131_072),
            ffn: Array(repeating: ffn, count: layers), windows: Array(repeating: nil, count: layers),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 4096), dtype: try r.dtype(),
            family: "\(r.family): \(counts.0) Mamba2, \(counts.1) attention and \(counts.2) MLP (relu2) layers, one sublayer each; SSM state in \(ssmDType.rawValue)",
            keyFor: ["layers": "hybrid_override_pattern", "hidden_size": "hidden_size", "heads": "num_attention_heads",
                     "kv_heads": "num_key_value_heads", "head_dim": headDimKey, "value_head_dim": headDimKey, "ffn_size": "intermediate_size",
                     "vocab_size": "vocab_size", "mamba2_heads": "mamba_num_heads", "mamba2_value_dim": "mamba_head_dim",
                     "mamba2_key_dim": "ssm_state_size", "mamba2_groups": "n_groups", "mamba2_conv_kernel": "conv_kernel",
                     "mamba2_chunk_tokens": "chunk_size"],
            blocks: blocks)
    }
}
