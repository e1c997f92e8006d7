// Parameter counts by tensor class.
//
// Legend: L, d, H, Hkv, dh, F, V as in ModelSpec; gRet heads hR of dR (inner width hR*dR).
// Per block (no biases anywhere; BRIEF §2):
//   attention:             Wq d*(H*dh), Wk d*(Hkv*dh), Wv d*(Hkv*dh), WO (H*dh)*d
//   SWA self:              the same with Hs = swaSelfKVHeads (H by default) in place of Hkv
//   gated retention:       Wq, Wk, Wv, WG d*(hR*dR) each, WO (hR*dR)*d, Wgamma d*hR
//   cross:                 Wq d*(H*dh), WO (H*dh)*d   (K̂/V̂ are shared, counted once below)
//   every block:           SwiGLU 3*d*F, two RMSNorm weights 2*d
// Once per model: YOCO K̂/V̂ projections 2*d*(Hkv*dh) and their RMSNorm d; final RMSNorm d;
// embedding V*d; untied output head V*d.
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
    /// YOCO's shared K̂/V̂ projections.
    case kvProjection = "kv_projection"
    case ffn
    case norms
}

/// Parameter counts per class. Counts are Int128 so that no profile can overflow them.
public struct ParameterCount: Sendable, Hashable {
    public var byClass: [WeightClass: Int128]

    public var total: Int128 { byClass.values.reduce(0, +) }

    /// Everything but the embedding and the output head (the convention of the YOCO paper).
    public var nonEmbedding: Int128 {
        total - (byClass[.embedding] ?? 0) - (byClass[.outputHead] ?? 0)
    }

    public subscript(_ c: WeightClass) -> Int128 { byClass[c] ?? 0 }
}

extension ModelSpec {
    public var parameterCount: ParameterCount {
        let d = Int128(hiddenSize)
        let qWidth = Int128(heads * headDim)
        let kvW = Int128(kvWidth)
        var c: [WeightClass: Int128] = [:]
        for kind in WeightClass.allCases { c[kind] = 0 }

        for (kind, count) in kindRuns {
            let n = Int128(count)
            switch kind {
            case .attention:
                c[.attention]! += n * (d * qWidth * 2 + d * kvW * 2)
            case .slidingWindowSelf:
                c[.attention]! += n * (d * qWidth * 2 + d * Int128(swaSelfKVHeads * headDim) * 2)
            case .gatedRetention(let h, let dh):
                let inner = Int128(h * dh)
                c[.retention]! += n * (d * inner * 5 + d * Int128(h))
            case .cross:
                c[.attention]! += n * d * qWidth * 2
            }
            c[.ffn]! += n * 3 * d * Int128(ffnSize)
            c[.norms]! += n * 2 * d
        }
        if isYOCO {
            c[.kvProjection]! += 2 * d * kvW
            c[.norms]! += d
        }
        c[.norms]! += d  // final RMSNorm
        c[.embedding]! += Int128(vocabSize) * d
        if !tiedEmbeddings { c[.outputHead]! += Int128(vocabSize) * d }
        return ParameterCount(byClass: c)
    }
}
