// Blocks whose weights another run owns, and the small per-use weights they add (Zamba2's shared
// transformer blocks, transformers models/zamba2; docs/research/zamba-shared-blocks.md).
//
// Legend: d hidden size, dIn the attention's input width (2d for Zamba2: [hidden, embedding]),
// qW = H dk, kW = Hkv dk, vW = Hkv dv, F feed-forward inner size, r adapter rank, R rows.
//   A run with `weightsOf = j` uses the mixer, feed-forward and norm weights of run j (an earlier
//   run that owns its weights and has the same block): counted once, in run j, for parameters and
//   weight memory; read again by every use in prefill and decode bytes (each use is its own
//   operator); the K/V slot stays each use's own (ModelSpec+Caches.swift: every own-K/V attention
//   layer writes one).
//   Adapters, per use (a run's own weights, never shared):
//     q, k, v:       dIn x r + r x qW (kW, vW) each       FLOPs 2R(dIn r + r out) + R out (the add)
//     gate/up:       d x r + r x 2F                        FLOPs 2R(d r + r 2F) + 2R F
//     output linear: d x d after the block (no bias)       FLOPs 2R d d
//   (Zamba2: the gate/up adapter on every use; q/k/v only with `use_shared_attention_adapter`.)

/// The per-use weights of a block that shares its main weights.
public struct InvocationAdapters: Sendable, Hashable {
    /// r: the inner width of each low-rank adapter.
    public var rank: Int
    /// Low-rank adapters added to the q, k and v products.
    public var onQKV: Bool
    /// A low-rank adapter added to the fused gate/up product of a gated feed-forward.
    public var onGateUp: Bool
    /// A d x d linear (no bias) on the block's output (Zamba2's per-hybrid-layer `linear`).
    public var outputLinear: Bool

    public init(rank: Int, onQKV: Bool, onGateUp: Bool, outputLinear: Bool) {
        self.rank = rank
        self.onQKV = onQKV
        self.onGateUp = onGateUp
        self.outputLinear = outputLinear
    }

    /// (module, inputs, outputs) of the q/k/v adapters' matrices, empty without them.
    public func qkvMatrices(_ a: Attention, hidden d: Int) -> [(String, Int, Int)] {
        guard onQKV else { return [] }
        let i = a.inputWidth ?? d
        return [("q", a.queryWidth), ("k", a.keyWidth), ("v", a.valueWidth)].flatMap { name, out in
            [("self_attn.linear_\(name)_adapter.0", i, rank), ("self_attn.linear_\(name)_adapter.1", rank, out)]
        }
    }

    /// The gate/up adapter's matrices, empty without it or on a feed-forward that is not gated.
    public func gateUpMatrices(_ ff: FeedForward, hidden d: Int) -> [(String, Int, Int)] {
        guard onGateUp, case .gated(let f, _) = ff else { return [] }
        return [("feed_forward.gate_up_proj_adapter.0", d, rank), ("feed_forward.gate_up_proj_adapter.1", rank, 2 * f)]
    }

    /// The output linear's matrix, empty without it.
    public func outputMatrices(hidden d: Int) -> [(String, Int, Int)] {
        outputLinear ? [("linear", d, d)] : []
    }

    /// Weights of the q/k/v adapters and the output linear (attention class), and of the gate/up
    /// adapter (feed-forward class).
    public func parameters(_ block: Block, hidden d: Int) -> (attention: Int128, ffn: Int128) {
        let count: ([(String, Int, Int)]) -> Int128 = { $0.reduce(0) { $0 + Int128($1.1) * Int128($1.2) } }
        let qkv = block.mixer.attention.map { count(qkvMatrices($0, hidden: d)) } ?? 0
        return (qkv + count(outputMatrices(hidden: d)), count(gateUpMatrices(block.feedForward, hidden: d)))
    }
}

extension BlockRun {
    /// Whether these blocks use another run's weights.
    public var sharesWeights: Bool { weightsOf != nil }
}

extension ModelSpec {
    /// Whether any run uses another run's weights or adds per-use adapters (Zamba2): the layouts,
    /// formats, engines and kernels that do not model it refuse such a model by this name.
    public var sharedWeightBlocks: String? {
        guard let run = runs.first(where: { $0.sharesWeights || $0.block.adapters != nil || $0.block.mixer.attention?.inputWidth != nil })
        else { return nil }
        let width = run.block.mixer.attention?.inputWidth ?? hiddenSize
        return "shared-weight blocks (Zamba2's shared transformer blocks with per-use adapters over a \(width)-wide input)"
    }
}

extension Block {
    /// Norm weights of the block: the pre-mixer norm spans the attention's input width when that is
    /// wider than d (Zamba2's RMSNorm over 2d), the others d.
    public func normParameters(hidden d: Int) -> Int128 {
        let extra = norms.count >= 1 ? Int128((mixer.attention?.inputWidth ?? d) - d) * (norms.hasBias ? 2 : 1) : 0
        return norms.parameters(hidden: d) + extra
    }
}

extension ModelSpec {
    /// Run `r`'s weight source and adapters: `weightsOf` names an earlier run that owns its weights
    /// and has the same mixer, feed-forward and norms; adapters sit on attention with its own K/V and
    /// a gated feed-forward; a wider input is at least d.
    func validateSharing(run r: Int, at: String) throws(SpecError) {
        let run = runs[r]
        if let j = run.weightsOf {
            guard j >= 0, j < r, runs[j].weightsOf == nil else {
                throw SpecError(field: "weights_of", constraint: "must name an earlier run that owns its weights\(at)", value: "run \(j)")
            }
            let owner = runs[j].block
            guard (owner.mixer, owner.feedForward, owner.norms) == (run.block.mixer, run.block.feedForward, run.block.norms) else {
                throw SpecError(field: "weights_of", constraint: "must name a run with the same mixer, feed-forward and norms\(at)", value: "run \(j)")
            }
        }
        if let w = run.block.mixer.attention?.inputWidth {
            try SpecError.check("attention_input_width", w, in: hiddenSize...(2 * Limits.maxWidth), at)
        }
        guard let ad = run.block.adapters else { return }
        try SpecError.check("adapter_rank", ad.rank, in: 1...Limits.maxWidth, at)
        if ad.onQKV, run.block.mixer.attention?.writesOwnSlot != true {
            throw SpecError(field: "adapters", constraint: "on q, k and v need attention projecting its own K/V\(at)", value: "\(run.block.mixer)")
        }
        let gated = if case .gated = run.block.feedForward { true } else { false }
        if ad.onGateUp && !gated {
            throw SpecError(field: "adapters", constraint: "on gate/up need a gated feed-forward\(at)", value: "\(run.block.feedForward)")
        }
    }
}
