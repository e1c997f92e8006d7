// FLOPs and bytes of one decode step, as functions of the context, and their sum over a generation.
//
// Legend as in Prefill.swift; n = positions a new token attends to at this step (the cache after the
// token's own K/V is appended), p(n) = n, min(n, W) for a windowed layer, ((n - 1) mod C) + 1 for a
// chunked-local one.
// A decode step feeds one token per sequence (B rows) through every layer:
//   <kind>.projections, .output, .ffn, kv_projection, embedding, head: as in a prefill with R = B
//     (weights read once per step for the whole batch; new K/V written to the cache).
//   attention / SWA / cross core: FLOPs B H p(n) (2(dk + dv) matmul + 5 other) + B oW;
//     bytes B (qW + oW) (q in, o out) + B p(n) (kW + vW) (K/V read per sequence). YOCO's cross layers each read
//     the one shared K̂/V̂ cache: L/2 reads of n positions per token. Decode kernels (Flash-Decoding)
//     split the keys, so executed pairs equal useful pairs.
//   gRet core (recurrent): per sequence and head o = q S (2 dR^2), S = γ S + kᵀv (2 dR^2 matmul,
//     dR^2 other), 9 dR other (head norm 3, gate 5, k scale 1); bytes: the state read and written
//     (2 hR dR^2 s) and activations in (q, k, v, g, γ: 4I + hR) and out (I).
//   fixed-state core (GDN, KDA, lightning, Mamba, Mamba2): one recurrent step per sequence
//     (FixedStateMixer+Cost.swift); bytes: the state (conv window and recurrent part, each in its
//     dtype) read and written, the projections' outputs in and I out. Independent of n.
// Every operator's FLOPs and bytes are affine in p(n): cost(n) = fixed + p(n) * perPosition.
// That makes the sum over G steps exact in closed form (`DecodeOperator.seconds(from:to:rates:)`).

/// A decode operator whose cost is affine in the positions it attends to.
public struct DecodeOperator: Sendable, Hashable {
    /// The cost when no position is attended (count, weights, activations, fixed work).
    public var fixed: OperatorCost
    /// FLOPs added per attended position, per instance.
    public var flopsPerPosition: FlopCount
    /// Bytes added per attended position, per instance.
    public var bytesPerPosition: Int128
    /// Whether the cost depends on the context at all.
    public var attendsContext: Bool
    /// Which positions the new token attends to (full: n; sliding: min(n, W); chunked:
    /// ((n - 1) mod C) + 1).
    public var span: AttentionSpan
    /// Query heads of the attention (the pair count's H); 0 when the operator attends nothing.
    public var heads: Int
    /// The bytes of the whole step this operator runs in, by context (CacheLevel.swift: a decode
    /// step's bytes are every operator's reuse working set); empty until `decodeOperators` sets it.
    public var stepWorkingSet = StepWorkingSet(terms: [])

    /// p(n).
    public func positions(context n: Int128) -> Int128 {
        guard attendsContext else { return 0 }
        return span.positionsAttended(context: n)
    }

    /// sum_{n=lo}^{hi} p(n), exact.
    func sumPositions(from lo: Int128, to hi: Int128) -> Int128 {
        guard attendsContext, hi >= lo else { return 0 }
        switch span {
        case .full:
            return (lo + hi) * (hi - lo + 1) / 2
        case .sliding(let window):
            let w = Int128(window)
            var sum: Int128 = 0
            let linHi = min(hi, w)
            if lo <= linHi { sum += (lo + linHi) * (linHi - lo + 1) / 2 }
            if hi > w { sum += (hi - max(lo, w + 1) + 1) * w }
            return sum
        case .chunked(let chunk):
            // S(x) = sum_{n=1}^{x} (((n - 1) mod C) + 1) = floor(x/C) C(C+1)/2 + r(r+1)/2, r = x mod C
            let c = Int128(chunk)
            func s(_ x: Int128) -> Int128 { x <= 0 ? 0 : (x / c) * c * (c + 1) / 2 + (x % c) * (x % c + 1) / 2 }
            return s(hi) - s(lo - 1)
        }
    }

    /// The operator at context `n`.
    public func at(context n: Int128) -> OperatorCost {
        let p = positions(context: n)
        var op = fixed
        op.flops = fixed.flops + p * flopsPerPosition
        op.executedFlops = op.flops
        op.bytes = fixed.bytes + p * bytesPerPosition
        op.reuseWorkingSetBytes = stepWorkingSet.bytes(context: n)
        return op
    }

    /// Seconds of all instances summed over the steps at contexts lo...hi (inclusive), exact:
    /// the per-step time max(f0 + f1 p, b0 + b1 p) + o is piecewise linear in n, so it is summed as
    /// arithmetic series split at the window and at the crossover of the two lines.
    public func seconds(from lo: Int128, to hi: Int128, rates: RooflineRates) -> Double {
        guard hi >= lo else { return 0 }
        let steps = (hi - lo + 1).fastDouble
        if fixed.operatorClass == .communication { return steps * rates.seconds(fixed) }
        if let curves = rates.curves { return seconds(from: lo, to: hi, curves: curves) }
        if rates.cacheLevel != nil, rates.memoryRate(for: fixed).level != .classRate, !stepWorkingSet.terms.isEmpty {
            return seconds(from: lo, to: hi, cacheLevel: rates)
        }
        let a0 = rates.computeSeconds(fixed.flops, for: fixed)
        let bandwidth = rates.bytesPerSecond(for: fixed)
        let b0 = fixed.bytes.fastDouble / bandwidth
        var total = steps * rates.fixedSeconds(fixed)
        if !attendsContext {
            total += steps * max(a0, b0)
            return Double(fixed.count) * total
        }
        let a1 = rates.computeSeconds(flopsPerPosition, for: fixed)
        let b1 = bytesPerPosition.fastDouble / bandwidth
        total += sumOverSpan(a0, a1, b0, b1, from: lo, to: hi)
        return Double(fixed.count) * total
    }

    /// The same sum with a cache level: the step's working set, and so the read rate, moves with the
    /// context; the range is cut into segments as the curves' sum below cuts it (`segments`), each
    /// priced at the rate of its middle step's working set and summed exactly.
    func seconds(from lo: Int128, to hi: Int128, cacheLevel rates: RooflineRates) -> Double {
        let a0 = rates.computeSeconds(fixed.flops, for: fixed)
        let a1 = attendsContext ? rates.computeSeconds(flopsPerPosition, for: fixed) : 0
        var total = (hi - lo + 1).fastDouble * rates.fixedSeconds(fixed)
        for (start, end) in Self.segments(from: lo, to: hi) {
            let bandwidth = rates.bytesPerSecond(for: at(context: (start + end) / 2))
            let b1 = attendsContext ? bytesPerPosition.fastDouble / bandwidth : 0
            total += sumOverSpan(a0, a1, fixed.bytes.fastDouble / bandwidth, b1, from: start, to: end)
        }
        return Double(fixed.count) * total
    }

    /// lo...hi cut into segments of at most a ratio of 2^(1/8) in context.
    static func segments(from lo: Int128, to hi: Int128) -> [(Int128, Int128)] {
        var out: [(Int128, Int128)] = []
        var start = lo
        while start <= hi {
            let end = min(hi, max(start, Int128(Int64((start.fastDouble * 1.0905077326652577).rounded(.down)))))  // 2^(1/8)
            out.append((start, end))
            start = end + 1
        }
        return out
    }

    /// The same sum priced by efficiency curves. The decode attention's bandwidth depends on the
    /// bytes it reads, which grow with the context: the range is cut into segments of at most a
    /// ratio of 2^(1/8) in context (a few percent in bytes), each priced at the bandwidth of its
    /// middle step and summed exactly as above.
    func seconds(from lo: Int128, to hi: Int128, curves: CurveRates) -> Double {
        let steps = (hi - lo + 1).fastDouble
        guard attendsContext else { return steps * curves.seconds(fixed) }
        let a0 = fixed.flops.totalDouble / curves.decodeFlopsPerSecond
        let a1 = flopsPerPosition.totalDouble / curves.decodeFlopsPerSecond
        // the bytes these curves price (each byte once where element-wise kernels are priced), as `curves.seconds` does
        let fixedBytes = curves.pricedBytes(fixed).fastDouble
        var total = steps * curves.launchSeconds
        for (start, end) in Self.segments(from: lo, to: hi) {
            let mid = (start + end) / 2
            let bytes = fixedBytes + positions(context: mid).fastDouble * bytesPerPosition.fastDouble
            let bandwidth = curves.decodeBytesPerSecond(bytes: bytes)
            total += sumOverSpan(a0, a1, fixedBytes / bandwidth, bytesPerPosition.fastDouble / bandwidth, from: start, to: end)
        }
        return Double(fixed.count) * total
    }

    /// sum over n = lo...hi of max(a0 + a1 p(n), b0 + b1 p(n)), split at the window and chunk edges.
    func sumOverSpan(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double, from lo: Int128, to hi: Int128) -> Double {
        var total = 0.0
        switch span {
        case .full:
            total += Self.sumMax(a0, a1, b0, b1, from: lo, to: hi)
        case .sliding(let window):
            // Linear part: n <= W; saturated part: n > W, p = W.
            let linearHi = min(hi, Int128(window))
            if lo <= linearHi { total += Self.sumMax(a0, a1, b0, b1, from: lo, to: linearHi) }
            if hi > Int128(window) {
                let start = max(lo, Int128(window) + 1)
                let w = Double(window)
                total += (hi - start + 1).fastDouble * max(a0 + a1 * w, b0 + b1 * w)
            }
        case .chunked(let chunk):
            // p runs 1...C in every chunk: F(x) = floor(x/C) sum_{p=1}^{C} t(p) + sum_{p=1}^{x mod C} t(p).
            let c = Int128(chunk)
            let period = Self.sumMax(a0, a1, b0, b1, from: 1, to: c)
            func f(_ x: Int128) -> Double {
                x <= 0 ? 0 : (x / c).fastDouble * period + Self.sumMax(a0, a1, b0, b1, from: 1, to: x % c)
            }
            total += f(hi) - f(lo - 1)
        }
        return total
    }

    /// sum_{n=lo}^{hi} max(a0 + a1 n, b0 + b1 n) for integers lo <= hi.
    static func sumMax(_ a0: Double, _ a1: Double, _ b0: Double, _ b1: Double, from lo: Int128, to hi: Int128) -> Double {
        func line(_ c0: Double, _ c1: Double, _ x: Int128, _ y: Int128) -> Double {
            guard y >= x else { return 0 }
            let count = (y - x + 1).fastDouble
            return count * c0 + c1 * (x.fastDouble + y.fastDouble) * count / 2
        }
        if a1 == b1 { return a0 >= b0 ? line(a0, a1, lo, hi) : line(b0, b1, lo, hi) }
        // The lines cross at x* = (b0 - a0) / (a1 - b1); clamp before converting to an integer.
        let cross = max(lo.fastDouble - 1, min(hi.fastDouble + 1, (b0 - a0) / (a1 - b1)))
        // floor and ceil by truncation (no libm: CostModel uses the standard library only)
        let t = Int128(Int64(cross))  // |cross| <= 2^25 + 1 after the clamp
        let floorX = t.fastDouble > cross ? t - 1 : t, ceilX = t.fastDouble < cross ? t + 1 : t
        if a1 > b1 {  // a wins for n >= x*
            let k = ceilX
            return line(b0, b1, lo, min(hi, k - 1)) + line(a0, a1, max(lo, k), hi)
        } else {  // a wins for n <= x*
            let k = floorX
            return line(a0, a1, lo, min(hi, k)) + line(b0, b1, max(lo, k + 1), hi)
        }
    }
}

/// The bytes one decode step moves, as a function of the context: sum over operators of
/// count x (fixed bytes + p(n) x bytes per position).
public struct StepWorkingSet: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        var bytes: Int128
        var bytesPerPosition: Int128
        var span: AttentionSpan?
    }
    var terms: [Term]

    init(terms: [Term]) { self.terms = terms }

    /// The step of `ops` (communication operators move no memory bytes and are left out).
    init(_ ops: [DecodeOperator]) {
        terms = ops.filter { $0.fixed.count > 0 && $0.fixed.operatorClass != .communication }.map { op in
            let c = Int128(op.fixed.count)
            return Term(bytes: c * op.fixed.bytes, bytesPerPosition: c * op.bytesPerPosition, span: op.attendsContext ? op.span : nil)
        }
    }

    /// Bytes of the step at context `n`.
    public func bytes(context n: Int128) -> Int128 {
        terms.reduce(0) { $0 + $1.bytes + ($1.span.map { $0.positionsAttended(context: n) } ?? 0) * $1.bytesPerPosition }
    }
}

extension ModelSpec {
    /// The operators of one decode step for `batch` sequences, each affine in the context.
    public func decodeOperators(batch: Int, dtypes dt: DTypePlan) -> [DecodeOperator] {
        let b = Int128(batch)
        func fixed(_ op: OperatorCost) -> DecodeOperator {
            DecodeOperator(fixed: op, flopsPerPosition: .zero, bytesPerPosition: 0, attendsContext: false, span: .full, heads: 0)
        }
        var ops: [DecodeOperator] = [fixed(embeddingOp(rows: b, dt))]
        let exit = firstCrossRun
        for (ri, run) in runs.enumerated() {
            if ri == exit, let s = sharedKV { ops.append(fixed(kvProjectionOp(s, rows: b, dt))) }
            if run.block.mixer != .identity { ops.append(fixed(projectionsOp(run: ri, rows: b, dt, latentForm: run.block.mixer.latent?.decodeForm))) }
            switch run.block.mixer {
            case .attention(let a):
                // One online-softmax rescale per row: decode walks its keys in blocks of up to 1,024
                // (at B = 1 on several workers, in the blocks of `DecodeChunks`' chunks), so this is
                // exact up to one block and low by H dv per further block (< 1%): a step's cost is
                // affine in the context, which the blocks are not (prefill counts them exactly).
                let core = attentionCoreOp(run: ri, a, batch: b, queries: 1, useful: 0,
                                           executed: ExecutedPairs(pairs: 0, keyReads: 0, rowTileVisits: 1), dt)
                ops.append(DecodeOperator(
                    fixed: core,
                    flopsPerPosition: (b * Int128(a.heads)) * Self.attentionFlopsPerPair(a),
                    bytesPerPosition: dt.kvCache.bytes(elements: b * Int128(a.keyWidth + a.valueWidth)),
                    attendsContext: true, span: a.span, heads: a.heads))
            case .gatedRetention(let g):
                let hR = Int128(g.heads), dR = Int128(g.headDim), i = hR * dR
                let flops = (b * hR) * FlopCount(matmul: 4 * dR * dR, other: dR * dR + 9 * dR)
                let bytes = dt.state.bytes(elements: 2 * b * hR * dR * dR) + dt.activations.bytes(elements: b * (5 * i + hR))
                ops.append(fixed(OperatorCost(opID(ri, .retentionCore), count: run.count, flops: flops, bytes: bytes)))
            case .fixedState(let f):
                ops.append(fixed(fixedStateCoreOp(run: ri, f, batch: b, flops: b * f.decodeCoreFlops, tokens: 1, stateReads: 1, dt)))
            case .identity:
                break
            case .latentAttention(let m):
                ops.append(latentDecodeOperator(run: ri, m, batch: b, dt))
            }
            if run.block.mixer != .identity { ops.append(fixed(outputOp(run: ri, rows: b, dt))) }
            if run.block.feedForward != .identity { ops.append(fixed(ffnOp(run: ri, rows: b, dt))) }
        }
        ops.append(fixed(headOp(rows: b, dt)))
        let step = StepWorkingSet(ops)
        for i in ops.indices { ops[i].stepWorkingSet = step }
        return ops
    }

    /// One decode step at context `n` (positions attended by the new token, itself included).
    public func decodeStepCost(batch: Int, context n: Int, dtypes: DTypePlan) -> PhaseCost {
        decodeStepCost(decodeOperators(batch: batch, dtypes: dtypes), batch: batch, context: n)
    }

    func decodeStepCost(_ ops: [DecodeOperator], batch: Int, context n: Int) -> PhaseCost {
        let steps = ops.map { $0.at(context: Int128(n)) }
        let pairs = ops.reduce(Int128(0)) { acc, op in
            op.attendsContext ? acc + Int128(op.fixed.count) * Int128(batch) * Int128(op.heads) * op.positions(context: Int128(n)) : acc
        }
        return PhaseCost(operators: steps, usefulAttentionPairs: pairs, executedAttentionPairs: pairs)
    }

    /// Seconds to decode G tokens after a prompt of N: the steps at contexts N+1, ..., N+G.
    public func decodeSeconds(batch: Int, promptTokens: Int, generatedTokens: Int, dtypes: DTypePlan, rates: RooflineRates) -> Double {
        Self.decodeSeconds(decodeOperators(batch: batch, dtypes: dtypes), promptTokens: promptTokens, generatedTokens: generatedTokens, rates: rates)
    }

    static func decodeSeconds(_ ops: [DecodeOperator], promptTokens: Int, generatedTokens: Int, rates: RooflineRates) -> Double {
        guard generatedTokens > 0 else { return 0 }
        let lo = Int128(promptTokens) + 1, hi = Int128(promptTokens) + Int128(generatedTokens)
        return ops.reduce(0) { $0 + $1.seconds(from: lo, to: hi, rates: rates) }
    }

    /// FLOPs of the G decode steps at contexts N+1, ..., N+G, exact (sum of p(n) in closed form).
    public func decodeFlops(batch: Int, promptTokens: Int, generatedTokens: Int, dtypes: DTypePlan) -> FlopCount {
        Self.decodeFlops(decodeOperators(batch: batch, dtypes: dtypes), promptTokens: promptTokens, generatedTokens: generatedTokens)
    }

    static func decodeFlops(_ ops: [DecodeOperator], promptTokens: Int, generatedTokens: Int) -> FlopCount {
        guard generatedTokens > 0 else { return .zero }
        let lo = Int128(promptTokens) + 1, hi = Int128(promptTokens) + Int128(generatedTokens)
        let g = hi - lo + 1
        return ops.reduce(.zero) { acc, op in
            acc + Int128(op.fixed.count) * ((g * op.fixed.flops) + op.sumPositions(from: lo, to: hi) * op.flopsPerPosition)
        }
    }
}
