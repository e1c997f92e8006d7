// A block is one token mixer and one feed-forward, with their norms and residuals; a model is runs
// of identical blocks, so every formula costs O(runs), not O(layers).

/// The normalisation layers of a block (or the final norm): RMSNorm (weight d) or LayerNorm
/// (weight and bias, 2 d).
public struct NormLayout: Sendable, Hashable {
    /// Norms of width d (pre-mixer and pre-feed-forward: 2; Gemma 2/3 add post-norms: 4;
    /// Falcon's parallel block: 1).
    public var count: Int
    /// LayerNorm with a bias (GPT-2, Falcon) instead of RMSNorm.
    public var hasBias: Bool

    public init(count: Int, hasBias: Bool = false) {
        self.count = count
        self.hasBias = hasBias
    }

    /// Pre-RMSNorm before the mixer and before the feed-forward (Llama, YOCO).
    public static let preRMS = NormLayout(count: 2)

    public func parameters(hidden d: Int) -> Int128 { Int128(count) * Int128(d) * (hasBias ? 2 : 1) }
}

public struct Block: Sendable, Hashable {
    public var mixer: Mixer
    public var feedForward: FeedForward
    public var norms: NormLayout
    /// Per-use adapters of a block that shares its main weights (SharedBlocks.swift); nil: none.
    public var adapters: InvocationAdapters?

    public init(mixer: Mixer, feedForward: FeedForward, norms: NormLayout = .preRMS, adapters: InvocationAdapters? = nil) {
        self.mixer = mixer
        self.feedForward = feedForward
        self.norms = norms
        self.adapters = adapters
    }
}

/// `count` identical blocks in a row.
public struct BlockRun: Sendable, Hashable {
    public var block: Block
    public var count: Int
    /// The index of the earlier run whose mixer, feed-forward and norm weights these blocks use
    /// (Zamba2's shared transformer blocks; SharedBlocks.swift); nil: the run owns its weights.
    public var weightsOf: Int?

    public init(_ block: Block, count: Int, weightsOf: Int? = nil) {
        self.block = block
        self.count = count
        self.weightsOf = weightsOf
    }
}

extension Array where Element == BlockRun {
    /// Runs from a per-layer list, merging neighbours that are identical.
    public init(layers: [Block]) {
        var runs: [BlockRun] = []
        for b in layers {
            if let last = runs.last, last.block == b { runs[runs.count - 1].count += 1 } else { runs.append(BlockRun(b, count: 1)) }
        }
        self = runs
    }
}
