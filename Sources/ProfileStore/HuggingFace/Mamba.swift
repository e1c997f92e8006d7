// model_type "mamba" (MambaConfig, transformers models/mamba) and "mamba2" (Mamba2Config,
// transformers models/mamba2): pure state-space stacks. Every layer is one RMSNorm (d) and one
// mixer, no attention and no feed-forward; a final RMSNorm and the embedding (tied or not).
//
// Mamba (v1) defaults: vocab 50280, hidden 768, state_size 16, layers 32, expand 2, conv_kernel 4,
// use_bias False (in_proj, out_proj), use_conv_bias True, time_step_rank "auto" = ceil(hidden / 16),
// tie_word_embeddings True. intermediate_size is derived as expand x hidden (a stated
// intermediate_size is overwritten by the configuration class). Mixer weights: in_proj d x 2 di,
// conv di x K (+ di bias), x_proj di x (R + 2N), dt_proj R x di + di, A_log di x N, D di, out_proj
// di x d (FixedStateMixer+Cost.swift); no dt/B/C norms (those are Jamba's).
// Mamba2 defaults: num_heads 128, head_dim 64, vocab 32768, hidden 4096, state_size 128, layers 64,
// expand 2, conv_kernel 4, n_groups 8, use_bias False, use_conv_bias True, chunk_size 256,
// tie_word_embeddings False; Mamba2Config raises unless hidden x expand = num_heads x head_dim.
// Mixer weights: in_proj d x (2 di + 2 G N + H), conv (di + 2 G N) x K (+ bias), dt_bias, A_log, D
// (H each), gated RMSNorm di, out_proj di x d. time_step_rank, rms_norm and norm_before_gate change
// no weight and no FLOP count here and are not read.
// Neither configuration names a state dtype: the conv and SSM states are held in the plan's state
// dtype (--state-dtype fp32 for an engine that keeps the SSM state in fp32).
// Checked against (Tests/Fixtures/hf/SOURCES.md):
//   state-spaces/mamba-2.8b-hf: 2,768,345,600 parameters (closed form;
//     no stored exact total found); state per
//     sequence 64 x (3 x 5,120 conv + 5,120 x 16 SSM) elements = 64 x 97,280.
//   mistralai/Mamba-Codestral-7B-v0.1: 7,285,403,648 parameters
//     (closed form; no stored exact total found);
//     state per sequence 64 x (3 x 10,240 conv + 128 x 128 x 64 SSM) elements = 64 x 1,079,296.

import CostModel

enum Mamba {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("hidden_size", default: 768)
        let expand = try expansion(r, hidden: d)
        let rank: Int
        if r.f.object["time_step_rank"] as? String == "auto" || !r.present("time_step_rank") {
            rank = (d + 15) / 16
        } else {
            rank = try r.int("time_step_rank")
        }
        let mixer = FixedStateMixer.mamba(
            innerSize: expand * d, stateSize: try r.int("state_size", default: 16), timeStepRank: rank,
            convKernel: try r.int("conv_kernel", default: 4), convBias: try r.bool("use_conv_bias", default: true),
            projectionBias: try r.bool("use_bias", default: false), timeStepNorms: false)
        return try stack(r, hidden: d, mixer: mixer, vocabDefault: 50280, layersDefault: 32, tiedDefault: true,
                         what: "Mamba (v1) layers of \(expand * d) channels, state \(mixer.keyDim)",
                         keys: ["mamba_heads": "expand", "mamba_key_dim": "state_size", "mamba_conv_kernel": "conv_kernel",
                                "mamba_time_step_rank": "time_step_rank"])
    }

    /// `expand` (default 2), bounded so expand x hidden stays a width the cost model counts exactly.
    static func expansion(_ r: HFReader, hidden d: Int) throws(ProfileError) -> Int {
        let expand = try r.int("expand", default: 2)
        guard (1...64).contains(expand), d <= Limits.maxWidth else {
            throw r.f.error("expand", "must be between 1 and 64 (with `hidden_size` at most \(Limits.maxWidth))", expand)
        }
        return expand
    }

    /// A stack of `layers` identical {RMSNorm, mixer} blocks with the family's vocabulary and tie defaults.
    static func stack(_ r: HFReader, hidden d: Int, mixer: FixedStateMixer, vocabDefault: Int, layersDefault: Int, tiedDefault: Bool,
                      what: String, keys: [String: String]) throws(ProfileError) -> DecoderPlan {
        let layers = try r.int("num_hidden_layers", default: layersDefault)
        let n = max(0, layers)
        let block = Block(mixer: .fixedState(mixer), feedForward: .identity, norms: NormLayout(count: 1))
        return DecoderPlan(
            layers: layers, hidden: d, heads: 0, kvHeads: 0, headDim: 0, vocab: try r.int("vocab_size", default: vocabDefault),
            ffn: Array(repeating: 0, count: n), windows: Array(repeating: nil, count: n),
            tied: try r.bool("tie_word_embeddings", default: tiedDefault), maxPositions: nil, dtype: try r.dtype(),
            family: "\(r.family): \(n) \(what); no attention layer, no feed-forward (no KV cache)",
            keyFor: ["layers": "num_hidden_layers", "hidden_size": "hidden_size", "vocab_size": "vocab_size"].merging(keys) { $1 },
            blocks: Array(repeating: block, count: n))
    }
}

enum Mamba2 {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("hidden_size", default: 4096)
        let expand = try Mamba.expansion(r, hidden: d)
        let heads = try r.int("num_heads", default: 128), headDim = try r.int("head_dim", default: 64)
        guard heads >= 1, headDim >= 1, heads <= Limits.maxWidth, headDim <= Limits.maxWidth, heads * headDim == expand * d else {
            throw r.f.error("num_heads", "times `head_dim` (\(headDim)) must equal `hidden_size` x `expand` (\(d) x \(expand)), as Mamba2Config requires", heads)
        }
        let mixer = FixedStateMixer.mamba2(
            heads: heads, headDim: headDim, groups: try r.int("n_groups", default: 8), stateSize: try r.int("state_size", default: 128),
            convKernel: try r.int("conv_kernel", default: 4), convBias: try r.bool("use_conv_bias", default: true),
            projectionBias: try r.bool("use_bias", default: false), chunkTokens: try r.int("chunk_size", default: 256))
        return try Mamba.stack(r, hidden: d, mixer: mixer, vocabDefault: 32768, layersDefault: 64, tiedDefault: false,
                               what: "Mamba2 layers of \(heads) heads of \(headDim), \(mixer.groups) groups of state \(mixer.keyDim)",
                               keys: ["mamba2_heads": "num_heads", "mamba2_value_dim": "head_dim", "mamba2_key_dim": "state_size",
                                      "mamba2_groups": "n_groups", "mamba2_conv_kernel": "conv_kernel", "mamba2_chunk_tokens": "chunk_size"])
    }
}
