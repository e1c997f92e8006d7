// Multi-head latent attention (MLA; DeepSeek-V2/V3, Kimi): each position caches one compressed
// latent and one shared RoPE key instead of per-head K and V.
//
// Legend: d hidden size, H heads, q q_lora_rank (nil: a plain q projection), r kv_lora_rank,
// dn qk_nope_head_dim, dr qk_rope_head_dim, dv v_head_dim, dq = dn + dr (query/key head width),
// R rows, n positions attended.
// Source: DeepSeek-V2 paper §2.1 (arXiv 2405.04434) and transformers' modeling_deepseek_v3.py.
// Weights per layer:
//   q:     q_a_proj d x q, q_a_layernorm q, q_b_proj q x H dq     (or q_proj d x H dq)
//   kv:    kv_a_proj_with_mqa d x (r + dr), kv_a_layernorm r, kv_b_proj r x H (dn + dv)
//   out:   o_proj H dv x d
// Cache per position and layer: r + dr elements (the normed latent c_kv and the RoPE'd key k_pe),
// whatever H is: DeepSeek-V3 512 + 64 = 576 elements, 1,152 B in bf16, 70,272 B per token over 61
// layers.
// Two ways to compute it, both exact for their own kernels:
//   naive     up-project K_nope and V from every cached latent (kv_b_proj, 2 r H (dn + dv) per
//             position), then ordinary attention: 2 dq + 2 dv matmul per pair and head.
//   absorbed  fold kv_b_proj's key half into the query (2 H dn r per row) and its value half into
//             the output (2 H r dv per row), and attend in latent space: 2 (r + dr) + 2 r matmul per
//             pair and head; nothing is up-projected per position.
// Default (what vLLM and SGLang run): naive in prefill, absorbed in decode. `--mla-form` picks one
// form for both phases.

/// How latent attention is computed.
public enum LatentAttentionForm: String, CaseIterable, Sendable, Hashable {
    /// Up-project K and V from the latent for every position attended.
    case naive
    /// Attend in the latent space (kv_b_proj absorbed into the query and output).
    case absorbed
}

public struct LatentAttention: Sendable, Hashable {
    /// H
    public var heads: Int
    /// q (nil: a plain d x H dq query projection)
    public var queryRank: Int?
    /// r
    public var kvRank: Int
    /// dn
    public var nopeHeadDim: Int
    /// dr
    public var ropeHeadDim: Int
    /// dv
    public var valueHeadDim: Int
    public var prefillForm: LatentAttentionForm
    public var decodeForm: LatentAttentionForm

    public init(heads: Int, queryRank: Int?, kvRank: Int, nopeHeadDim: Int, ropeHeadDim: Int, valueHeadDim: Int,
                prefillForm: LatentAttentionForm = .naive, decodeForm: LatentAttentionForm = .absorbed) {
        self.heads = heads
        self.queryRank = queryRank
        self.kvRank = kvRank
        self.nopeHeadDim = nopeHeadDim
        self.ropeHeadDim = ropeHeadDim
        self.valueHeadDim = valueHeadDim
        self.prefillForm = prefillForm
        self.decodeForm = decodeForm
    }

    /// dq = dn + dr
    public var queryHeadDim: Int { nopeHeadDim + ropeHeadDim }
    /// H dq
    public var queryWidth: Int { heads * queryHeadDim }
    /// H dv
    public var outputWidth: Int { heads * valueHeadDim }
    /// r + dr: elements cached per position.
    public var cacheElementsPerPosition: Int { kvRank + ropeHeadDim }

    /// Weights of the query path: d q + q + q H dq, or d H dq.
    public func queryParameters(hidden d: Int) -> Int128 {
        let d = Int128(d), qW = Int128(queryWidth)
        guard let rank = queryRank else { return d * qW }
        let q = Int128(rank)
        return d * q + q + q * qW
    }

    /// kv_b_proj: r H (dn + dv).
    public var kvUpParameters: Int128 { Int128(kvRank) * Int128(heads) * Int128(nopeHeadDim + valueHeadDim) }

    /// Every weight of the layer (legend).
    public func parameters(hidden d: Int) -> Int128 {
        let dd = Int128(d)
        return queryParameters(hidden: d) + dd * Int128(cacheElementsPerPosition) + Int128(kvRank) + kvUpParameters
            + Int128(outputWidth) * dd
    }

    /// FLOPs per attended pair and head in `form`: naive 2 dq + 2 dv, absorbed 2 (r + dr) + 2 r;
    /// 5 other (softmax) either way.
    public func flopsPerPair(_ form: LatentAttentionForm) -> FlopCount {
        switch form {
        case .naive: FlopCount(matmul: 2 * Int128(queryHeadDim + valueHeadDim), other: 5)
        case .absorbed: FlopCount(matmul: 2 * Int128(kvRank + ropeHeadDim) + 2 * Int128(kvRank), other: 5)
        }
    }

    /// Activation workspace per token: q (H dq), the output (H dv), the latent (r + dr) and, in the
    /// naive form, the up-projected K_nope and V (H (dn + dv)).
    public func workspaceElementsPerToken(_ form: LatentAttentionForm) -> Int128 {
        Int128(queryWidth + outputWidth + cacheElementsPerPosition) + (form == .naive ? Int128(heads * (nopeHeadDim + valueHeadDim)) : 0)
    }

    /// Throws the first violated constraint (profile field names; `at` names the layer).
    func validate(at: String) throws(SpecError) {
        try SpecError.check("heads", heads, in: 1...Limits.maxHeads, at)
        if let q = queryRank { try SpecError.check("q_lora_rank", q, in: 1...Limits.maxWidth, at) }
        try SpecError.check("kv_lora_rank", kvRank, in: 1...Limits.maxHeadDim, at)
        try SpecError.check("qk_nope_head_dim", nopeHeadDim, in: 0...Limits.maxHeadDim, at)
        try SpecError.check("qk_rope_head_dim", ropeHeadDim, in: 0...Limits.maxHeadDim, at)
        try SpecError.check("v_head_dim", valueHeadDim, in: 1...Limits.maxHeadDim, at)
        if nopeHeadDim + ropeHeadDim == 0 {
            throw SpecError(field: "qk_nope_head_dim", constraint: "plus `qk_rope_head_dim` must be at least 1\(at)", value: "0")
        }
    }
}

extension ModelSpec {
    /// Projections of a latent-attention run over `r` rows: the query path, kv_a (written to the
    /// cache as r + dr per row), and kv_b, which the naive form applies to each row's latent in a
    /// prefill (`upProjectRows`; a naive decode step up-projects every position in its core) and the
    /// absorbed form folds into the query (2 H dn r per row). Other: norm 4d, q_a norm 4q, kv_a norm
    /// 4r, RoPE 3 (H dr + dr).
    func latentProjectionsOp(run ri: Int, _ m: LatentAttention, rows r: Int128, form: LatentAttentionForm, upProjectRows: Bool,
                             _ dt: DTypePlan) -> OperatorCost {
        let d = Int128(hiddenSize), h = Int128(m.heads), qW = Int128(m.queryWidth)
        let rank = Int128(m.kvRank), c = Int128(m.cacheElementsPerPosition)
        var f: FlopCount
        if let rank = m.queryRank { let q = Int128(rank); f = .gemm(r, d, q) + .gemm(r, q, qW) } else { f = .gemm(r, d, qW) }
        f = f + .gemm(r, d, c)
        switch form {
        case .naive: if upProjectRows { f = f + .gemm(r, rank, h * Int128(m.nopeHeadDim + m.valueHeadDim)) }
        case .absorbed: f = f + h * FlopCount.gemm(r, Int128(m.nopeHeadDim), rank)
        }
        let other = r * (4 * d + 4 * Int128(m.queryRank ?? 0) + 4 * rank + 3 * (h * Int128(m.ropeHeadDim) + Int128(m.ropeHeadDim)))
        f = f + .elementwise(other)
        // Weights: every input-side matrix in the plan's format (its scales counted), the q_a and kv_a norms.
        let matrices = Self.mixerMatrices(.latentAttention(m), hidden: hiddenSize).dropLast().map { ($0.module, $0.inputs, $0.outputs) }
        let norms = Int128(m.queryRank ?? 0) + rank
        let bytes = readBytes(matrices, vectors: norms, layer: runStarts[ri], dt) + dt.activations.bytes(elements: r * (d + qW)) + dt.kvCache.bytes(elements: r * c)
        return OperatorCost(opID(ri, .projections), count: runs[ri].count, flops: f, bytes: bytes).with(rows: r)
            .oneRowCalls(rows: r, matrices: matrices.map { ($0.1, $0.2) }, dt)
    }

    /// The latent-attention core for `b` sequences of `q` query rows: `useful` and `executed` pairs
    /// per sequence and head. Naive: K and V come up-projected from the projections (activations of
    /// H (dq + dv) per key read); absorbed: the latent is read from the cache (r + dr per key read)
    /// and the per-head output (r) is up-projected to dv here (2 H r dv per row).
    func latentCoreOp(run ri: Int, _ m: LatentAttention, batch b: Int128, queries q: Int128, useful: Int128,
                      executed: ExecutedPairs, form: LatentAttentionForm, _ dt: DTypePlan) -> OperatorCost {
        let h = Int128(m.heads), rows = b * q
        let perPair = m.flopsPerPair(form)
        let width = form == .naive ? Int128(m.valueHeadDim) : Int128(m.kvRank)
        var rowWork = FlopCount.elementwise(rows * h * width) + .elementwise(b * h * width * executed.rowTileVisits)
        if form == .absorbed { rowWork = rowWork + h * FlopCount.gemm(rows, Int128(m.kvRank), Int128(m.valueHeadDim)) }
        let flops = (b * h * useful) * perPair + rowWork
        let exec = (b * h * executed.pairs) * perPair + rowWork
        let keyBytes = form == .naive
            ? dt.activations.bytes(elements: b * executed.keyReads * h * Int128(m.queryHeadDim + m.valueHeadDim))
            : dt.kvCache.bytes(elements: b * executed.keyReads * Int128(m.cacheElementsPerPosition))
        let bytes = dt.activations.bytes(elements: rows * Int128(m.queryWidth + m.outputWidth)) + keyBytes
        return OperatorCost(opID(ri, .attentionCore(windowed: false)), count: runs[ri].count, flops: flops, executedFlops: exec, bytes: bytes)
    }

    /// A decode step's latent core, affine in the positions attended: per position, the pair work of
    /// every head and (naive) the up-projection 2 r H (dn + dv) of that position's latent; bytes per
    /// position: the cached latent (r + dr).
    func latentDecodeOperator(run ri: Int, _ m: LatentAttention, batch b: Int128, _ dt: DTypePlan) -> DecodeOperator {
        let form = m.decodeForm
        let core = latentCoreOp(run: ri, m, batch: b, queries: 1, useful: 0,
                                executed: ExecutedPairs(pairs: 0, keyReads: 0, rowTileVisits: 1), form: form, dt)
        var perPosition = (b * Int128(m.heads)) * m.flopsPerPair(form)
        if form == .naive { perPosition = perPosition + b * FlopCount.gemm(1, Int128(m.kvRank), Int128(m.heads * (m.nopeHeadDim + m.valueHeadDim))) }
        return DecodeOperator(fixed: core, flopsPerPosition: perPosition,
                              bytesPerPosition: dt.kvCache.bytes(elements: b * Int128(m.cacheElementsPerPosition)),
                              attendsContext: true, span: .full, heads: m.heads)
    }

    /// The same model with every latent-attention run computed in `form` (prefill and decode).
    public func withLatentForm(_ form: LatentAttentionForm) -> ModelSpec {
        var s = self
        for i in s.runs.indices {
            guard case .latentAttention(var m) = s.runs[i].block.mixer else { continue }
            m.prefillForm = form
            m.decodeForm = form
            s.runs[i].block.mixer = .latentAttention(m)
        }
        return s
    }
}
