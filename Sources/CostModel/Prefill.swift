// FLOPs and bytes of a prefill, operator by operator (BRIEF §2, §3; docs/COMPUTE.md).
//
// Legend: B batch, N prompt tokens, M = B*N token rows, d hidden, H heads, Hkv KV heads, dh head
// dim, qW = H*dh, kW = Hkv*dh (a SWA self-decoder uses its own KV heads, H by default), F SwiGLU inner size, V vocabulary, W window, gRet hR heads of dR
// (I = hR*dR), C chunk. w, a, kv, s: bytes per element of weights, activations, KV cache, state.
// Source: the YOCO paper §2-3 and microsoft/unilm YOCO/yoco/models (decoder.py, gate_retention.py,
// cross_attention.py, sliding_window_attention.py).
//
// Per operator, for R rows (R = M for layers over all tokens; R = B for YOCO's cross layers and the
// output head, which run on the last prompt position only):
//   <kind>.projections  attention/SWA: R x d x (qW + 2kW)      other R(4d + 3(qW + kW))  (norm, RoPE q,k)
//                       cross:         R x d x qW              other R(4d + 3qW)
//                       gRet:          R x d x (4I + hR)       other R(4d + 6I + I + 4hR) (norm, RoPE q,k,
//                                                                                      k scale, decay)
//   <kind>.core         attention: 4 H dh per pair (QKᵀ, PV)   other 5 H per pair (softmax) + R qW
//                         (final division) + H dh per row per key tile (online-softmax rescale)
//                       gRet chunkwise, per sequence and head: 4 dR sum(c_j^2) (QKᵀ⊙D, ·V)
//                         + 2 dR^2 (N - c_0) (q·S, first chunk has no state) + 2 dR^2 N (KᵀV update);
//                         other 2 sum(c_j^2) (decay mask D) + N (cumulative decays) + dR^2 (m - 1)
//                         (state decay) + 10 dR N (head norm 4, gate 5, decayed keys 1)
//                         + dR (N - c_0) (decayed queries, no state in the first chunk)
//   <kind>.output       R x qW x d (gRet: R x I x d)           (the residual add is the product's
//                                                          accumulate, beta = 1: not counted apart)
//   <kind>.ffn          R x d x 2F + R x F x d                 other R(4d + 5F) (norm, SwiGLU; residual
//                                                          as in .output)
//   kv_projection       M x d x 2kW (YOCO's K̂, V̂)              other M(4d + 3kW)         (norm, RoPE on K̂)
//   embedding           gather M rows                          other M d (scale by sqrt(d))
//   head                B x d x V (last position only)         other 4 B d (final norm)
// Bytes: every operator reads its weights once per pass, reads its input activations and writes its
// outputs once; K/V go to the cache in the KV dtype; attention reads K/V once per query tile that
// executes them (`ExecutedPairs.keyReads`); gRet writes its final state once; logits are fp32.

extension ModelSpec {
    /// Operator-name prefix of a layer kind.
    static func prefix(_ kind: LayerKind) -> String {
        switch kind {
        case .attention: "attention"
        case .slidingWindowSelf: "swa_self"
        case .gatedRetention: "gret"
        case .cross: "cross"
        }
    }

    /// Key (or value) width of a layer kind's cache: Hkv * dh, or the SWA self-decoder's own KV heads
    /// (the kernels size their K/V buffers with it too).
    public func kvWidth(of kind: LayerKind) -> Int128 {
        if case .slidingWindowSelf = kind { return Int128(swaSelfKVHeads * headDim) }
        return Int128(kvWidth)
    }

    // MARK: Operators shared by prefill and decode (R rows through weights)

    func projectionsOp(_ kind: LayerKind, rows r: Int128, count: Int, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), qW = Int128(heads * headDim), kW = kvWidth(of: kind)
        let w = dt.weights, a = dt.activations, kv = dt.kvCache
        let name = Self.prefix(kind) + ".projections"
        switch kind {
        case .attention, .slidingWindowSelf:
            let f = FlopCount.gemm(r, d, qW + 2 * kW) + .elementwise(r * (4 * d + 3 * (qW + kW)))
            let bytes = w.bytes(elements: d * (qW + 2 * kW)) + a.bytes(elements: r * (d + qW)) + kv.bytes(elements: r * 2 * kW)
            return OperatorCost(name: name, count: count, flops: f, bytes: bytes).with(rows: r)
        case .cross:
            let f = FlopCount.gemm(r, d, qW) + .elementwise(r * (4 * d + 3 * qW))
            let bytes = w.bytes(elements: d * qW) + a.bytes(elements: r * (d + qW))
            return OperatorCost(name: name, count: count, flops: f, bytes: bytes).with(rows: r)
        case .gatedRetention(let h, let dh):
            let hR = Int128(h), i = Int128(h * dh)
            let f = FlopCount.gemm(r, d, 4 * i + hR) + .elementwise(r * (4 * d + 7 * i + 4 * hR))
            let bytes = w.bytes(elements: d * (4 * i + hR)) + a.bytes(elements: r * (d + 4 * i + hR))
            return OperatorCost(name: name, count: count, flops: f, bytes: bytes).with(rows: r)
        }
    }

    func outputOp(_ kind: LayerKind, rows r: Int128, count: Int, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize)
        let inner: Int128
        if case .gatedRetention(let h, let dh) = kind { inner = Int128(h * dh) } else { inner = Int128(heads * headDim) }
        let f = FlopCount.gemm(r, inner, d)
        let bytes = dt.weights.bytes(elements: inner * d) + dt.activations.bytes(elements: r * (inner + 2 * d))
        return OperatorCost(name: Self.prefix(kind) + ".output", count: count, flops: f, bytes: bytes).with(rows: r)
    }

    func ffnOp(_ kind: LayerKind, rows r: Int128, count: Int, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), ff = Int128(ffnSize)
        let f = FlopCount.gemm(r, d, 2 * ff) + .gemm(r, ff, d) + .elementwise(r * (4 * d + 5 * ff))
        let bytes = dt.weights.bytes(elements: 3 * d * ff) + dt.activations.bytes(elements: r * (3 * d + 2 * ff))
        return OperatorCost(name: Self.prefix(kind) + ".ffn", count: count, flops: f, bytes: bytes).with(rows: r)
    }

    func kvProjectionOp(rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), kW = Int128(kvWidth)
        let f = FlopCount.gemm(r, d, 2 * kW) + .elementwise(r * (4 * d + 3 * kW))
        let bytes = dt.weights.bytes(elements: 2 * d * kW) + dt.activations.bytes(elements: r * d) + dt.kvCache.bytes(elements: r * 2 * kW)
        return OperatorCost(name: "kv_projection", flops: f, bytes: bytes).with(rows: r)
    }

    func embeddingOp(rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize)
        return OperatorCost(
            name: "embedding", flops: .elementwise(r * d),
            bytes: dt.weights.bytes(elements: r * d) + dt.activations.bytes(elements: r * d))
    }

    /// Final norm and output projection for `r` rows, fp32 logits.
    func headOp(rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), v = Int128(vocabSize)
        let f = FlopCount.gemm(r, d, v) + .elementwise(4 * r * d)
        let bytes = dt.weights.bytes(elements: v * d + d) + dt.activations.bytes(elements: r * d) + r * v * 4
        return OperatorCost(name: "head", flops: f, bytes: bytes).with(rows: r)
    }

    /// Attention core over `queries` rows per sequence: useful FLOPs from `useful` pairs, executed
    /// FLOPs and key reads from `executed` (both per sequence and head).
    func attentionCoreOp(
        _ kind: LayerKind, batch b: Int128, queries q: Int128, useful: Int128, executed: ExecutedPairs,
        count: Int, _ dt: DTypePlan
    ) -> OperatorCost {
        let h = Int128(heads), qW = Int128(heads * headDim), kW = kvWidth(of: kind)
        let perPair = FlopCount(matmul: 4 * Int128(headDim), other: 5)
        let rowWork = FlopCount.elementwise(b * q * qW)  // output normalisation
        let rescale = FlopCount.elementwise(b * h * Int128(headDim) * executed.rowTileVisits)  // online softmax
        let flops = (b * h * useful) * perPair + rowWork + rescale
        let exec = (b * h * executed.pairs) * perPair + rowWork + rescale
        let bytes = dt.activations.bytes(elements: 2 * b * q * qW) + dt.kvCache.bytes(elements: b * executed.keyReads * 2 * kW)
        var op = OperatorCost(name: Self.prefix(kind) + ".core", count: count, flops: flops, executedFlops: exec, bytes: bytes)
        op.windowed = kind.attentionWindow != nil
        return op
    }

    /// Gated retention, chunkwise over `n` tokens per sequence (formula in the file header).
    func retentionChunkwiseOp(heads h: Int, headDim dh: Int, chunk: Int, batch b: Int128, tokens n: Int128,
                              count: Int, _ dt: DTypePlan) -> OperatorCost {
        let hR = Int128(h), dR = Int128(dh), c = Int128(max(1, chunk))
        let squares = AttentionPairs.chunkSquares(tokens: n, chunk: chunk)
        let chunks = n > 0 ? (n + c - 1) / c : 0
        let first = min(c, n)
        let matmul = 4 * dR * squares + 2 * dR * dR * (n - first) + 2 * dR * dR * n
        let other = 2 * squares + n + dR * dR * max(0, chunks - 1) + 10 * dR * n + dR * (n - first)
        let flops = (b * hR) * FlopCount(matmul: matmul, other: other)
        let i = hR * dR
        let bytes = dt.activations.bytes(elements: b * n * (5 * i + hR)) + dt.state.bytes(elements: b * hR * dR * dR)
        return OperatorCost(name: "gret.core", count: count, flops: flops, bytes: bytes)
    }

    /// The chunk size of the gated-retention self-decoder (the reference's 256 when not YOCO-gRet).
    var retentionChunkTokens: Int {
        if case .yoco(.gatedRetention(_, _, let c), _) = architecture { return c }
        return 256
    }

    // MARK: Prefill

    /// Every operator of a prefill of `batch` prompts of `promptTokens` tokens. YOCO exits early: the
    /// self-decoder and the K̂/V̂ projection run over all N tokens, the cross-decoder and the head over
    /// the last position of each prompt; a Transformer runs every layer over all N tokens and the head
    /// over the last position.
    public func prefillCost(batch: Int, promptTokens: Int, dtypes dt: DTypePlan, tiling: AttentionTiling = .flash128) -> PhaseCost {
        let b = Int128(batch), n = Int128(promptTokens), m = b * n
        var ops: [OperatorCost] = [embeddingOp(rows: m, dt)]
        var useful: Int128 = 0, executed: Int128 = 0
        var kvProjected = false
        for (kind, count) in kindRuns {
            let rows: Int128
            switch kind {
            case .attention, .slidingWindowSelf:
                let window = kind.attentionWindow
                rows = m
                ops.append(projectionsOp(kind, rows: rows, count: count, dt))
                let u = AttentionPairs.useful(tokens: n, window: window)
                let e = AttentionPairs.executed(tokens: n, window: window, tiling: tiling)
                ops.append(attentionCoreOp(kind, batch: b, queries: n, useful: u, executed: e, count: count, dt))
                useful += Int128(count) * b * Int128(heads) * u
                executed += Int128(count) * b * Int128(heads) * e.pairs
            case .gatedRetention(let h, let dh):
                rows = m
                ops.append(projectionsOp(kind, rows: rows, count: count, dt))
                ops.append(retentionChunkwiseOp(heads: h, headDim: dh, chunk: retentionChunkTokens, batch: b, tokens: n, count: count, dt))
            case .cross:
                if !kvProjected {
                    ops.append(kvProjectionOp(rows: m, dt))
                    kvProjected = true
                }
                rows = b  // early exit: the last prompt position only
                ops.append(projectionsOp(kind, rows: rows, count: count, dt))
                // One query row over N keys: a single query tile; key tiles clipped at N execute N keys.
                let block = Int128(max(1, tiling.singleQueryKeyTile ?? tiling.keyTile))
                let e = ExecutedPairs(pairs: n, keyReads: n, rowTileVisits: (n + block - 1) / block)
                ops.append(attentionCoreOp(kind, batch: b, queries: 1, useful: n, executed: e, count: count, dt))
                useful += Int128(count) * b * Int128(heads) * n
                executed += Int128(count) * b * Int128(heads) * n
            }
            ops.append(outputOp(kind, rows: rows, count: count, dt))
            ops.append(ffnOp(kind, rows: rows, count: count, dt))
        }
        ops.append(headOp(rows: b, dt))
        return PhaseCost(operators: ops, usefulAttentionPairs: useful, executedAttentionPairs: executed)
    }
}

extension LayerKind {
    /// The attention window of an attention-like kind (nil: unrestricted or not attention).
    var attentionWindow: Int? {
        switch self {
        case .attention(let w): w
        case .slidingWindowSelf(let w): w
        case .gatedRetention, .cross: nil
        }
    }
}
