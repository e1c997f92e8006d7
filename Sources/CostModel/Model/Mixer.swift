// How one block mixes tokens: attention (over a cache slot it writes, or over one another layer or
// a projection writes), gated retention or another fixed-state mixer (linear attention, Mamba), or
// none (a feed-forward-only layer).
//
// Legend: H query heads, Hkv key/value heads, dk key (and query) head dimension, dv value head
// dimension, W sliding window, C attention chunk (Llama 4 `attention_chunk_size`), hR gRet heads of dR.
// A new mixer kind is a new case here, its cost in Prefill/Decode/Memory/Parameters, its importer
// mapping and its profile form; nothing else switches on it.

/// Which earlier positions a query sees.
public enum AttentionSpan: Sendable, Hashable {
    /// Every earlier position (causal).
    case full
    /// The last `window` positions, the query's own included (i - W < j <= i): a ring of W positions.
    case sliding(window: Int)
    /// Only the positions of the query's own chunk of `chunk` tokens, counted from position 0
    /// (floor(i / C) C <= j <= i): at most C positions are held.
    case chunked(chunk: Int)

    /// The most positions a query can see (nil: unbounded).
    public var boundTokens: Int? {
        switch self {
        case .full: nil
        case .sliding(let w): w
        case .chunked(let c): c
        }
    }

    /// Positions held for a sequence of `tokens` tokens: T, or min(T, W or C).
    public func positionsHeld(tokens: Int128) -> Int128 {
        boundTokens.map { min(tokens, Int128($0)) } ?? tokens
    }

    /// Positions the token at 1-based position `n` attends to (itself included):
    /// n, min(n, W), or ((n - 1) mod C) + 1.
    public func positionsAttended(context n: Int128) -> Int128 {
        switch self {
        case .full: n
        case .sliding(let w): min(n, Int128(w))
        case .chunked(let c): n <= 0 ? 0 : (n - 1) % Int128(c) + 1
        }
    }
}

/// Where an attention layer's keys and values come from.
public enum KVSource: Sendable, Hashable {
    /// The layer projects its own K/V and writes its own slot.
    case own
    /// The layer reads the slot written by layer `layer` (0-based, earlier in the stack): Cross-Layer
    /// Attention pairs, Gemma 3n's `num_kv_shared_layers`. It has no K/V projections of its own.
    case layer(Int)
    /// The layer reads the slot written by the model's shared K/V projection (YOCO's K̂/V̂).
    case sharedProjection
}

/// Attention with its geometry and the extras that only add parameters and element-wise work.
public struct Attention: Sendable, Hashable {
    /// H
    public var heads: Int
    /// Hkv (1: multi-query)
    public var kvHeads: Int
    /// dk: query and key head dimension.
    public var headDim: Int
    /// dv: value head dimension (dk in every family here but a profile may differ).
    public var valueHeadDim: Int
    public var span: AttentionSpan
    public var kv: KVSource
    /// Biases on the q, k and v projections (Qwen2, GPT-2).
    public var qkvBias: Bool
    /// A bias on the output projection (GPT-2).
    public var outputBias: Bool
    /// RMSNorm weights of dk on queries and on keys (Qwen3, Gemma 3).
    public var qkNorm: Bool
    /// One learned sink logit per head (gpt-oss).
    public var sinks: Bool
    /// A sigmoid gate on the attention output, projected from the input beside the queries
    /// (Qwen3-Next's full-attention layers: q_proj is 2 H dk wide).
    public var outputGate: Bool = false
    /// The width the q, k and v projections (and the pre-mixer norm) read, when it is not d:
    /// Zamba2's shared attention reads [hidden, original embedding], 2d. nil: d.
    public var inputWidth: Int? = nil
    /// Rotary position embedding on q and k (3 other FLOPs per element). false: Zamba2's shared
    /// attention without `use_mem_rope`.
    public var rope: Bool = true

    public init(heads: Int, kvHeads: Int, headDim: Int, valueHeadDim: Int? = nil, span: AttentionSpan = .full,
                kv: KVSource = .own, qkvBias: Bool = false, outputBias: Bool = false, qkNorm: Bool = false, sinks: Bool = false) {
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.valueHeadDim = valueHeadDim ?? headDim
        self.span = span
        self.kv = kv
        self.qkvBias = qkvBias
        self.outputBias = outputBias
        self.qkNorm = qkNorm
        self.sinks = sinks
    }

    /// H * dk: width of the queries.
    public var queryWidth: Int { heads * headDim }
    /// H * dv: width of the attention output (the output projection's input).
    public var outputWidth: Int { heads * valueHeadDim }
    /// Hkv * dk
    public var keyWidth: Int { kvHeads * headDim }
    /// Hkv * dv
    public var valueWidth: Int { kvHeads * valueHeadDim }
    /// The layer projects and stores its own K/V.
    public var writesOwnSlot: Bool { kv == .own }
}

/// Gated retention (YOCO's gRet self-decoder): hR heads, a dR x dR state per head, chunk C.
public struct GatedRetention: Sendable, Hashable {
    public var heads: Int
    public var headDim: Int
    /// Chunk size of the chunkwise prefill (the reference code uses 256).
    public var chunkTokens: Int

    public init(heads: Int, headDim: Int, chunkTokens: Int) {
        self.heads = heads
        self.headDim = headDim
        self.chunkTokens = chunkTokens
    }

    /// hR * dR
    public var innerWidth: Int { heads * headDim }
}

/// The token mixer of a block.
public enum Mixer: Sendable, Hashable {
    case attention(Attention)
    case gatedRetention(GatedRetention)
    /// Linear attention or a state-space layer with a fixed-size state (FixedStateMixer.swift).
    case fixedState(FixedStateMixer)
    /// No mixer: the layer is a feed-forward alone (Nemotron-H's `-` layers); the residual passes.
    case identity
    /// Multi-head latent attention (Mixers/LatentAttention.swift): one compressed latent per position.
    case latentAttention(LatentAttention)

    public var latent: LatentAttention? {
        if case .latentAttention(let m) = self { return m }
        return nil
    }

    public var attention: Attention? {
        if case .attention(let a) = self { return a }
        return nil
    }

    public var retention: GatedRetention? {
        if case .gatedRetention(let r) = self { return r }
        return nil
    }

    public var fixedState: FixedStateMixer? {
        if case .fixedState(let m) = self { return m }
        return nil
    }
}
