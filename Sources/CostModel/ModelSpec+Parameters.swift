// Parameter counts by tensor class.
//
// Legend: L, d, H, Hkv, dh, F, V as in ModelSpec; gRet heads hR of dR (inner width hR*dR).
// Per block (YOCO and the paper's Transformers have no biases; BRIEF §2):
//   attention, own K/V:    Wq d*(H*dk), Wk d*(Hkv*dk), Wv d*(Hkv*dv), WO (H*dv)*d
//                          (+ q/k/v biases, output bias d, q/k norms dk each, sinks H: Attention.parameters)
//   attention reading another slot (YOCO cross, CLA, Gemma 3n shared): Wq, WO only
//   gated retention:       Wq, Wk, Wv, WG d*(hR*dR) each, WO (hR*dR)*d, Wgamma d*hR
//   fixed-state mixers:    per kind, FixedStateMixer+Cost.swift (GDN, KDA, lightning, Mamba, Mamba2)
//   no mixer / no feed-forward (Nemotron-H's single-sublayer layers): nothing
//   feed-forward:          gated 3*d*F; two-matrix MLP 2*d*F (+ F + d biases); experts: E routed
//                          experts 3*d*I (+ 2I + d biases), router d*E (+ E), shared 3*d*Is (+ d gate)
//   norms:                 count * d (RMSNorm) or count * 2d (LayerNorm with bias)
// Shared-weight blocks (Zamba2, Model/SharedBlocks.swift): a run using another run's weights adds
// only its per-use adapters (q/k/v adapters and the output linear to attention, gate/up adapter to ffn).
// Once per model: YOCO K̂/V̂ projections 2*d*(Hkv*dh) and their RMSNorm d; final norm d (2d for a
// LayerNorm); embedding V*d (+ learned positions P*d); untied output head V*d.
// Active parameters (what one token uses): the total less the (E - k) routed experts each MoE layer
// leaves idle. The embedding table counts whole, as in the Mixtral "12.9B active" convention.
// Source: the YOCO paper §2 and microsoft/unilm YOCO/yoco/models (gate_retention.py,
// sliding_window_attention.py, cross_attention.py, decoder.py).

/// The classes weights are reported by.
public enum WeightClass: String, CaseIterable, Sendable, Hashable {
    case embedding
    case outputHead = "output_head"
    /// Attention projections: Transformer blocks, SWA self-decoder blocks, cross-decoder Wq/WO.
    case attention
    /// Gated-retention projections Wq, Wk, Wv, WG, WO and the decay projection Wgamma.
    case retention
    /// Fixed-state mixers (linear attention, Mamba): projections, conv, decay and gate vectors,
    /// their inner norms (FixedStateMixer+Cost.swift).
    case stateMixer = "state_mixer"
    /// YOCO's shared K̂/V̂ projections.
    case kvProjection = "kv_projection"
    case ffn
    case norms
}

/// The parts of the feed-forward weights (a finer view of `WeightClass.ffn`, for sharding and
/// quantising experts apart from the rest).
public enum FeedForwardPart: String, CaseIterable, Sendable, Hashable {
    /// Dense feed-forwards (gated or two-matrix).
    case dense
    /// Every routed expert of every MoE layer.
    case routedExperts = "routed_experts"
    /// Shared experts (and their gates).
    case sharedExperts = "shared_experts"
    /// Router weights and biases.
    case router
}

/// Parameter counts per class. Counts are Int128 so that no profile can overflow them.
public struct ParameterCount: Sendable, Hashable {
    public var byClass: [WeightClass: Int128]
    /// `byClass[.ffn]` split by part (sums to it).
    public var ffnByPart: [FeedForwardPart: Int128] = [:]
    /// Weights of the routed experts a token does not use, summed over MoE layers: (E - k) x one
    /// expert per layer (0 for a dense model).
    public var idleExpertParameters: Int128 = 0

    public init(byClass: [WeightClass: Int128], ffnByPart: [FeedForwardPart: Int128] = [:], idleExpertParameters: Int128 = 0) {
        self.byClass = byClass
        self.ffnByPart = ffnByPart
        self.idleExpertParameters = idleExpertParameters
    }

    public var total: Int128 { byClass.values.reduce(0, +) }

    /// The parameters one token uses (total for a dense model; `total - idleExpertParameters`).
    public var active: Int128 { total - idleExpertParameters }

    /// Everything but the embedding and the output head (the convention of the YOCO paper).
    public var nonEmbedding: Int128 {
        total - (byClass[.embedding] ?? 0) - (byClass[.outputHead] ?? 0)
    }

    public subscript(_ c: WeightClass) -> Int128 { byClass[c] ?? 0 }
}

extension Attention {
    /// Attention weights of one layer: Wq d*(H*dk), Wo (H*dv)*d and, when it writes its own slot,
    /// Wk d*(Hkv*dk), Wv d*(Hkv*dv) (q, k, v read `inputWidth` instead of d when it is set); biases H*dk (+ Hkv*dk + Hkv*dv) and d; q/k norms dk each
    /// (one weight vector shared by the heads, as Qwen3 and Gemma 3 do); sinks H; an output gate
    /// d*(H*dv).
    public func parameters(hidden d: Int) -> Int128 {
        let dIn = Int128(inputWidth ?? d), d = Int128(d)
        let own = writesOwnSlot
        var n = dIn * Int128(queryWidth) + Int128(outputWidth) * d
        if own { n += dIn * Int128(keyWidth + valueWidth) }
        if qkvBias { n += Int128(queryWidth) + (own ? Int128(keyWidth + valueWidth) : 0) }
        if outputBias { n += d }
        if qkNorm { n += Int128(headDim) * (own ? 2 : 1) }
        if sinks { n += Int128(heads) }
        if outputGate { n += d * Int128(outputWidth) }
        return n
    }
}

extension ModelSpec {
    public var parameterCount: ParameterCount {
        let d = Int128(hiddenSize)
        var c: [WeightClass: Int128] = [:]
        for kind in WeightClass.allCases { c[kind] = 0 }
        var parts: [FeedForwardPart: Int128] = [:]
        for part in FeedForwardPart.allCases { parts[part] = 0 }
        var idle: Int128 = 0

        for run in runs {
            let n = Int128(run.count)
            if let a = run.block.adapters {
                let p = a.parameters(run.block, hidden: hiddenSize)
                c[.attention]! += n * p.attention
                c[.ffn]! += n * p.ffn
                parts[.dense]! += n * p.ffn
            }
            guard !run.sharesWeights else { continue }  // counted in the run that owns them
            for (kind, p) in layerParameters(run.block) { c[kind]! += n * p }
            let ff = run.block.feedForward
            if let e = ff.experts {
                parts[.routedExperts]! += n * Int128(e.count) * e.expertParameters(hidden: hiddenSize)
                parts[.sharedExperts]! += n * e.sharedParameters(hidden: hiddenSize)
                parts[.router]! += n * e.routerParameters(hidden: hiddenSize)
                idle += n * (ff.parameters(hidden: hiddenSize) - ff.activeParameters(hidden: hiddenSize))
            } else {
                parts[.dense]! += n * ff.parameters(hidden: hiddenSize)
            }
        }
        if let s = sharedKV {
            c[.kvProjection]! += 2 * d * Int128(s.width)
            c[.norms]! += d
        }
        c[.norms]! += finalNorm.parameters(hidden: hiddenSize)
        c[.embedding]! += Int128(vocabSize) * d + Int128(positionEmbeddingRows) * d
        if !tiedEmbeddings { c[.outputHead]! += Int128(vocabSize) * d }
        return ParameterCount(byClass: c, ffnByPart: parts, idleExpertParameters: idle)
    }

    /// Parameters of one layer of `block`, by class (mixer, feed-forward, norms).
    public func layerParameters(_ block: Block) -> [WeightClass: Int128] {
        let d = Int128(hiddenSize)
        var c: [WeightClass: Int128] = [:]
        switch block.mixer {
        case .attention(let a):
            c[.attention] = a.parameters(hidden: hiddenSize)
        case .gatedRetention(let g):
            c[.retention] = d * Int128(g.innerWidth) * 5 + d * Int128(g.heads)
        case .fixedState(let m):
            c[.stateMixer] = m.parameters(hidden: hiddenSize)
        case .identity:
            break
        case .latentAttention(let m):
            c[.attention] = m.parameters(hidden: hiddenSize)
        }
        c[.ffn] = block.feedForward.parameters(hidden: hiddenSize)
        c[.norms] = block.normParameters(hidden: hiddenSize)
        return c
    }
}
