// Weights, FLOPs and bytes of the fixed-state mixers (shapes and legend: FixedStateMixer.swift;
// the prose with shapes: docs/COMPUTE.md, "Fixed-state mixers").
//
// Element-wise conventions (one count per element): norm 4 (square, sum, scale, weight), SiLU,
// sigmoid and softplus 4, exp 1, each multiply or add 1, a conv tap 2 (multiply-add). Outer
// products and contractions with the state are matrix work (`matmul`), decays are `other`.
//
// Weights per layer (d hidden):
//   GDN        in_proj_qkvz d(2 nk dk + 2 nv dv), in_proj_ba d(2 nv), conv C K (C = 2 nk dk + nv dv;
//              + C bias when stated), A_log nv, dt_bias nv, gated RMSNorm dv (one per-head weight),
//              out_proj nv dv d
//   KDA        q, k, v d h(2 dk + dv), conv C K (C = h(2 dk + dv)), f_a d dv, f_b dv h dk, g_a d dv,
//              g_b dv h dv, b_proj d h, A_log h, dt_bias h dk, o_norm dv, o_proj h dv d
//   lightning  qkv d 3 h dh, output gate d h dh, norm h dh, out h dh d
//   Mamba      in_proj d 2 di (+ 2 di bias), conv di K (+ di bias), x_proj di (R + 2N), dt_proj R di + di,
//              A_log di N, D di, Jamba's dt/B/C norms R + 2N, out_proj di d (+ d bias)
//   Mamba2     in_proj d (2 di + 2 G N + hm) (+ bias), conv C K (C = di + 2 G N; + C bias), dt_bias,
//              A_log, D hm each, gated RMSNorm di, out_proj di d (+ d bias)
// Input-side products per token (multiply-adds): every input weight matrix above (the conv, the
// per-head vectors and the norms are element-wise). Output: I d.
//
// Recurrence per token and sequence (decode; the `core` operator):
//   GDN        per value head: Sᵀk, k uᵀ, Sᵀq: 6 dk dv matmul; decay dk dv, u = β(v - Sᵀk) 2 dv,
//              gates β, g 8, gated norm on the output 9 dv; per key head l2norm q, k and scale q 9 dk
//   KDA        as GDN with the decay per key channel: gates 5 dk + 4 per head instead of 8
//   lightning  per head S = λS + kᵀv, o = qS: 4 dh² matmul; decay dh², norm and gate 9 dh
//   Mamba      per channel: ΔBx outer product and Cᵀh 4N matmul; decay N, exp(ΔA) 2N, softplus 4,
//              Δx 1, D skip 2, SiLU gate 5: 3N + 12
//   Mamba2     per head: outer product (Δx)Bᵀ and hC 4 P N matmul; decay P N, softplus and exp(ΔA) 6,
//              Δx P, D skip 2P, gated norm 9P: P N + 12 P + 6
// Prefill (n tokens per sequence; S2 = sum of squared chunk sizes, T2 = sum c(c - 1), m chunks):
//   GDN, KDA   chunkwise delta rule, per value head: A = β K Kᵀ 2 dk S2, the triangular solve of
//              (I + A) against βK and βV (forward substitution) (dk + dv) T2, W S, Q S and Kᵀ U'
//              6 dk dv n, Q Kᵀ 2 dk S2, its product with U' 2 dv S2; other: decay mask 2 S2, cumulative
//              decays n, state decay dk dv m, and the per-token element-wise work of the decode step
//              without its state decay
//   lightning  blockwise (c = `block_size`): per head 4 dh S2 (Q Kᵀ ⊙ D, · V) + 4 dh² n (q S, kᵀv);
//              other 2 S2 + dh² m + 11 dh n (decays on q and k, norm and gate)
//   Mamba      the selective scan runs the recurrence token by token: n decode steps
//   Mamba2     SSD chunkwise: C Bᵀ per group 2 N S2 G; per head (C Bᵀ ⊙ L) X 2 P S2, chunk states and
//              the state's contribution 4 N P n; other per head 2 S2 (segment sums) + P N m (state
//              passing) + n(12 P + 6)
// Short conv: 2 K C per token (taps) + 4 C (SiLU), in the projections operator.

extension FixedStateMixer {
    /// Weights of the input side (every weight but the output projection).
    public func inputParameters(hidden d: Int) -> Int128 {
        let products = inputMultiplyAdds(hidden: d)
        let h = Int128(heads), dk = Int128(keyDim), dv = Int128(valueDim)
        let c = Int128(convChannels), k = Int128(convKernel), bias = convBias ? c : 0
        switch kind {
        case .gatedDeltaNet:
            return products + c * k + bias + 2 * h + dv
        case .kimiDelta:
            return products + c * k + bias + h + h * dk + dv
        case .lightning:
            return products + h * dv
        case .mamba:
            let di = h, n = dk, r = Int128(timeStepRank)
            return products + (projectionBias ? 2 * di : 0) + c * k + bias + di
                + di * n + di + (timeStepNorms ? r + 2 * n : 0)
        case .mamba2:
            let di = h * dv, g = Int128(groups)
            return products + (projectionBias ? 2 * di + 2 * g * dk + h : 0) + c * k + bias
                + 3 * h + di
        }
    }

    /// Multiply-adds per token of the input side's products with weights.
    public func inputMultiplyAdds(hidden d: Int) -> Int128 {
        let d = Int128(d), h = Int128(heads), nk = Int128(keyHeads), dk = Int128(keyDim), dv = Int128(valueDim)
        switch kind {
        case .gatedDeltaNet: return d * (2 * nk * dk + 2 * h * dv + 2 * h)
        case .kimiDelta: return d * h * (2 * dk + dv) + d * dv + dv * h * dk + d * dv + dv * h * dv + d * h
        case .lightning: return d * 4 * h * dv
        case .mamba:
            let r = Int128(timeStepRank)
            return d * 2 * h + h * (r + 2 * dk) + r * h
        case .mamba2: return d * (2 * h * dv + 2 * Int128(groups) * dk + h)
        }
    }

    /// Elements the input side writes per token (its products' outputs: q, k, v, gates, Δ, B, C).
    public var projectionWidth: Int128 {
        let h = Int128(heads), nk = Int128(keyHeads), dk = Int128(keyDim), dv = Int128(valueDim)
        switch kind {
        case .gatedDeltaNet: return 2 * nk * dk + 2 * h * dv + 2 * h
        case .kimiDelta: return h * (2 * dk + dv) + 2 * dv + h * dk + h * dv + h
        case .lightning: return 4 * h * dv
        case .mamba: return 2 * h + Int128(timeStepRank) + 2 * dk + h
        case .mamba2: return 2 * h * dv + 2 * Int128(groups) * dk + h
        }
    }

    /// Element-wise FLOPs per token of the input side beyond the block's norm: the conv and its
    /// SiLU, Jamba's dt/B/C norms, lightning's SiLU on q, k, v.
    public var projectionOtherFlopsPerToken: Int128 {
        let c = Int128(convChannels), k = Int128(convKernel)
        let conv = kind.hasConv ? 2 * k * c + 4 * c + (convBias ? c : 0) : 0
        switch kind {
        case .lightning: return 4 * 3 * Int128(heads) * Int128(valueDim)
        case .mamba: return conv + (timeStepNorms ? 4 * (Int128(timeStepRank) + 2 * Int128(keyDim)) : 0)
        case .gatedDeltaNet, .kimiDelta, .mamba2: return conv
        }
    }

    /// Weights of the output projection: I d (+ d bias).
    public func outputParameters(hidden d: Int) -> Int128 {
        Int128(innerWidth) * Int128(d) + (projectionBias ? Int128(d) : 0)
    }

    /// Every weight of the layer's mixer.
    public func parameters(hidden d: Int) -> Int128 { inputParameters(hidden: d) + outputParameters(hidden: d) }

    /// The recurrence of one decode step, per sequence (formulas in the file header).
    public var decodeCoreFlops: FlopCount {
        let h = Int128(heads), nk = Int128(keyHeads), dk = Int128(keyDim), dv = Int128(valueDim)
        switch kind {
        case .gatedDeltaNet:
            return FlopCount(matmul: h * 6 * dk * dv, other: h * (dk * dv + 11 * dv + 8) + nk * 9 * dk)
        case .kimiDelta:
            return FlopCount(matmul: h * 6 * dk * dv, other: h * (dk * dv + 11 * dv + 5 * dk + 4) + h * 9 * dk)
        case .lightning:
            return FlopCount(matmul: h * 4 * dk * dv, other: h * (dk * dv + 9 * dv))
        case .mamba:
            return FlopCount(matmul: h * 4 * dk, other: h * (3 * dk + 12))
        case .mamba2:
            return FlopCount(matmul: h * 4 * dv * dk, other: h * (dv * dk + 12 * dv + 6))
        }
    }

    /// The recurrence over a prompt of `n` tokens, per sequence (chunkwise forms; file header).
    public func prefillCoreFlops(tokens n: Int128) -> FlopCount {
        guard n > 0 else { return .zero }
        let h = Int128(heads), dk = Int128(keyDim), dv = Int128(valueDim)
        let c = Int128(max(1, chunkTokens))
        let s2 = AttentionPairs.chunkSquares(tokens: n, chunk: chunkTokens)
        let chunks = (n + c - 1) / c
        let last = n - (chunks - 1) * c
        let t2 = (chunks - 1) * c * (c - 1) + last * (last - 1)
        let step = decodeCoreFlops
        switch kind {
        case .gatedDeltaNet, .kimiDelta:
            let matmul = h * (4 * dk * s2 + 2 * dv * s2 + (dk + dv) * t2 + 6 * dk * dv * n)
            let perTokenOther = step.other - h * dk * dv  // the decode step's element-wise work but its state decay
            let other = h * (2 * s2 + n + dk * dv * chunks) + n * perTokenOther
            return FlopCount(matmul: matmul, other: other)
        case .lightning:
            return FlopCount(matmul: h * (4 * dk * s2 + 4 * dk * dv * n), other: h * (2 * s2 + dk * dv * chunks + 11 * dv * n))
        case .mamba:
            return n * step
        case .mamba2:
            let g = Int128(groups)
            let matmul = g * 2 * dk * s2 + h * (2 * dv * s2 + 4 * dk * dv * n)
            let other = h * (2 * s2 + dv * dk * chunks + n * (12 * dv + 6))
            return FlopCount(matmul: matmul, other: other)
        }
    }
}
