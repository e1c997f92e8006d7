// model_type "zamba2" (Zamba2Config, transformers models/zamba2; docs/research/zamba-shared-blocks.md).
// `layers_block_type[i]` is "mamba" or "hybrid". Every layer is one RMSNorm (d) and one Mamba2 mixer
// (in_proj d x (2 di + 2 G N + H) (+ bias with `add_bias_linear`: refused, see below), conv
// (di + 2 G N) x K with a bias always (the module ignores `use_conv_bias`), dt_bias, A_log, D,
// gated RMSNorm di, out_proj di x d); di = mamba_expand x d, H = n_mamba_heads, P = di / H,
// G = mamba_ngroups, N = mamba_d_state, K = mamba_d_conv. A "hybrid" layer first runs shared
// transformer block j mod num_mem_blocks (j: its rank among the hybrid layers), described here as a
// block of its own placed before the layer's Mamba2 block:
//   RMSNorm 2d; attention over [hidden, original embedding] (input 2d): q_proj 2d x H dh, k_proj and
//   v_proj 2d x Hkv dh, o_proj H dh x d, dh = 2d / H (`attention_head_dim`), no biases; RMSNorm d;
//   gated MLP gate_up d x 2F, down F x d, act `hidden_act`, F = intermediate_size (default 4d).
//   Its weights belong to the block's first use; later uses reuse them (BlockRun.weightsOf) and keep
//   their own K/V slot (the cache is indexed by layer).
//   Per use: a gate/up adapter d x r + r x 2F (created for every use whatever `use_shared_mlp_adapter`
//   says), q/k/v adapters 2d x r + r x 2d each with `use_shared_attention_adapter` (outputs 2d, so
//   that needs num_key_value_heads = H), then the layer's own linear d x d (no bias), whose output is
//   added to the Mamba2 layer's input. r = adapter_rank.
// Defaults: vocab 32000, hidden 2560, layers 54 with hybrid at 6, 12, ..., 42, 47, 51, mamba_d_state 64,
// mamba_d_conv 4, mamba_expand 2, mamba_ngroups 1, n_mamba_heads 8, chunk_size 256, add_bias_linear
// False, intermediate_size 4d, hidden_act gelu, num_attention_heads 32, num_key_value_heads H,
// num_mem_blocks 1, use_shared_attention_adapter False, adapter_rank 128, max_position_embeddings 4096
// (16384 with use_long_context); the output head is the embedding (Zamba2ForCausalLM ties it).
// `use_mem_rope` (default False) changes no weight, only whether the shared attention rotates q and k
// (3 (qW + kW) other FLOPs per row). Neither the conv nor the SSM state
// has its own dtype here: both are held in the plan's state dtype.

import CostModel

enum Zamba2 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("hidden_size", default: 2560)
        guard (1...Limits.maxWidth).contains(d) else { throw r.f.error("hidden_size", "must be between 1 and \(Limits.maxWidth)", d) }
        let layers = try r.int("num_hidden_layers", default: 54)
        let types = try blockTypes(r, layers: layers)
        if try r.bool("add_bias_linear", default: false) {
            throw r.f.error("add_bias_linear", "(zamba2) is true: biases on the shared MLP's gate_up and down products are not modelled (the gated feed-forward has none); refusing rather than leaving them out", true)
        }
        // Mamba2 layers.
        let expand = try r.int("mamba_expand", default: 2)
        guard (1...64).contains(expand) else { throw r.f.error("mamba_expand", "must be between 1 and 64", expand) }
        let di = expand * d, mambaHeads = try r.int("n_mamba_heads", default: 8)
        guard mambaHeads >= 1, di % mambaHeads == 0 else {
            throw r.f.error("n_mamba_heads", "must divide `mamba_expand` x `hidden_size` (\(di)): the head width is their quotient", mambaHeads)
        }
        let mamba = FixedStateMixer.mamba2(
            heads: mambaHeads, headDim: di / mambaHeads, groups: try r.int("mamba_ngroups", default: 1),
            stateSize: try r.int("mamba_d_state", default: 64), convKernel: try r.int("mamba_d_conv", default: 4),
            convBias: true, projectionBias: false, chunkTokens: try r.int("chunk_size", default: 256))
        // The shared transformer blocks.
        let heads = try r.int("num_attention_heads", default: 32)
        guard heads >= 1, (2 * d) % heads == 0 else {
            throw r.f.error("num_attention_heads", "must divide 2 x `hidden_size` (\(2 * d)): the head width is 2d / heads", heads)
        }
        let kvHeads = r.isNull("num_key_value_heads") ? heads : try r.int("num_key_value_heads", default: heads)
        let ffn = r.isNull("intermediate_size") ? 4 * d : try r.int("intermediate_size", default: 4 * d)
        let act: Activation
        switch try r.string("hidden_act", default: "gelu") {
        case "gelu", "gelu_new", "gelu_pytorch_tanh": act = .gelu
        case "silu", "swish": act = .silu
        case let other: throw r.f.error("hidden_act", "(zamba2): only gelu and silu gates are read; refusing rather than guessing", other)
        }
        let qkvAdapters = try r.bool("use_shared_attention_adapter", default: false)
        if qkvAdapters && kvHeads != heads {
            throw r.f.error("num_key_value_heads", "must equal `num_attention_heads` (\(heads)) with `use_shared_attention_adapter`: the k and v adapters output 2 x hidden_size", kvHeads)
        }
        let memBlocks = try r.int("num_mem_blocks", default: 1)
        guard (1...Limits.maxLayers).contains(memBlocks) else { throw r.f.error("num_mem_blocks", "must be between 1 and \(Limits.maxLayers)", memBlocks) }
        var attention = Attention(heads: heads, kvHeads: kvHeads, headDim: 2 * d / heads)
        attention.inputWidth = 2 * d
        attention.rope = try r.bool("use_mem_rope", default: false)
        let adapters = InvocationAdapters(rank: try r.int("adapter_rank", default: 128), onQKV: qkvAdapters, onGateUp: true, outputLinear: true)
        let shared = Block(mixer: .attention(attention), feedForward: .gated(inner: ffn, activation: act), norms: .preRMS, adapters: adapters)
        let mambaBlock = Block(mixer: .fixedState(mamba), feedForward: .identity, norms: NormLayout(count: 1))

        // The j-th hybrid layer uses block j mod num_mem_blocks, whose weights the run of its first use owns.
        var runs: [BlockRun] = [], owners: [Int] = [], uses = 0
        for isHybrid in types {
            if isHybrid {
                let owner = uses < memBlocks ? nil : owners[uses % memBlocks]
                if owner == nil { owners.append(runs.count) }
                uses += 1
                runs.append(BlockRun(shared, count: 1, weightsOf: owner))
                runs.append(BlockRun(mambaBlock, count: 1))
            } else if let last = runs.last, last.block == mambaBlock {
                runs[runs.count - 1].count += 1
            } else {
                runs.append(BlockRun(mambaBlock, count: 1))
            }
        }
        let hybrids = types.filter { $0 }.count
        let longContext = try r.bool("use_long_context", default: false)
        var plan = DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: kvHeads, headDim: 2 * d / heads, vocab: try r.int("vocab_size", default: 32000),
            ffn: [], windows: [], tied: try r.bool("tie_word_embeddings", default: true),
            maxPositions: longContext ? 16384 : try r.int("max_position_embeddings", default: 4096), dtype: try r.dtype(),
            family: "\(r.family): \(layers) Mamba2 layers, \(hybrids) of them hybrid: each first runs one of \(min(memBlocks, hybrids)) shared transformer blocks "
                + "(attention over [hidden, embedding], \(2 * d) wide; gated MLP), counted once, with per-use adapters and its own K/V; "
                + "a shared-block use is listed as a block of its own before its Mamba2 block (\(layers + hybrids) blocks)",
            keyFor: ["layers": "num_hidden_layers", "hidden_size": "hidden_size", "heads": "num_attention_heads",
                     "kv_heads": "num_key_value_heads", "head_dim": "num_attention_heads", "value_head_dim": "num_attention_heads",
                     "ffn_size": "intermediate_size", "vocab_size": "vocab_size", "adapter_rank": "adapter_rank",
                     "weights_of": "num_mem_blocks", "mamba2_heads": "n_mamba_heads", "mamba2_value_dim": "n_mamba_heads",
                     "mamba2_key_dim": "mamba_d_state", "mamba2_groups": "mamba_ngroups", "mamba2_conv_kernel": "mamba_d_conv",
                     "mamba2_chunk_tokens": "chunk_size"])
        plan.runs = runs
        return plan
    }

    /// `layers_block_type` (true: hybrid), else the configuration class's default pattern.
    static func blockTypes(_ r: HFReader, layers: Int) throws(ProfileError) -> [Bool] {
        guard let names = try r.f.optionalStringArray("layers_block_type") else {
            guard layers == 54 else {
                throw r.f.error("num_hidden_layers", "(zamba2) without `layers_block_type` must be 54, the length of the default pattern", layers)
            }
            return (0..<54).map { [6, 12, 18, 24, 30, 36, 42, 47, 51].contains($0) }
        }
        guard names.count == layers else {
            throw r.f.error("layers_block_type", "must list one type per layer (\(layers))", "\(names.count) entries")
        }
        return try names.map { name throws(ProfileError) -> Bool in
            switch name {
            case "mamba": return false
            case "hybrid": return true
            default: throw r.f.error("layers_block_type", "(zamba2): layer type \"\(name)\" is not \"mamba\" or \"hybrid\"", name)
            }
        }
    }
}
