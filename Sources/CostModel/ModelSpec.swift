// The shape of a model, as the cost model and the kernels see it.
//
// Legend (BRIEF §2): L layers, d hidden size, H query heads, Hkv key/value heads, dh head dimension,
// F feed-forward (SwiGLU) inner size, V vocabulary, W sliding window.
// A YOCO model splits its L layers into a self-decoder (the first `selfDecoderLayers`) and a
// cross-decoder (the rest) that shares one global K/V cache.

/// How the self-decoder of a YOCO model mixes tokens.
public enum SelfDecoder: Sendable, Hashable {
    /// Gated retention: `heads` heads of `headDim`, a dh x dh recurrent state per head, chunk size
    /// `chunkTokens` for the chunkwise prefill (the reference code uses 256).
    case gatedRetention(heads: Int, headDim: Int, chunkTokens: Int)
    /// Causal attention over the last `window` positions with the model's H heads of dh and
    /// `ModelSpec.swaSelfKVHeads` KV heads (H by default, as in the reference code); its cache is a
    /// ring of at most `window` positions per layer.
    case slidingWindow(window: Int)
}

/// The model family and what distinguishes it.
public enum Architecture: Sendable, Hashable {
    /// A standard decoder-only Transformer: MHA when Hkv == H, GQA when Hkv < H (MQA: Hkv == 1).
    /// `window`, when set, restricts every layer's attention (and its cache) to the last W positions.
    case transformer(window: Int?)
    /// YOCO decoder-decoder: `selfLayers` self-decoder layers then L - selfLayers cross layers.
    case yoco(selfDecoder: SelfDecoder, selfLayers: Int)
}

/// What one block mixes tokens with. The feed-forward is SwiGLU in every kind.
public enum LayerKind: Sendable, Hashable {
    /// Transformer block: causal self-attention (optionally windowed) with its own K/V cache.
    case attention(window: Int?)
    /// YOCO self-decoder block with gated retention: recurrent state, no K/V cache.
    case gatedRetention(heads: Int, headDim: Int)
    /// YOCO self-decoder block with sliding-window attention: a ring cache of W positions.
    case slidingWindowSelf(window: Int)
    /// YOCO cross-decoder block: its own query and output projections over the shared K̂/V̂.
    case cross
}

/// A model's shape. Values are validated by `validate()`; the loaders call it.
public struct ModelSpec: Sendable, Hashable {
    public var id: String
    /// Where the figures come from (paper, model card, config file).
    public var source: String
    /// Assumptions made where the source is silent.
    public var notes: String
    public var architecture: Architecture
    /// L
    public var layers: Int
    /// d
    public var hiddenSize: Int
    /// H
    public var heads: Int
    /// Hkv
    public var kvHeads: Int
    /// dh
    public var headDim: Int
    /// F (SwiGLU inner size)
    public var ffnSize: Int
    /// V
    public var vocabSize: Int
    /// Output projection shares the embedding matrix.
    public var tiedEmbeddings: Bool
    /// Default storage format per tensor class.
    public var dtypes: DTypePlan
    /// KV heads of a sliding-window self-decoder; nil = `heads` (multi-head, as the reference
    /// sliding_window_attention.py projects K and V to the full width d).
    public var selfDecoderKVHeads: Int?

    public init(
        id: String, source: String, notes: String = "", architecture: Architecture,
        layers: Int, hiddenSize: Int, heads: Int, kvHeads: Int, headDim: Int,
        ffnSize: Int, vocabSize: Int, tiedEmbeddings: Bool = false,
        dtypes: DTypePlan = .uniform(.bf16), selfDecoderKVHeads: Int? = nil
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
    }

    public var isYOCO: Bool {
        if case .yoco = architecture { return true }
        return false
    }

    /// Width of one token's keys (or values) in a GQA cache: Hkv * dh.
    public var kvWidth: Int { kvHeads * headDim }

    /// KV heads of the sliding-window self-decoder layers (H unless the profile says otherwise).
    public var swaSelfKVHeads: Int { selfDecoderKVHeads ?? heads }

    /// Layer kinds in stack order as runs of identical layers: (kind, count). Formulas iterate these
    /// instead of `layerKinds`, so their cost does not grow with the number of layers.
    public var kindRuns: [(kind: LayerKind, count: Int)] {
        switch architecture {
        case .transformer(let window):
            return [(.attention(window: window), layers)]
        case .yoco(let selfDecoder, let selfLayers):
            let selfKind: LayerKind
            switch selfDecoder {
            case .gatedRetention(let h, let dh, _): selfKind = .gatedRetention(heads: h, headDim: dh)
            case .slidingWindow(let w): selfKind = .slidingWindowSelf(window: w)
            }
            return [(selfKind, selfLayers), (.cross, layers - selfLayers)]
        }
    }

    /// Layer kinds in stack order.
    public var layerKinds: [LayerKind] {
        kindRuns.flatMap { Array(repeating: $0.kind, count: $0.count) }
    }

    /// Number of layers of the self-decoder (0 for a Transformer).
    public var selfDecoderLayers: Int {
        if case .yoco(_, let n) = architecture { return n }
        return 0
    }

    /// Number of cross-decoder layers (0 for a Transformer).
    public var crossDecoderLayers: Int { isYOCO ? layers - selfDecoderLayers : 0 }
}
