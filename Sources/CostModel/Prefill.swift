// FLOPs and bytes of a prefill, operator by operator (BRIEF §2, §3; docs/COMPUTE.md).
//
// Legend: B batch, N prompt tokens, M = B*N token rows, d hidden; per block run: H heads, Hkv KV
// heads, dk key and dv value head dims, qW = H*dk, oW = H*dv, kW = Hkv*dk, vW = Hkv*dv (formulas
// below write dh for dk = dv and kW for either), F feed-forward inner size, W window or chunk, gRet
// hR heads of dR (I = hR*dR), C chunk; V vocabulary. w, a, kv, s: bytes per element of weights,
// activations, KV cache, state. Each block run is one set of operators with `count` = its layers;
// a run's label names it: `attention`, `swa_self` (a YOCO self-decoder's attention), `cross`
// (reads YOCO's shared K̂/V̂), `gret`.
// Source: the YOCO paper §2-3 and microsoft/unilm YOCO/yoco/models (decoder.py, gate_retention.py,
// cross_attention.py, sliding_window_attention.py).
//
// Per operator, for R rows (R = M for layers over all tokens; R = B for YOCO's cross layers and the
// output head, which run on the last prompt position only):
//   <kind>.projections  attention/SWA: R x d x (qW + 2kW)      other R(4d + 3(qW + kW))  (norm, RoPE q,k; no 3(qW + kW) without RoPE)
//                       cross, or any layer reading another's slot (CLA, Gemma 3n):
//                                      R x d x qW              other R(4d + 3qW)
//                       + R(qW + 2kW) other for q/k/v biases, + 4R(qW + kW) for q/k norms
//                       + R x d x oW and 5 R oW other for an output gate (Qwen3-Next: sigmoid, product)
//                       gRet:          R x d x (4I + hR)       other R(4d + 6I + I + 4hR) (norm, RoPE q,k,
//                                                                                      k scale, decay)
//                       fixed-state:   R x (input multiply-adds)  other R(4d + conv taps and SiLU, ...)
//                                      (FixedStateMixer+Cost.swift); weights: every input-side weight
//                       no mixer (a feed-forward-only layer): no projections, core or output operator
//                       a wider input dIn (Zamba2's [hidden, embedding]): dIn for d in the product,
//                         the norm and the input read; per-use adapters: SharedBlocks+Cost.swift
//   <kind>.core         attention: 4 H dh per pair (QKᵀ, PV)   other 5 H per pair (softmax) + R qW
//                         (final division) + H dh per row per key tile (online-softmax rescale)
//                       gRet chunkwise, per sequence and head: 4 dR sum(c_j^2) (QKᵀ⊙D, ·V)
//                         + 2 dR^2 (N - c_0) (q·S, first chunk has no state) + 2 dR^2 N (KᵀV update);
//                         other 2 sum(c_j^2) (decay mask D) + N (cumulative decays) + dR^2 (m - 1)
//                         (state decay) + 10 dR N (head norm 4, gate 5, decayed keys 1)
//                         + dR (N - c_0) (decayed queries, no state in the first chunk)
//                       + R H other with sinks (one extra logit per row and head)
//                       fixed-state mixers (GDN, KDA, lightning, Mamba, Mamba2): the chunkwise forms of
//                         FixedStateMixer+Cost.swift, per sequence; bytes: the projections' outputs in and
//                         I out per token, the final state (conv window and recurrent) written once
//   <kind>.output       R x oW x d (gRet: R x I x d)           (the residual add is the product's
//                                                          accumulate, beta = 1: not counted apart;
//                                                          bytes where add kernels are priced: below)
//                       + R d other for an output bias, + 4 R d per norm beyond two (Gemma's post-norms)
//   <kind>.ffn          gated: R x d x 2F + R x F x d           other R(4d + 5F) (norm, activation and
//                                                          product; residual as in .output)
//                       MLP:   R x d x F + R x F x d            other R(4d + 4F) (+ R(F + d) biases)
//                       (a block with one norm, Falcon's parallel block, has no 4d here)
//                       no feed-forward (a mixer-only layer): no ffn operator
//                       experts (E of I, k active, shared Is; FeedForward/Experts.swift):
//                              router R x d x E + k R x (d x 2I + I x d) + shared R x d x 2Is + R x Is x d
//                              (+ R x d x 1 shared gate); other R(4d + 5E + k(5I + 2d) + 5Is)
//                              (norm, router softmax, activations, weighted sum of the k outputs;
//                              + R(E) router bias, + Rk(2I + d) expert biases, + R(d + 4) shared gate)
//                              bytes: router and shared weights, and the expected distinct experts
//                              the R rows touch (uniform routing unless stated) x one expert's weights
//   Chunked-local attention (C): useful pairs sum over chunks c(c+1)/2, executed by the tile rule
//   with each query tile's keys from its first row's chunk start (AttentionPairs).
//   kv_projection       M x d x 2kW (YOCO's K̂, V̂)              other M(4d + 3kW)         (norm, RoPE on K̂)
//   embedding           gather M rows                          other M d (scale by sqrt(d))
//   head                B x d x V (last position only)         other 4 B d (final norm)
// Bytes: every operator reads its weights once per pass, reads its input activations and writes its
// outputs once; K/V go to the cache in the KV dtype; attention reads K/V once per query tile that
// executes them (`ExecutedPairs.keyReads`); gRet writes its final state once; logits are fp32.
// These bytes count the work fused, as above. Where a profile prices the element-wise kernels apart
// (the GPU files with element-wise curves), those kernels charge the norm, activation and residual
// traffic and the operators move their products' traffic only: `OperatorCost.unfusedByteDelta`, set
// below, the rule in docs/GPU-EFFICIENCY.md ("Each byte once") and Roofline+Elementwise.swift.

extension ModelSpec {
    /// The label of a run's operators: `gret`, `cross` (reads the shared K̂/V̂), `swa_self` (attention
    /// in a YOCO self-decoder) or `attention`.
    public func operatorLabel(run r: Int) -> String {
        switch runs[r].block.mixer {
        case .gatedRetention: return "gret"
        case .fixedState(let m): return m.kind.rawValue
        case .identity: return "feed_forward"
        case .latentAttention: return "mla"
        case .attention(let a):
            if a.kv == .sharedProjection { return "cross" }
            if let first = firstCrossRun, r < first { return "swa_self" }
            return "attention"
        }
    }

    func opID(_ r: Int, _ part: OperatorPart) -> OperatorID { OperatorID(run: r, label: operatorLabel(run: r), part: part) }

    // MARK: Operators shared by prefill and decode (R rows through weights)

    func projectionsOp(run ri: Int, rows r: Int128, _ dt: DTypePlan, latentForm form: LatentAttentionForm? = nil) -> OperatorCost {
        let run = runs[ri], d = Int128(hiddenSize)
        let act = dt.activations, kv = dt.kvCache
        let count = run.count
        switch run.block.mixer {
        case .attention(let a):
            let qW = Int128(a.queryWidth), kW = Int128(a.keyWidth), vW = Int128(a.valueWidth)
            let own = a.writesOwnSlot
            let gateW = a.outputGate ? Int128(a.outputWidth) : 0
            let outW = qW + gateW + (own ? kW + vW : 0)
            var other = r * (4 * d + (a.rope ? 3 : 0) * (qW + (own ? kW : 0)) + 5 * gateW)
            let biasW = outW - gateW
            if a.qkvBias { other += r * biasW }
            if a.qkNorm { other += 4 * r * (qW + (own ? kW : 0)) }
            // Zamba2's shared attention reads a wider input (its norm too): dIn for d.
            let dI = a.inputWidth ?? hiddenSize, dIn = Int128(dI), layer = runStarts[ri]
            if dI != hiddenSize { other += r * 4 * (dIn - d) }
            let adapters = adapterCost(run: ri, part: .projections, rows: r, dt)
            let f = FlopCount.gemm(r, dIn, outW) + .elementwise(other) + adapters.flops
            var mats = [("self_attn.q_proj", dI, a.queryWidth + (a.outputGate ? a.outputWidth : 0))]
            if own { mats += [("self_attn.k_proj", dI, a.keyWidth), ("self_attn.v_proj", dI, a.valueWidth)] }
            var bytes = readBytes(mats, vectors: a.qkvBias ? biasW : 0, layer: layer, dt) + act.bytes(elements: r * (dIn + qW + gateW)) + adapters.bytes
            if own { bytes += kv.bytes(elements: r * (kW + vW)) }
            return OperatorCost(opID(ri, .projections), count: count, flops: f, bytes: bytes).with(rows: r)
                .oneRowCalls(rows: r, matrices: mats.map { ($0.1, $0.2) }, dt)
        case .gatedRetention(let g):
            let hR = Int128(g.heads), i = Int128(g.innerWidth)
            let f = FlopCount.gemm(r, d, 4 * i + hR) + .elementwise(r * (4 * d + 7 * i + 4 * hR))
            let mats = ["q_proj", "k_proj", "v_proj", "g_proj"].map { ("retention.\($0)", hiddenSize, g.innerWidth) }
                + [("retention.gamma_proj", hiddenSize, g.heads)]
            let bytes = readBytes(mats, vectors: 0, layer: runStarts[ri], dt) + act.bytes(elements: r * (d + 4 * i + hR))
            return OperatorCost(opID(ri, .projections), count: count, flops: f, bytes: bytes).with(rows: r)
                .oneRowCalls(rows: r, matrices: mats.map { ($0.1, $0.2) }, dt)
        case .fixedState(let m):
            let f = FlopCount.gemm(r, 1, m.inputMultiplyAdds(hidden: hiddenSize)) + .elementwise(r * (4 * d + m.projectionOtherFlopsPerToken))
            let mats = Self.mixerMatrices(run.block.mixer, hidden: hiddenSize).dropLast().map { ($0.module, $0.inputs, $0.outputs) }
            let vectors = m.inputParameters(hidden: hiddenSize) - mats.reduce(Int128(0)) { $0 + Int128($1.1) * Int128($1.2) }
            let bytes = readBytes(mats, vectors: vectors, layer: runStarts[ri], dt) + act.bytes(elements: r * (d + m.projectionWidth))
            return OperatorCost(opID(ri, .projections), count: count, flops: f, bytes: bytes).with(rows: r)
                .oneRowCalls(rows: r, matrices: mats.map { ($0.1, $0.2) }, dt)
        case .identity:
            return OperatorCost(opID(ri, .projections), count: 0, flops: .zero, bytes: 0)
        case .latentAttention(let m):
            // A decode step (form given) up-projects its positions in the core, the new one included.
            return latentProjectionsOp(run: ri, m, rows: r, form: form ?? m.prefillForm, upProjectRows: form == nil, dt)
        }
    }

    func outputOp(run ri: Int, rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let run = runs[ri], d = Int128(hiddenSize)
        let inner: Int128, bias: Bool
        switch run.block.mixer {
        case .attention(let a): (inner, bias) = (Int128(a.outputWidth), a.outputBias)
        case .gatedRetention(let g): (inner, bias) = (Int128(g.innerWidth), false)
        case .fixedState(let m): (inner, bias) = (Int128(m.innerWidth), m.projectionBias)
        case .identity: (inner, bias) = (0, false)
        case .latentAttention(let m): (inner, bias) = (Int128(m.outputWidth), false)
        }
        let extraNorms = Int128(max(0, run.block.norms.count - 2))
        let f = FlopCount.gemm(r, inner, d) + .elementwise((bias ? r * d : 0) + 4 * r * d * extraNorms)
        let module = run.block.mixer.attention != nil ? "self_attn.o_proj"
            : Self.mixerMatrices(run.block.mixer, hidden: hiddenSize).last?.module ?? "retention.o_proj"
        let bytes = readBytes([(module, Int(inner), hiddenSize)], vectors: bias ? d : 0, layer: runStarts[ri], dt)
            + dt.activations.bytes(elements: r * (inner + 2 * d))
        var op = OperatorCost(opID(ri, .output), count: run.count, flops: f, bytes: bytes).with(rows: r)
            .oneRowCalls(rows: r, matrices: run.block.mixer == .identity ? [] : [(Int(inner), hiddenSize)], dt)
        // the residual read, an add kernel's where those are priced (Roofline+Elementwise.swift)
        if run.block.residualAdds.afterMixer { op.unfusedByteDelta = -dt.activations.bytes(elements: r * d) }
        return op
    }

    func ffnOp(run ri: Int, rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let run = runs[ri], d = Int128(hiddenSize), ff = Int128(run.block.feedForward.inner)
        let norm = run.block.norms.count >= 2 ? 4 * d : 0
        // the activation elements of `bytes`, the work fused (file header)
        let f: FlopCount, bytes: Int128, fusedActivationElements: Int128, matrices: [(inputs: Int, outputs: Int)]
        switch run.block.feedForward {
        case .gated:
            f = FlopCount.gemm(r, d, 2 * ff) + .gemm(r, ff, d) + .elementwise(r * norm + Self.swishProductFlops(rows: r, inner: ff))
            let f32 = run.block.feedForward.inner
            fusedActivationElements = r * (3 * d + 2 * ff)
            bytes = readBytes([("mlp.gate_proj", hiddenSize, f32), ("mlp.up_proj", hiddenSize, f32), ("mlp.down_proj", f32, hiddenSize)],
                              vectors: 0, layer: runStarts[ri], dt) + dt.activations.bytes(elements: fusedActivationElements)
            matrices = [(hiddenSize, f32), (hiddenSize, f32), (f32, hiddenSize)]  // gate, up and down: three calls (Kernels/SwiGLU.swift)
        case .mlp(_, _, let bias):
            f = FlopCount.gemm(r, d, ff) + .gemm(r, ff, d) + .elementwise(r * (norm + 4 * ff + (bias ? ff + d : 0)))
            let f32 = run.block.feedForward.inner
            fusedActivationElements = r * (3 * d + ff)
            bytes = readBytes([("mlp.up_proj", hiddenSize, f32), ("mlp.down_proj", f32, hiddenSize)],
                              vectors: bias ? ff + d : 0, layer: runStarts[ri], dt) + dt.activations.bytes(elements: fusedActivationElements)
            matrices = [(hiddenSize, f32), (f32, hiddenSize)]
        case .identity:
            (f, bytes, fusedActivationElements, matrices) = (.zero, 0, 0, [])
        case .experts(let e):
            return expertsOp(run: ri, e, rows: r, dt)
        }
        let adapters = adapterCost(run: ri, part: .ffn, rows: r, dt)  // Zamba2's per-use weights
        // two products: the fused gate-up (or up) and the down projection
        var op = OperatorCost(opID(ri, .ffn), count: run.count, flops: f + adapters.flops, bytes: bytes + adapters.bytes).with(rows: r, products: 2)
            .oneRowCalls(rows: r, matrices: matrices, dt)
        if case .gated = run.block.feedForward { op.activationFlops = Self.swishProductFlops(rows: r, inner: ff) }  // Roofline.swift, "Activation rate"
        // Where the act_mul and add kernels are priced (Roofline+Elementwise.swift), the fused count
        // + R F: the act_mul kernel reads the gate-up output (gated: g and u out 2 R F, h in R F, for
        // the fused h out and in, 2 R F; ungated: up out and h in, 2 R F, for the fused R F), - R d:
        // the residual read, where an add kernel reads it (a parallel block's feed-forward keeps it)
        if fusedActivationElements > 0 {
            let unfusedElements = fusedActivationElements + r * ff - (run.block.residualAdds.afterFeedForward ? r * d : 0)
            op.unfusedByteDelta = dt.activations.bytes(elements: unfusedElements) - dt.activations.bytes(elements: fusedActivationElements)
        }
        return op
    }

    /// Other FLOPs of a gated feed-forward's activation swish(gate) x up over [rows, inner]: 5 per
    /// element (sigmoid 3, x gate 1, x up 1; Kernels' SwiGLU.otherFlopsPerElement, held equal by
    /// CostModelAgreementTests), priced apart where a profile states `activation_flops_per_second`.
    static func swishProductFlops(rows: Int128, inner: Int128) -> Int128 { 5 * rows * inner }

    /// A mixture-of-experts feed-forward over `r` rows (formula in the file header). Its GEMM rows
    /// are the average rows one expert's products see, R k / E (at least 1).
    func expertsOp(run ri: Int, _ e: Experts, rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let run = runs[ri], d = Int128(hiddenSize)
        let norm = run.block.norms.count >= 2 ? 4 * d : 0
        let E = Int128(e.count), k = Int128(e.active), i = Int128(e.inner), si = Int128(e.shared?.inner ?? 0)
        let gate = e.shared?.gated ?? false
        var f = FlopCount.gemm(r, d, E) + k * (FlopCount.gemm(r, d, 2 * i) + .gemm(r, i, d))
        f = f + .gemm(r, d, 2 * si) + .gemm(r, si, d) + (gate ? .gemm(r, d, 1) : .zero)
        let activation = Self.swishProductFlops(rows: r, inner: k * i + si)  // the routed and shared SwiGLUs
        var other = r * (norm + 5 * E + 2 * k * d) + activation
        if e.routerBias { other += r * E }
        if e.expertBias { other += r * k * (2 * i + d) }
        if gate { other += r * (d + 4) }
        f = f + .elementwise(other)
        let touched = e.expectedExpertsTouched(rows: r)
        let fusedActivationElements = r * (3 * d + E + 2 * k * i + 2 * si)
        // One expert's matrices with its biases; the router and the shared-expert gate as vectors
        // (never converted by a quantised format: ModelSpec+Linears.swift).
        let layer = runStarts[ri]
        let expertBytes = readBytes(Self.expertMatrices(e, hidden: hiddenSize).map { ($0.0, $0.1, $0.2) },
                                    vectors: e.expertParameters(hidden: hiddenSize) - 3 * d * i, layer: layer, dt)
        // The router bias is read at its stored width (WeightStorage.swift's `widened` counts it so too).
        let bytes = readBytes(Self.sharedExpertMatrices(e, hidden: hiddenSize).map { ($0.0, $0.1, $0.2) },
                              vectors: e.routerParameters(hidden: hiddenSize) + (gate ? d : 0), layer: layer, dt)
            + e.routerBiasWideningBytes(plain: dt.weights)
            + Int128((touched * expertBytes.fastDouble).rounded())
            + dt.activations.bytes(elements: fusedActivationElements)
        // one expert's two products (fused gate-up d x 2i, down i x d): mean N x K 3 d i / 2
        // one-row calls per token row: the router, three per active expert (the row is gathered into
        // each expert it is routed to, whose gate, up and down run as three calls: SwiGLU in
        // Kernels/MixtureOfExperts.swift), the shared expert's matrices and its gate
        let expert = [(inputs: hiddenSize, outputs: e.inner), (hiddenSize, e.inner), (e.inner, hiddenSize)]
        let callsPerRow = [(inputs: hiddenSize, outputs: e.count)] + Array(repeating: expert, count: e.active).flatMap { $0 }
            + Self.sharedExpertMatrices(e, hidden: hiddenSize).map { (inputs: $0.1, outputs: $0.2) } + (gate ? [(hiddenSize, 1)] : [])
        var op = OperatorCost(opID(ri, .ffn), count: run.count, flops: f, bytes: bytes)
            .with(rows: max(1, r * k / E), productWeightElements: 3 * d * i / 2)
            .oneRowCalls(rows: r, matrices: callsPerRow, dt)
        op.activationFlops = activation  // Roofline.swift, "Activation rate"
        // Where the act_mul and add kernels are priced (Roofline+Elementwise.swift): the gate-up outputs
        // the act_mul kernels read (+ R k I routed, + R Is shared, as a gated feed-forward's), less the
        // residual read (the add kernel's)
        let unfusedElements = fusedActivationElements + r * (k * i + si) - (run.block.residualAdds.afterFeedForward ? r * d : 0)
        op.unfusedByteDelta = dt.activations.bytes(elements: unfusedElements) - dt.activations.bytes(elements: fusedActivationElements)
        return op
    }

    func kvProjectionOp(_ s: SharedKVProjection, rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), kW = Int128(s.width)
        let f = FlopCount.gemm(r, d, 2 * kW) + .elementwise(r * (4 * d + 3 * kW))
        let bytes = readBytes([("model.kv_proj.k_proj", hiddenSize, s.width), ("model.kv_proj.v_proj", hiddenSize, s.width)], vectors: 0, layer: nil, dt)
            + dt.activations.bytes(elements: r * d) + dt.kvCache.bytes(elements: r * 2 * kW)
        return OperatorCost(OperatorID(part: .kvProjection), flops: f, bytes: bytes).with(rows: r)
            .oneRowCalls(rows: r, matrices: [(hiddenSize, s.width), (hiddenSize, s.width)], dt)
    }

    func embeddingOp(rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize)
        return OperatorCost(
            OperatorID(part: .embedding), flops: .elementwise(r * d),
            bytes: dt.weights.bytes(elements: r * d) + dt.activations.bytes(elements: r * d))
    }

    /// Final norm and output projection for `r` rows, fp32 logits.
    func headOp(rows r: Int128, _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), v = Int128(vocabSize)
        let f = FlopCount.gemm(r, d, v) + .elementwise(4 * r * d)
        let bytes = readBytes([("lm_head", hiddenSize, vocabSize)], vectors: d, layer: nil, dt) + dt.activations.bytes(elements: r * d) + r * v * 4
        // untied: one matrix-vector call per row; tied: one sgemm over the rows (a single call)
        let head = OperatorCost(OperatorID(part: .head), flops: f, bytes: bytes).with(rows: r)
        var op = tiedEmbeddings ? head.oneRowCalls(rows: 1, perRow: r < OperatorCost.oneRowProductRows ? 1 : 0)
            : head.oneRowCalls(rows: r, matrices: [(hiddenSize, vocabSize)], dt)
        // the final norm's weight (the d vector above), the norm kernel's where those are priced
        if finalNorm.count > 0 { op.unfusedByteDelta = -dt.weights.bytes(elements: d) }
        return op
    }

    /// Attention core of run `ri` over `queries` rows per sequence: useful FLOPs from `useful`
    /// pairs, executed FLOPs and key reads from `executed` (both per sequence and head).
    func attentionCoreOp(
        run ri: Int, _ a: Attention, batch b: Int128, queries q: Int128, keys: Int128? = nil, useful: Int128, executed: ExecutedPairs,
        _ dt: DTypePlan
    ) -> OperatorCost {
        let h = Int128(a.heads), qW = Int128(a.queryWidth), oW = Int128(a.outputWidth)
        let perPair = Self.attentionFlopsPerPair(a)
        let rowWork = FlopCount.elementwise(b * q * oW + (a.sinks ? b * q * h : 0))  // output normalisation (and sink logits)
        let rescale = FlopCount.elementwise(b * h * Int128(a.valueHeadDim) * executed.rowTileVisits)  // online softmax
        let flops = (b * h * useful) * perPair + rowWork + rescale
        let exec = (b * h * executed.pairs) * perPair + rowWork + rescale
        let bytes = dt.activations.bytes(elements: b * q * (qW + oW)) + dt.kvCache.bytes(elements: b * executed.keyReads * Int128(a.keyWidth + a.valueWidth))
        var op = OperatorCost(opID(ri, .attentionCore(windowed: a.span != .full)), count: runs[ri].count,
                              flops: flops, executedFlops: exec, bytes: bytes)
        // Causal over the keys a row sees (every attention here is causal; windows and chunks
        // narrow the keys, the curve is read at the prompt length).
        op.attention = AttentionShape(queries: q, keys: keys ?? q, headDim: a.headDim, causal: true)
        return op
    }

    /// FLOPs per query-key pair and head: 2 dk (QKᵀ) + 2 dv (PV) matmul, 5 other (softmax).
    static func attentionFlopsPerPair(_ a: Attention) -> FlopCount {
        FlopCount(matmul: 2 * Int128(a.headDim + a.valueHeadDim), other: 5)
    }

    /// Gated retention, chunkwise over `n` tokens per sequence (formula in the file header).
    func retentionChunkwiseOp(run ri: Int, _ g: GatedRetention, batch b: Int128, tokens n: Int128, _ dt: DTypePlan) -> OperatorCost {
        let hR = Int128(g.heads), dR = Int128(g.headDim), c = Int128(max(1, g.chunkTokens))
        let squares = AttentionPairs.chunkSquares(tokens: n, chunk: g.chunkTokens)
        let chunks = n > 0 ? (n + c - 1) / c : 0
        let first = min(c, n)
        let matmul = 4 * dR * squares + 2 * dR * dR * (n - first) + 2 * dR * dR * n
        let other = 2 * squares + n + dR * dR * max(0, chunks - 1) + 10 * dR * n + dR * (n - first)
        let flops = (b * hR) * FlopCount(matmul: matmul, other: other)
        let i = hR * dR
        let bytes = dt.activations.bytes(elements: b * n * (5 * i + hR)) + dt.state.bytes(elements: b * hR * dR * dR)
        return OperatorCost(opID(ri, .retentionCore), count: runs[ri].count, flops: flops, bytes: bytes)
    }

    /// A fixed-state mixer's recurrence over `tokens` tokens per sequence (`flops` for the whole
    /// batch): activations in (the projections' outputs) and out (I) per token, the state written
    /// once and read `stateReads` times (decode: 1; prefill from an empty state: 0).
    func fixedStateCoreOp(run ri: Int, _ f: FixedStateMixer, batch b: Int128, flops: FlopCount, tokens n: Int128,
                          stateReads: Int128, _ dt: DTypePlan) -> OperatorCost {
        let stateBytes = f.state.bytes(stateDType: dt.state)
        let bytes = dt.activations.bytes(elements: b * n * (f.projectionWidth + Int128(f.innerWidth))) + b * (1 + stateReads) * stateBytes
        return OperatorCost(opID(ri, .stateCore), count: runs[ri].count, flops: flops, bytes: bytes)
    }

    // MARK: Prefill

    /// Every operator of a prefill of `batch` prompts of `promptTokens` tokens. YOCO exits early: the
    /// self-decoder and the K̂/V̂ projection run over all N tokens, the cross-decoder and the head over
    /// the last position of each prompt; every other layer runs over all N tokens and the head over
    /// the last position.
    public func prefillCost(batch: Int, promptTokens: Int, dtypes dt: DTypePlan, tiling: AttentionTiling = .flash128) -> PhaseCost {
        let b = Int128(batch), n = Int128(promptTokens), m = b * n
        var ops: [OperatorCost] = [embeddingOp(rows: m, dt)]
        var useful: Int128 = 0, executed: Int128 = 0
        let exit = firstCrossRun
        for (ri, run) in runs.enumerated() {
            let early = exit.map { ri >= $0 } ?? false
            if ri == exit, let s = sharedKV { ops.append(kvProjectionOp(s, rows: m, dt)) }
            let rows = early ? b : m  // early exit: the last prompt position only
            if run.block.mixer != .identity { ops.append(projectionsOp(run: ri, rows: rows, dt)) }
            switch run.block.mixer {
            case .attention(let a):
                let h = Int128(run.count) * b * Int128(a.heads)
                if early {
                    // One query row over N keys: a single query tile; key tiles clipped at N execute N keys.
                    let visits = tiling.singleQueryBlockVisits(keys: n, batch: b, heads: a.heads, headDim: a.headDim)
                    let e = ExecutedPairs(pairs: n, keyReads: n, rowTileVisits: visits)
                    ops.append(attentionCoreOp(run: ri, a, batch: b, queries: 1, keys: n, useful: n, executed: e, dt))
                    useful += h * n
                    executed += h * n
                } else {
                    let u = AttentionPairs.useful(tokens: n, span: a.span)
                    let e = AttentionPairs.executed(tokens: n, span: a.span, tiling: tiling)
                    ops.append(attentionCoreOp(run: ri, a, batch: b, queries: n, useful: u, executed: e, dt))
                    useful += h * u
                    executed += h * e.pairs
                }
            case .gatedRetention(let g):
                ops.append(retentionChunkwiseOp(run: ri, g, batch: b, tokens: n, dt))
            case .fixedState(let f):
                ops.append(fixedStateCoreOp(run: ri, f, batch: b, flops: b * f.prefillCoreFlops(tokens: n), tokens: n,
                                            stateReads: 0, dt))
            case .identity:
                break
            case .latentAttention(let m):
                let u = AttentionPairs.useful(tokens: n, span: .full)
                let e = AttentionPairs.executed(tokens: n, span: .full, tiling: tiling)
                var core = latentCoreOp(run: ri, m, batch: b, queries: n, useful: u, executed: e, form: m.prefillForm, dt)
                // A prefill core, priced on the prefill-attention curves at the q/k head dim (the
                // curves interpolate the head dim; without this the GPU curves priced it as a decode step).
                core.attention = AttentionShape(queries: n, keys: n, headDim: m.queryHeadDim, causal: true)
                ops.append(core)
                let h = Int128(run.count) * b * Int128(m.heads)
                useful += h * u
                executed += h * e.pairs
            }
            if run.block.mixer != .identity { ops.append(outputOp(run: ri, rows: rows, dt)) }
            if run.block.feedForward != .identity { ops.append(ffnOp(run: ri, rows: rows, dt)) }
        }
        ops.append(headOp(rows: b, dt))
        return PhaseCost(operators: ops, usefulAttentionPairs: useful, executedAttentionPairs: executed).withPassWorkingSet()
    }
}
