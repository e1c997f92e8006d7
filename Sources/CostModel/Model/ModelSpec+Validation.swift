// Structural checks on a model's runs of blocks, shared by every loader (yocoprof profiles check
// their shorthand first, with its own field names: FamilyShape.validate).
//
// Bounds are chosen so that no cost-model formula can overflow Int128 for contexts up to
// `Limits.maxContextTokens` and batches up to `Limits.maxBatch` (see Limits.swift). A K/V source
// must name a slot that exists and whose geometry the reader shares.

/// A value that breaks a constraint. `field` uses the profile's snake_case key.
public struct SpecError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var constraint: String
    public var value: String

    public init(field: String, constraint: String, value: String) {
        self.field = field
        self.constraint = constraint
        self.value = value
    }

    public var description: String { "`\(field)` \(constraint); received \(value)" }

    static func check(_ field: String, _ value: Int, in range: ClosedRange<Int>, _ whereText: String = "") throws(SpecError) {
        guard range.contains(value) else {
            throw SpecError(field: field, constraint: "must be between \(range.lowerBound) and \(range.upperBound)\(whereText)", value: "\(value)")
        }
    }
}

extension ModelSpec {
    /// Throws the first violated constraint, naming the field, the constraint and the value.
    public func validate() throws(SpecError) {
        try SpecError.check("layers", layers, in: 1...Limits.maxLayers)
        try SpecError.check("hidden_size", hiddenSize, in: 1...Limits.maxWidth)
        try SpecError.check("vocab_size", vocabSize, in: 1...Limits.maxVocab)
        try SpecError.check("position_embeddings", positionEmbeddingRows, in: 0...Limits.maxContextTokens)
        if let m = maxPositionEmbeddings { try SpecError.check("max_position_embeddings", m, in: 1...Int(Int32.max)) }
        let starts = runStarts
        let blocks = runs.count <= 1 ? [] : layerBlocks  // per-layer lookups only where a slot is shared
        for (r, run) in runs.enumerated() {
            let at = " (layer \(starts[r]))"
            try SpecError.check("layers", run.count, in: 1...Limits.maxLayers, at)
            try validateSharing(run: r, at: at)
            if let e = run.block.feedForward.experts {
                try e.validate(at: at)
            } else if run.block.feedForward != .identity {
                try SpecError.check("ffn_size", run.block.feedForward.inner, in: 1...Limits.maxWidth * 8, at)
            } else if run.block.mixer == .identity {
                throw SpecError(field: "layers", constraint: "must each have a mixer or a feed-forward\(at)", value: "neither")
            }
            switch run.block.mixer {
            case .identity: break
            case .fixedState(let m): try m.validate(at)
            case .latentAttention(let m):
                try m.validate(at: at)
            case .gatedRetention(let g):
                try SpecError.check("gret_heads", g.heads, in: 1...Limits.maxHeads, at)
                try SpecError.check("gret_head_dim", g.headDim, in: 1...Limits.maxHeadDim, at)
                try SpecError.check("gret_chunk_tokens", g.chunkTokens, in: 1...Limits.maxContextTokens, at)
            case .attention(let a):
                try SpecError.check("heads", a.heads, in: 1...Limits.maxHeads, at)
                try SpecError.check("kv_heads", a.kvHeads, in: 1...Limits.maxHeads, at)
                if a.heads % a.kvHeads != 0 {
                    throw SpecError(field: "kv_heads", constraint: "must divide `heads` (\(a.heads))\(at)", value: "\(a.kvHeads)")
                }
                try SpecError.check("head_dim", a.headDim, in: 1...Limits.maxHeadDim, at)
                try SpecError.check("value_head_dim", a.valueHeadDim, in: 1...Limits.maxHeadDim, at)
                switch a.span {
                case .full: break
                case .sliding(let w): try SpecError.check("sliding_window", w, in: 1...Limits.maxContextTokens, at)
                case .chunked(let c): try SpecError.check("attention_chunk_size", c, in: 1...Limits.maxContextTokens, at)
                }
                switch a.kv {
                case .own: break
                case .layer(let j):
                    guard j >= 0, j < starts[r], case .attention(let w)? = blocks.indices.contains(j) ? blocks[j].mixer : nil, w.kv == .own else {
                        throw SpecError(field: "kv_source", constraint: "must name an earlier layer that writes its own K/V\(at)", value: "layer \(j)")
                    }
                    if (w.kvHeads, w.headDim, w.valueHeadDim, w.span) != (a.kvHeads, a.headDim, a.valueHeadDim, a.span) {
                        throw SpecError(field: "kv_source", constraint: "must have the reader's KV heads, head dims and span\(at)", value: "layer \(j)")
                    }
                case .sharedProjection:
                    guard let s = sharedKV else {
                        throw SpecError(field: "kv_source", constraint: "names the shared K/V projection, which the model lacks\(at)", value: "shared")
                    }
                    if a.kvHeads != s.kvHeads || a.headDim != s.headDim || a.valueHeadDim != s.headDim || a.span != .full {
                        throw SpecError(field: "kv_heads", constraint: "of a cross layer must be the shared projection's (\(s.kvHeads) of \(s.headDim), full span)\(at)", value: "\(a.kvHeads) of \(a.headDim)")
                    }
                }
            }
        }
        if let s = sharedKV {
            try SpecError.check("kv_heads", s.kvHeads, in: 1...Limits.maxHeads)
            try SpecError.check("head_dim", s.headDim, in: 1...Limits.maxHeadDim)
            guard let first = firstCrossRun else {
                throw SpecError(field: "cross_decoder", constraint: "must have at least one layer reading the shared K/V projection", value: "none")
            }
            if first == 0 {
                throw SpecError(field: "self_decoder_layers", constraint: "must be at least 1 (the shared K/V is projected from the self-decoder's output)", value: "0")
            }
            if runs[first...].contains(where: { $0.block.mixer.attention?.kv != .sharedProjection }) {
                throw SpecError(field: "cross_decoder", constraint: "must be the last layers: every layer after the first cross layer reads the shared K/V", value: "a self layer after layer \(starts[first])")
            }
        }
    }
}

extension FixedStateMixer {
    /// Bounds that keep every formula of FixedStateMixer+Cost.swift inside Int128 (as for attention).
    func validate(_ at: String) throws(SpecError) {
        let p = kind.rawValue
        try SpecError.check("\(p)_heads", heads, in: 1...(kind == .mamba ? Limits.maxWidth * 8 : Limits.maxHeads), at)
        try SpecError.check("\(p)_key_heads", keyHeads, in: 1...heads, at)
        if heads % keyHeads != 0 {
            throw SpecError(field: "\(p)_key_heads", constraint: "must divide the value heads (\(heads))\(at)", value: "\(keyHeads)")
        }
        try SpecError.check("\(p)_key_dim", keyDim, in: 1...Limits.maxHeadDim, at)
        try SpecError.check("\(p)_value_dim", valueDim, in: 1...Limits.maxHeadDim, at)
        try SpecError.check("\(p)_chunk_tokens", chunkTokens, in: 1...Limits.maxContextTokens, at)
        if kind.hasConv { try SpecError.check("\(p)_conv_kernel", convKernel, in: 1...64, at) }
        try SpecError.check("\(p)_groups", groups, in: 1...heads, at)
        if kind == .mamba2 && heads % groups != 0 {
            throw SpecError(field: "\(p)_groups", constraint: "must divide the heads (\(heads))\(at)", value: "\(groups)")
        }
        try SpecError.check("\(p)_time_step_rank", timeStepRank, in: (kind == .mamba ? 1 : 0)...Limits.maxWidth, at)
    }
}
