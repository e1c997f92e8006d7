// Token mixers that keep a fixed-size state per sequence instead of a cache that grows with the
// context: linear attention (Gated DeltaNet, Kimi delta attention, lightning attention) and
// state-space layers (Mamba, Mamba2). Gated retention (YOCO) is the older member of the family and
// keeps its own case (Mixer.gatedRetention). The formulas for weights, state and work are in
// FixedStateMixer+Cost.swift; this file holds the shapes.
//
// Legend: d hidden size; per layer
//   Gated DeltaNet (Qwen3-Next `linear_*`): nk key heads of dk, nv value heads of dv (nv a multiple
//     of nk; each key head serves nv/nk value heads), K causal-conv taps. State per value head:
//     dk x dv. Inner width I = nv dv.
//   Kimi delta attention (Kimi-Linear `linear_attn_config`): h heads of dk = dv, K taps on q, k and v
//     separately, a per-channel decay through a rank-dv bottleneck. State per head dk x dv; I = h dv.
//   Lightning attention (MiniMax-Text-01/M1 `attn_type_list` 0): h heads of dh, a fixed per-head
//     decay (no weights), no conv. State per head dh x dh; I = h dh.
//   Mamba (v1; Jamba): di = expand d channels, N state size, R dt rank, K conv taps. State per
//     channel N (stored here as di "heads" of N x 1); I = di.
//   Mamba2 (Nemotron-H, Zamba2): hm heads of P (di = hm P), G groups of B and C of N each, K taps,
//     chunk c of the SSD prefill. State per head N x P; I = di.
// Every state shape is heads x keyDim x valueDim elements: GDN nv x dk x dv, KDA h x dk x dv,
// lightning h x dh x dh, Mamba di x N x 1, Mamba2 hm x N x P. The short conv keeps its last K - 1
// inputs per channel (the convention of vLLM's mamba and GDN caches; transformers' reference cache
// keeps K, one of them dead).
// Sources: Qwen3-Next (transformers models/qwen3_next, tensor shapes in docs/research/hf/SOURCES.md),
// Kimi-Linear (moonshotai remote code, tensor inventory in SOURCES.md), MiniMax-Text-01 report §2
// and remote code, Mamba (Gu & Dao 2023) and Jamba (transformers models/jamba), Mamba2 / SSD
// (Dao & Gu 2024; transformers models/nemotron_h).

/// The recurrence a fixed-state mixer runs.
public enum FixedStateKind: String, CaseIterable, Sendable, Hashable {
    /// Gated delta rule with a scalar decay per head (Qwen3-Next).
    case gatedDeltaNet = "gated_deltanet"
    /// Delta rule with a decay per key channel (Kimi-Linear's KDA).
    case kimiDelta = "kimi_delta"
    /// Linear attention with a fixed decay per head (MiniMax).
    case lightning
    /// Selective scan with a diagonal state per channel (Mamba, Jamba's mamba layers).
    case mamba
    /// State-space duality: a scalar decay per head (Mamba2; Nemotron-H, Zamba2).
    case mamba2

    /// Whether the layer has a short causal convolution in front of the recurrence.
    public var hasConv: Bool { self != .lightning }
}

/// One fixed-state mixer layer's shape. Fields a kind does not use are 0 (see the legend).
public struct FixedStateMixer: Sendable, Hashable {
    public var kind: FixedStateKind
    /// State heads: GDN value heads nv, KDA and lightning heads h, Mamba channels di, Mamba2 heads hm.
    public var heads: Int
    /// GDN key heads nk (q and k are projected for these); the other kinds: `heads`.
    public var keyHeads: Int
    /// Rows of each head's state: GDN/KDA dk, lightning dh, Mamba and Mamba2 N.
    public var keyDim: Int
    /// Columns of each head's state: GDN/KDA dv, lightning dh, Mamba 1, Mamba2 P.
    public var valueDim: Int
    /// K: causal-conv taps (0 for lightning).
    public var convKernel: Int
    /// A bias on the conv (Mamba `use_conv_bias`).
    public var convBias: Bool
    /// Biases on the in and out projections (Mamba `mamba_proj_bias` / `use_bias`).
    public var projectionBias: Bool
    /// Mamba2 G (groups sharing B and C); Mamba 1.
    public var groups: Int
    /// Mamba R (`mamba_dt_rank`); 0 for the others.
    public var timeStepRank: Int
    /// Jamba's RMSNorms on dt, B and C before the scan (R + 2N weights).
    public var timeStepNorms: Bool
    /// Tokens per chunk of the chunkwise prefill (GDN/KDA 64, Mamba2 `chunk_size`, lightning
    /// `block_size`); Mamba's scan runs token by token and ignores it.
    public var chunkTokens: Int
    /// The storage format of the recurrent state when the model states its own (Nemotron-H's
    /// `mamba_ssm_cache_dtype`); nil: the plan's state dtype. The conv state is always in the plan's
    /// state dtype (it holds projected activations).
    public var stateDType: DType?

    public init(kind: FixedStateKind, heads: Int, keyHeads: Int? = nil, keyDim: Int, valueDim: Int, convKernel: Int = 0,
                convBias: Bool = false, projectionBias: Bool = false, groups: Int = 1, timeStepRank: Int = 0,
                timeStepNorms: Bool = false, chunkTokens: Int, stateDType: DType? = nil) {
        self.kind = kind
        self.heads = heads
        self.keyHeads = keyHeads ?? heads
        self.keyDim = keyDim
        self.valueDim = valueDim
        self.convKernel = convKernel
        self.convBias = convBias
        self.projectionBias = projectionBias
        self.groups = groups
        self.timeStepRank = timeStepRank
        self.timeStepNorms = timeStepNorms
        self.chunkTokens = chunkTokens
        self.stateDType = stateDType
    }

    /// Gated DeltaNet: nv value heads of dv over nk key heads of dk, K conv taps, chunk 64 (the
    /// chunk of fla's and transformers' chunked gated delta rule).
    public static func gatedDeltaNet(keyHeads nk: Int, keyDim dk: Int, valueHeads nv: Int, valueDim dv: Int, convKernel k: Int,
                                     chunkTokens: Int = 64, stateDType: DType? = nil) -> FixedStateMixer {
        FixedStateMixer(kind: .gatedDeltaNet, heads: nv, keyHeads: nk, keyDim: dk, valueDim: dv, convKernel: k,
                        chunkTokens: chunkTokens, stateDType: stateDType)
    }

    /// Kimi delta attention: h heads of dh (keys and values), K conv taps on each of q, k and v.
    public static func kimiDelta(heads h: Int, headDim dh: Int, convKernel k: Int, chunkTokens: Int = 64,
                                 stateDType: DType? = nil) -> FixedStateMixer {
        FixedStateMixer(kind: .kimiDelta, heads: h, keyDim: dh, valueDim: dh, convKernel: k, chunkTokens: chunkTokens, stateDType: stateDType)
    }

    /// Lightning attention: h heads of dh, blocks of `blockTokens` in prefill.
    public static func lightning(heads h: Int, headDim dh: Int, blockTokens: Int, stateDType: DType? = nil) -> FixedStateMixer {
        FixedStateMixer(kind: .lightning, heads: h, keyDim: dh, valueDim: dh, chunkTokens: blockTokens, stateDType: stateDType)
    }

    /// Mamba (v1): di channels of state N, dt rank R, K taps.
    public static func mamba(innerSize di: Int, stateSize n: Int, timeStepRank r: Int, convKernel k: Int, convBias: Bool,
                             projectionBias: Bool, timeStepNorms: Bool, stateDType: DType? = nil) -> FixedStateMixer {
        FixedStateMixer(kind: .mamba, heads: di, keyDim: n, valueDim: 1, convKernel: k, convBias: convBias,
                        projectionBias: projectionBias, timeStepRank: r, timeStepNorms: timeStepNorms, chunkTokens: 1,
                        stateDType: stateDType)
    }

    /// Mamba2: hm heads of P, G groups of state N, K taps, SSD chunk c.
    public static func mamba2(heads hm: Int, headDim p: Int, groups g: Int, stateSize n: Int, convKernel k: Int, convBias: Bool,
                              projectionBias: Bool, chunkTokens: Int, stateDType: DType? = nil) -> FixedStateMixer {
        FixedStateMixer(kind: .mamba2, heads: hm, keyDim: n, valueDim: p, convKernel: k, convBias: convBias,
                        projectionBias: projectionBias, groups: g, chunkTokens: chunkTokens, stateDType: stateDType)
    }

    /// I: the width the output projection reads (nv dv, h dv, h dh, di, hm P).
    public var innerWidth: Int { kind == .mamba ? heads : heads * valueDim }

    /// Channels of the causal conv: GDN q, k, v (2 nk dk + nv dv); KDA q, k, v (h (2 dk + dv));
    /// Mamba x (di); Mamba2 x, B, C (di + 2 G N); lightning none.
    public var convChannels: Int {
        switch kind {
        case .gatedDeltaNet: 2 * keyHeads * keyDim + heads * valueDim
        case .kimiDelta: heads * (2 * keyDim + valueDim)
        case .lightning: 0
        case .mamba: heads
        case .mamba2: heads * valueDim + 2 * groups * keyDim
        }
    }

    /// Conv-state elements per sequence: (K - 1) x channels.
    public var convStateElements: Int128 { kind.hasConv ? Int128(max(0, convKernel - 1)) * Int128(convChannels) : 0 }

    /// Recurrent-state elements per sequence: heads x keyDim x valueDim.
    public var recurrentStateElements: Int128 { Int128(heads) * Int128(keyDim) * Int128(valueDim) }

    /// The slot this layer keeps.
    public var state: FixedState {
        FixedState(kind: kind, convElements: convStateElements, recurrentElements: recurrentStateElements, recurrentDType: stateDType)
    }
}

/// What a fixed-state mixer keeps between decode steps, per sequence: the conv window and the
/// recurrent state, each in its own storage format.
public struct FixedState: Sendable, Hashable {
    public var kind: FixedStateKind
    /// (K - 1) x conv channels, stored in the plan's state dtype.
    public var convElements: Int128
    /// heads x keyDim x valueDim, stored in `recurrentDType` (nil: the plan's state dtype).
    public var recurrentElements: Int128
    public var recurrentDType: DType?

    public init(kind: FixedStateKind, convElements: Int128, recurrentElements: Int128, recurrentDType: DType?) {
        self.kind = kind
        self.convElements = convElements
        self.recurrentElements = recurrentElements
        self.recurrentDType = recurrentDType
    }

    /// Bytes per sequence with `dtype` the plan's state dtype.
    public func bytes(stateDType dtype: DType) -> Int128 {
        dtype.bytes(elements: convElements) + (recurrentDType ?? dtype).bytes(elements: recurrentElements)
    }
}
