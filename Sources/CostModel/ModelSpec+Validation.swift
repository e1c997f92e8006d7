// Structural checks on a model shape, shared by every loader (profile JSON, Hugging Face config).
//
// Bounds are chosen so that no cost-model formula can overflow Int128 for contexts up to
// `Limits.maxContextTokens` and batches up to `Limits.maxBatch` (see Limits.swift), and so that a
// typo (an extra zero, a negative number) is caught instead of producing a silly answer.

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
}

extension ModelSpec {
    /// Throws the first violated constraint, naming the field, the constraint and the value.
    public func validate() throws(SpecError) {
        try check("layers", layers, in: 1...Limits.maxLayers)
        try check("hidden_size", hiddenSize, in: 1...Limits.maxWidth)
        try check("heads", heads, in: 1...Limits.maxHeads)
        try check("kv_heads", kvHeads, in: 1...Limits.maxHeads)
        if heads % kvHeads != 0 {
            throw SpecError(field: "kv_heads", constraint: "must divide `heads` (\(heads))", value: "\(kvHeads)")
        }
        try check("head_dim", headDim, in: 1...Limits.maxHeadDim)
        try check("ffn_size", ffnSize, in: 1...Limits.maxWidth * 8)
        try check("vocab_size", vocabSize, in: 1...Limits.maxVocab)
        if selfDecoderKVHeads != nil, case .yoco(.slidingWindow, _) = architecture {} else if selfDecoderKVHeads != nil {
            throw SpecError(field: "self_kv_heads", constraint: "applies to sliding-window self-decoders only", value: "\(selfDecoderKVHeads!)")
        }
        switch architecture {
        case .transformer(let window):
            if let window { try check("sliding_window", window, in: 1...Limits.maxContextTokens) }
        case .yoco(let selfDecoder, let selfLayers):
            if layers < 2 {
                throw SpecError(field: "layers", constraint: "must be at least 2 for YOCO (one self and one cross layer)", value: "\(layers)")
            }
            try check("self_decoder_layers", selfLayers, in: 1...(layers - 1))
            switch selfDecoder {
            case .gatedRetention(let h, let dh, let chunk):
                try check("gret_heads", h, in: 1...Limits.maxHeads)
                try check("gret_head_dim", dh, in: 1...Limits.maxHeadDim)
                try check("gret_chunk_tokens", chunk, in: 1...Limits.maxContextTokens)
            case .slidingWindow(let w):
                try check("sliding_window", w, in: 1...Limits.maxContextTokens)
                if let s = selfDecoderKVHeads {
                    try check("self_kv_heads", s, in: 1...heads)
                    if heads % s != 0 {
                        throw SpecError(field: "self_kv_heads", constraint: "must divide `heads` (\(heads))", value: "\(s)")
                    }
                }
            }
        }
    }

    private func check(_ field: String, _ value: Int, in range: ClosedRange<Int>) throws(SpecError) {
        guard range.contains(value) else {
            throw SpecError(
                field: field,
                constraint: "must be between \(range.lowerBound) and \(range.upperBound)",
                value: "\(value)")
        }
    }
}
