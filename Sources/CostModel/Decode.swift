// FLOPs and bytes of one decode step, as functions of the context, and their sum over a generation.
//
// Legend as in Prefill.swift; n = positions a new token attends to at this step (the cache after the
// token's own K/V is appended), p(n) = n, or min(n, W) for a windowed layer.
// A decode step feeds one token per sequence (B rows) through every layer:
//   <kind>.projections, .output, .ffn, kv_projection, embedding, head: as in a prefill with R = B
//     (weights read once per step for the whole batch; new K/V written to the cache).
//   attention / SWA / cross core: FLOPs B H p(n) (4 dh matmul + 5 other) + B qW;
//     bytes 2 B qW (q in, o out) + B p(n) 2 kW (K/V read per sequence). YOCO's cross layers each read
//     the one shared K̂/V̂ cache: L/2 reads of n positions per token. Decode kernels (Flash-Decoding)
//     split the keys, so executed pairs equal useful pairs.
//   gRet core (recurrent): per sequence and head o = q S (2 dR^2), S = γ S + kᵀv (2 dR^2 matmul,
//     dR^2 other), 9 dR other (head norm 3, gate 5, k scale 1); bytes: the state read and written
//     (2 hR dR^2 s) and activations in (q, k, v, g, γ: 4I + hR) and out (I).
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
    /// W: positions stop growing at the window (nil: every position held).
    public var window: Int?

    /// p(n).
    public func positions(context n: Int128) -> Int128 {
        guard attendsContext else { return 0 }
        if let window { return min(n, Int128(window)) }
        return n
    }

    /// The operator at context `n`.
    public func at(context n: Int128) -> OperatorCost {
        let p = positions(context: n)
        var op = fixed
        op.flops = fixed.flops + p * flopsPerPosition
        op.executedFlops = op.flops
        op.bytes = fixed.bytes + p * bytesPerPosition
        return op
    }

    /// Seconds of all instances summed over the steps at contexts lo...hi (inclusive), exact:
    /// the per-step time max(f0 + f1 p, b0 + b1 p) + o is piecewise linear in n, so it is summed as
    /// arithmetic series split at the window and at the crossover of the two lines.
    public func seconds(from lo: Int128, to hi: Int128, rates: RooflineRates) -> Double {
        guard hi >= lo else { return 0 }
        let steps = (hi - lo + 1).fastDouble
        let a0 = rates.computeSeconds(fixed.flops, for: fixed)
        let bandwidth = rates.bytesPerSecond(for: fixed)
        let b0 = fixed.bytes.fastDouble / bandwidth
        var total = steps * rates.overheadSeconds
        if !attendsContext {
            total += steps * max(a0, b0)
            return Double(fixed.count) * total
        }
        let a1 = rates.computeSeconds(flopsPerPosition, for: fixed)
        let b1 = bytesPerPosition.fastDouble / bandwidth
        // Linear part: n <= W (or everything without a window).
        let linearHi = window.map { min(hi, Int128($0)) } ?? hi
        if lo <= linearHi {
            total += Self.sumMax(a0, a1, b0, b1, from: lo, to: linearHi)
        }
        // Saturated part: n > W, p = W.
        if let window, hi > Int128(window) {
            let start = max(lo, Int128(window) + 1)
            let w = Double(window)
            total += (hi - start + 1).fastDouble * max(a0 + a1 * w, b0 + b1 * w)
        }
        return Double(fixed.count) * total
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

extension ModelSpec {
    /// The operators of one decode step for `batch` sequences, each affine in the context.
    public func decodeOperators(batch: Int, dtypes dt: DTypePlan) -> [DecodeOperator] {
        let b = Int128(batch)
        func fixed(_ op: OperatorCost) -> DecodeOperator {
            DecodeOperator(fixed: op, flopsPerPosition: .zero, bytesPerPosition: 0, attendsContext: false, window: nil)
        }
        var ops: [DecodeOperator] = [fixed(embeddingOp(rows: b, dt))]
        var kvProjected = false
        let h = Int128(heads)
        for (kind, count) in kindRuns {
            if case .cross = kind, !kvProjected {
                ops.append(fixed(kvProjectionOp(rows: b, dt)))
                kvProjected = true
            }
            ops.append(fixed(projectionsOp(kind, rows: b, count: count, dt)))
            switch kind {
            case .attention, .slidingWindowSelf, .cross:
                // One online-softmax rescale per row: decode walks its keys in blocks of up to 1,024,
                // so this is exact up to 1,024 positions and low by H dh per further block (< 1%).
                let core = attentionCoreOp(kind, batch: b, queries: 1, useful: 0, executed: ExecutedPairs(pairs: 0, keyReads: 0, rowTileVisits: 1), count: count, dt)
                ops.append(DecodeOperator(
                    fixed: core,
                    flopsPerPosition: (b * h) * FlopCount(matmul: 4 * Int128(headDim), other: 5),
                    bytesPerPosition: dt.kvCache.bytes(elements: b * 2 * kvWidth(of: kind)),
                    attendsContext: true, window: kind.attentionWindow))
            case .gatedRetention(let hr, let dh):
                let hR = Int128(hr), dR = Int128(dh), i = hR * dR
                let flops = (b * hR) * FlopCount(matmul: 4 * dR * dR, other: dR * dR + 9 * dR)
                let bytes = dt.state.bytes(elements: 2 * b * hR * dR * dR) + dt.activations.bytes(elements: b * (5 * i + hR))
                ops.append(fixed(OperatorCost(name: "gret.core", count: count, flops: flops, bytes: bytes)))
            }
            ops.append(fixed(outputOp(kind, rows: b, count: count, dt)))
            ops.append(fixed(ffnOp(kind, rows: b, count: count, dt)))
        }
        ops.append(fixed(headOp(rows: b, dt)))
        return ops
    }

    /// One decode step at context `n` (positions attended by the new token, itself included).
    public func decodeStepCost(batch: Int, context n: Int, dtypes: DTypePlan) -> PhaseCost {
        decodeStepCost(decodeOperators(batch: batch, dtypes: dtypes), batch: batch, context: n)
    }

    func decodeStepCost(_ ops: [DecodeOperator], batch: Int, context n: Int) -> PhaseCost {
        let steps = ops.map { $0.at(context: Int128(n)) }
        let pairs = ops.reduce(Int128(0)) { acc, op in
            op.attendsContext ? acc + Int128(op.fixed.count) * Int128(batch) * Int128(heads) * op.positions(context: Int128(n)) : acc
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
            var sumP: Int128 = 0
            if op.attendsContext {
                let linHi = op.window.map { min(hi, Int128($0)) } ?? hi
                if lo <= linHi { sumP += (lo + linHi) * (linHi - lo + 1) / 2 }
                if let w = op.window, hi > Int128(w) { sumP += (hi - max(lo, Int128(w) + 1) + 1) * Int128(w) }
            }
            return acc + Int128(op.fixed.count) * ((g * op.fixed.flops) + sumP * op.flopsPerPosition)
        }
    }
}
