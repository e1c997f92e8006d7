// The shape of a model, as the cost model, the kernels and the command line all read it: runs of
// blocks {token mixer, feed-forward} and, derived from them, a table of cache slots
// (ModelSpec+Caches.swift). Today's two families are named constructors (ModelSpec+Families.swift).
//
// Legend (BRIEF §2): L layers, d hidden size, V vocabulary. Per-block geometry lives in each
// block's mixer and feed-forward.

/// YOCO's shared K̂/V̂ projection: one slot of `kvHeads` x `headDim` keys and values, written once
/// after the layers before its first reader and read by every layer whose K/V source is
/// `.sharedProjection` (the cross-decoder).
public struct SharedKVProjection: Sendable, Hashable {
    public var kvHeads: Int
    public var headDim: Int

    public init(kvHeads: Int, headDim: Int) {
        self.kvHeads = kvHeads
        self.headDim = headDim
    }

    /// Hkv * dh
    public var width: Int { kvHeads * headDim }
}

/// A model's shape. Values are validated by `validate()`; the loaders call it.
public struct ModelSpec: Sendable, Hashable {
    public var id: String
    /// Where the figures come from (paper, model card, config file).
    public var source: String
    /// Assumptions made where the source is silent.
    public var notes: String
    /// d
    public var hiddenSize: Int
    /// V
    public var vocabSize: Int
    /// Output projection shares the embedding matrix.
    public var tiedEmbeddings: Bool
    /// Default storage format per tensor class.
    public var dtypes: DTypePlan
    /// The blocks in stack order, as runs of identical blocks.
    public var runs: [BlockRun]
    /// YOCO's K̂/V̂ projection, when the model has one.
    public var sharedKV: SharedKVProjection?
    /// Rows of a learned absolute-position embedding (GPT-2's `n_positions`); 0 with RoPE.
    public var positionEmbeddingRows: Int
    /// The final norm before the output head.
    public var finalNorm: NormLayout
    /// The model's own context limit (`max_position_embeddings`), when its source states one.
    public var maxPositionEmbeddings: Int?
    /// A line naming the family and what of it is counted (for `inspect`), e.g. the vision tower left out.
    public var family: String

    public init(
        id: String, source: String, notes: String = "", hiddenSize: Int, vocabSize: Int, tiedEmbeddings: Bool = false,
        dtypes: DTypePlan = .uniform(.bf16), runs: [BlockRun], sharedKV: SharedKVProjection? = nil,
        positionEmbeddingRows: Int = 0, finalNorm: NormLayout = NormLayout(count: 1), maxPositionEmbeddings: Int? = nil,
        family: String = ""
    ) {
        self.id = id
        self.source = source
        self.notes = notes
        self.hiddenSize = hiddenSize
        self.vocabSize = vocabSize
        self.tiedEmbeddings = tiedEmbeddings
        self.dtypes = dtypes
        self.runs = runs
        self.sharedKV = sharedKV
        self.positionEmbeddingRows = positionEmbeddingRows
        self.finalNorm = finalNorm
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.family = family
    }

    /// L
    public var layers: Int { runs.reduce(0) { $0 + $1.count } }

    /// Blocks in stack order (one per layer; formulas use `runs`).
    public var layerBlocks: [Block] { runs.flatMap { Array(repeating: $0.block, count: $0.count) } }

    /// The first layer index of each run.
    public var runStarts: [Int] {
        var starts: [Int] = [], i = 0
        for r in runs { starts.append(i); i += r.count }
        return starts
    }

    /// Whether the model has YOCO's shared K̂/V̂ projection (a cross-decoder).
    public var isYOCO: Bool { sharedKV != nil }

    /// The index of the first run whose layers read the shared projection (YOCO's cross-decoder):
    /// prefill exits early from there on (every later run reads it too; `validate` checks).
    public var firstCrossRun: Int? {
        runs.firstIndex { $0.block.mixer.attention?.kv == .sharedProjection }
    }

    /// Layers before the cross-decoder (YOCO's self-decoder); 0 without a shared projection.
    public var selfDecoderLayers: Int {
        guard let r = firstCrossRun else { return 0 }
        return runs[..<r].reduce(0) { $0 + $1.count }
    }

    /// Layers reading the shared projection.
    public var crossDecoderLayers: Int { layers - selfDecoderLayers }

    /// The attention geometry used for one-line summaries and the kernels' uniform shapes: the
    /// shared projection's readers when there is one, else the first full-attention run, else the
    /// first attention run. Formulas never use it: they read each run.
    public var primaryAttention: Attention? {
        let attentions = runs.compactMap(\.block.mixer.attention)
        if let a = attentions.first(where: { $0.kv == .sharedProjection }) { return a }
        return attentions.first { $0.span == .full } ?? attentions.first
    }

    /// H of the primary attention, else of the first latent attention (summaries only).
    public var heads: Int { primaryAttention?.heads ?? runs.lazy.compactMap(\.block.mixer.latent).first?.heads ?? 0 }
    /// Hkv of the primary attention (summaries only).
    public var kvHeads: Int { primaryAttention?.kvHeads ?? 0 }
    /// dk of the primary attention, else the query head width of the first latent attention
    /// (summaries only).
    public var headDim: Int { primaryAttention?.headDim ?? runs.lazy.compactMap(\.block.mixer.latent).first?.queryHeadDim ?? 0 }
    /// F of the first block (summaries only).
    public var ffnSize: Int { runs.first?.block.feedForward.inner ?? 0 }

    /// The first gated-retention mixer, when the model has one.
    public var retention: GatedRetention? { runs.lazy.compactMap(\.block.mixer.retention).first }

    /// The attention spans present, in stack order without repeats.
    public var attentionSpans: [AttentionSpan] {
        var seen: [AttentionSpan] = []
        for a in runs.compactMap(\.block.mixer.attention) where !seen.contains(a.span) { seen.append(a.span) }
        return seen
    }
}
