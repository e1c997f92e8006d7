// The two families of the paper as named constructors, and the profile shorthand they are read
// from (`FamilyShape`: the fields of a yocoprof model profile). Every existing profile builds the
// same runs of blocks it described before this file existed; `validate()` here keeps the
// shorthand's own field names in its messages.
//
// Legend (BRIEF §2): L layers, d hidden size, H query heads, Hkv key/value heads, dh head
// dimension, F SwiGLU inner size, V vocabulary, W sliding window. Every block is pre-RMSNorm with
// SwiGLU; no biases.
//   transformer:  L attention blocks (H, Hkv, dh), each with its own slot; `window` windows every
//                 layer, or `slidingLayers[i]` says which layers are windowed (the others full);
//                 `crossLayerGroup` g > 1 shares the K/V of the first layer of each group of g
//                 adjacent layers with the other g - 1 (Cross-Layer Attention; CLA2 is g = 2).
//   yoco:         `selfLayers` self-decoder blocks (gRet, or SWA with Hs = `selfDecoderKVHeads`
//                 or H KV heads), YOCO's K̂/V̂ projection (Hkv x dh), then L - selfLayers cross
//                 blocks (H queries over the shared slot).

/// How the self-decoder of a YOCO model mixes tokens.
public enum SelfDecoder: Sendable, Hashable {
    /// Gated retention: `heads` heads of `headDim`, chunk `chunkTokens` for the chunkwise prefill.
    case gatedRetention(heads: Int, headDim: Int, chunkTokens: Int)
    /// Causal attention over the last `window` positions with H heads of dh and
    /// `selfDecoderKVHeads` (H by default, as in the reference code) KV heads.
    case slidingWindow(window: Int)
}

/// The family of a profile shorthand.
public enum Architecture: Sendable, Hashable {
    /// A decoder-only Transformer: MHA when Hkv == H, GQA when Hkv < H (MQA: Hkv == 1); `window`
    /// restricts every layer's attention (and its cache) to the last W positions.
    case transformer(window: Int?)
    /// YOCO decoder-decoder: `selfLayers` self-decoder layers then L - selfLayers cross layers.
    case yoco(selfDecoder: SelfDecoder, selfLayers: Int)
}

/// The fields of a yocoprof model profile: a family and its uniform shape.
public struct FamilyShape: Sendable, Hashable {
    public var id: String
    public var source: String
    public var notes: String
    public var architecture: Architecture
    public var layers: Int
    public var hiddenSize: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var ffnSize: Int
    public var vocabSize: Int
    public var tiedEmbeddings: Bool
    public var dtypes: DTypePlan
    /// KV heads of a sliding-window self-decoder; nil = `heads`.
    public var selfDecoderKVHeads: Int?
    /// Transformer only: which layers use `window` (0-based, length L); nil = every layer when a
    /// window is set.
    public var slidingLayers: [Bool]?
    /// Transformer only: layers per Cross-Layer Attention group (1 = no sharing; 2 = CLA2).
    public var crossLayerGroup: Int

    public init(
        id: String, source: String, notes: String = "", architecture: Architecture,
        layers: Int, hiddenSize: Int, heads: Int, kvHeads: Int, headDim: Int,
        ffnSize: Int, vocabSize: Int, tiedEmbeddings: Bool = false,
        dtypes: DTypePlan = .uniform(.bf16), selfDecoderKVHeads: Int? = nil,
        slidingLayers: [Bool]? = nil, crossLayerGroup: Int = 1
    ) {
        self.id = id
        self.source = source
        self.notes = notes
        self.architecture = architecture
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.ffnSize = ffnSize
        self.vocabSize = vocabSize
        self.tiedEmbeddings = tiedEmbeddings
        self.dtypes = dtypes
        self.selfDecoderKVHeads = selfDecoderKVHeads
        self.slidingLayers = slidingLayers
        self.crossLayerGroup = crossLayerGroup
    }

    /// The blocks this shorthand stands for.
    public var spec: ModelSpec {
        let swiglu = FeedForward.gated(inner: ffnSize, activation: .silu)
        func attention(_ span: AttentionSpan, kvHeads: Int, kv: KVSource = .own) -> Block {
            Block(mixer: .attention(Attention(heads: heads, kvHeads: kvHeads, headDim: headDim, span: span, kv: kv)), feedForward: swiglu)
        }
        var runs: [BlockRun]
        var shared: SharedKVProjection?
        switch architecture {
        case .transformer(let window):
            let span: (Int) -> AttentionSpan = { i in
                guard let window else { return .full }
                if let pattern = self.slidingLayers { return pattern[i] ? .sliding(window: window) : .full }
                return .sliding(window: window)
            }
            if slidingLayers == nil && crossLayerGroup == 1 {
                runs = [BlockRun(attention(span(0), kvHeads: kvHeads), count: layers)]
            } else {
                let g = max(1, crossLayerGroup)
                runs = .init(layers: (0..<layers).map { i in
                    attention(span(i), kvHeads: kvHeads, kv: i % g == 0 ? .own : .layer(i - i % g))
                })
            }
        case .yoco(let selfDecoder, let selfLayers):
            let selfBlock: Block
            switch selfDecoder {
            case .gatedRetention(let h, let dh, let c):
                selfBlock = Block(mixer: .gatedRetention(GatedRetention(heads: h, headDim: dh, chunkTokens: c)), feedForward: swiglu)
            case .slidingWindow(let w):
                selfBlock = attention(.sliding(window: w), kvHeads: selfDecoderKVHeads ?? heads)
            }
            runs = [BlockRun(selfBlock, count: selfLayers),
                    BlockRun(attention(.full, kvHeads: kvHeads, kv: .sharedProjection), count: layers - selfLayers)]
            shared = SharedKVProjection(kvHeads: kvHeads, headDim: headDim)
        }
        return ModelSpec(id: id, source: source, notes: notes, hiddenSize: hiddenSize, vocabSize: vocabSize,
                         tiedEmbeddings: tiedEmbeddings, dtypes: dtypes, runs: runs, sharedKV: shared)
    }

    /// Throws the first violated constraint, naming the profile field, the constraint and the value.
    /// Bounds are chosen so that no formula can overflow Int128 within `Limits` and so that a typo
    /// (an extra zero, a negative number) is caught instead of producing a silly answer.
    public func validate() throws(SpecError) {
        try SpecError.check("layers", layers, in: 1...Limits.maxLayers)
        try SpecError.check("hidden_size", hiddenSize, in: 1...Limits.maxWidth)
        try SpecError.check("heads", heads, in: 1...Limits.maxHeads)
        try SpecError.check("kv_heads", kvHeads, in: 1...Limits.maxHeads)
        if heads % kvHeads != 0 {
            throw SpecError(field: "kv_heads", constraint: "must divide `heads` (\(heads))", value: "\(kvHeads)")
        }
        try SpecError.check("head_dim", headDim, in: 1...Limits.maxHeadDim)
        try SpecError.check("ffn_size", ffnSize, in: 1...Limits.maxWidth * 8)
        try SpecError.check("vocab_size", vocabSize, in: 1...Limits.maxVocab)
        if let s = selfDecoderKVHeads {
            guard case .yoco(.slidingWindow, _) = architecture else {
                throw SpecError(field: "self_kv_heads", constraint: "applies to sliding-window self-decoders only", value: "\(s)")
            }
        }
        switch architecture {
        case .transformer(let window):
            if let window { try SpecError.check("sliding_window", window, in: 1...Limits.maxContextTokens) }
            if let pattern = slidingLayers {
                if pattern.count != layers {
                    throw SpecError(field: "layer_types", constraint: "must list one type per layer (\(layers))", value: "\(pattern.count) entries")
                }
                if window == nil && pattern.contains(true) {
                    throw SpecError(field: "sliding_window", constraint: "is required when `layer_types` has sliding layers", value: "null")
                }
            }
            try SpecError.check("cross_layer_group", crossLayerGroup, in: 1...layers)
        case .yoco(let selfDecoder, let selfLayers):
            if slidingLayers != nil {
                throw SpecError(field: "layer_types", constraint: "applies to Transformer profiles only", value: "a list")
            }
            if crossLayerGroup != 1 {
                throw SpecError(field: "cross_layer_group", constraint: "applies to Transformer profiles only", value: "\(crossLayerGroup)")
            }
            if layers < 2 {
                throw SpecError(field: "layers", constraint: "must be at least 2 for YOCO (one self and one cross layer)", value: "\(layers)")
            }
            try SpecError.check("self_decoder_layers", selfLayers, in: 1...(layers - 1))
            switch selfDecoder {
            case .gatedRetention(let h, let dh, let chunk):
                try SpecError.check("gret_heads", h, in: 1...Limits.maxHeads)
                try SpecError.check("gret_head_dim", dh, in: 1...Limits.maxHeadDim)
                try SpecError.check("gret_chunk_tokens", chunk, in: 1...Limits.maxContextTokens)
            case .slidingWindow(let w):
                try SpecError.check("sliding_window", w, in: 1...Limits.maxContextTokens)
                if let s = selfDecoderKVHeads {
                    try SpecError.check("self_kv_heads", s, in: 1...heads)
                    if heads % s != 0 {
                        throw SpecError(field: "self_kv_heads", constraint: "must divide `heads` (\(heads))", value: "\(s)")
                    }
                }
            }
        }
    }
}

extension ModelSpec {
    /// A model from the profile shorthand (the constructor every existing profile and test uses).
    public init(
        id: String, source: String, notes: String = "", architecture: Architecture,
        layers: Int, hiddenSize: Int, heads: Int, kvHeads: Int, headDim: Int,
        ffnSize: Int, vocabSize: Int, tiedEmbeddings: Bool = false,
        dtypes: DTypePlan = .uniform(.bf16), selfDecoderKVHeads: Int? = nil
    ) {
        self = FamilyShape(id: id, source: source, notes: notes, architecture: architecture, layers: layers,
                           hiddenSize: hiddenSize, heads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: ffnSize,
                           vocabSize: vocabSize, tiedEmbeddings: tiedEmbeddings, dtypes: dtypes,
                           selfDecoderKVHeads: selfDecoderKVHeads).spec
    }

    /// A decoder-only Transformer (MHA/GQA/MQA), optionally windowed on every layer.
    public static func transformer(id: String, source: String, layers: Int, hiddenSize: Int, heads: Int, kvHeads: Int,
                                   headDim: Int, ffnSize: Int, vocabSize: Int, window: Int? = nil,
                                   dtypes: DTypePlan = .uniform(.bf16)) -> ModelSpec {
        ModelSpec(id: id, source: source, architecture: .transformer(window: window), layers: layers, hiddenSize: hiddenSize,
                  heads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: ffnSize, vocabSize: vocabSize, dtypes: dtypes)
    }

    /// A YOCO decoder-decoder.
    public static func yoco(id: String, source: String, selfDecoder: SelfDecoder, selfLayers: Int, layers: Int, hiddenSize: Int,
                            heads: Int, kvHeads: Int, headDim: Int, ffnSize: Int, vocabSize: Int,
                            selfDecoderKVHeads: Int? = nil, dtypes: DTypePlan = .uniform(.bf16)) -> ModelSpec {
        ModelSpec(id: id, source: source, architecture: .yoco(selfDecoder: selfDecoder, selfLayers: selfLayers), layers: layers,
                  hiddenSize: hiddenSize, heads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: ffnSize,
                  vocabSize: vocabSize, dtypes: dtypes, selfDecoderKVHeads: selfDecoderKVHeads)
    }
}
