// Tiled causal attention against the naive full-matrix reference; window masks; GQA vs MHA with
// replicated K/V; the executed-pair formula against the kernel's own counters.
//
// Tolerance 1e-5: outputs are convex combinations of values in [-1, 1]; the fast kernel differs
// from the Double reference only by fp32 rounding in dot products of dh <= 16 terms and in the
// online-softmax rescaling (a few ulps each). A masking or tiling error moves outputs by ~0.1.

import Testing
@testable import Kernels

struct AttentionCase: Sendable, CustomStringConvertible {
    var batch, queries, heads, kvHeads, headDim: Int
    var window: Int?
    var tiling: AttentionKernelTiling
    var description: String { "B\(batch) N\(queries) H\(heads)/\(kvHeads) dh\(headDim) W\(window.map(String.init) ?? "-") tile \(tiling.queryTile)x\(tiling.keyTile) workers \(tiling.workers)" }
}

/// Runs `kernel` on seeded q, k, v of shape [B, T, H|Hkv, dh]; returns the output and counters.
func runAttention(_ cs: AttentionCase, keysReplicatedTo: Int? = nil, reference: Bool = false) -> ([Float], WorkCounters) {
    let B = cs.batch, T = cs.queries, dh = cs.headDim
    let q = randomArray(B * T * cs.heads * dh, seed: 11)
    var k = randomArray(B * T * cs.kvHeads * dh, seed: 12), v = randomArray(B * T * cs.kvHeads * dh, seed: 13)
    var kvHeads = cs.kvHeads
    if let h = keysReplicatedTo {  // MHA equivalent of a GQA cache: copy each KV head to its group
        let g = h / cs.kvHeads
        func rep(_ a: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: B * T * h * dh)
            for r in 0..<(B * T) { for hh in 0..<h { for i in 0..<dh { out[(r * h + hh) * dh + i] = a[(r * cs.kvHeads + hh / g) * dh + i] } } }
            return out
        }
        k = rep(k); v = rep(v); kvHeads = h
    }
    var out = [Float](repeating: 0, count: B * T * cs.heads * dh)
    var scratch = [Float](repeating: 0, count: cs.tiling.workers * cs.tiling.scratchFloats(heads: cs.heads, headDim: dh))
    var c = WorkCounters()
    let shape = AttentionShape(batch: B, queries: T, keys: T, heads: cs.heads, kvHeads: kvHeads, headDim: dh, queryPosition0: 0, window: cs.window)
    q.withUnsafeBufferPointer { qp in k.withUnsafeMutableBufferPointer { kp in v.withUnsafeMutableBufferPointer { vp in
        out.withUnsafeMutableBufferPointer { op in scratch.withUnsafeMutableBufferPointer { sp in
            let qT = StridedTensor(base: UnsafeMutablePointer(mutating: qp.baseAddress!), batchStride: T * cs.heads * dh, rowStride: cs.heads * dh)
            let kT = StridedTensor(base: kp.baseAddress!, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh)
            let vT = StridedTensor(base: vp.baseAddress!, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh)
            let oT = StridedTensor(base: op.baseAddress!, batchStride: T * cs.heads * dh, rowStride: cs.heads * dh)
            let f = reference ? CausalAttention.reference : CausalAttention.forward
            f(qT, kT, vT, oT, shape, 1 / Float(dh).squareRoot(), cs.tiling, sp.baseAddress!, false, &c)
        } }
    } } }
    return (out, c)
}

@Suite struct AttentionTests {
    static let cases: [AttentionCase] = [
        AttentionCase(batch: 1, queries: 1, heads: 1, kvHeads: 1, headDim: 2, window: nil, tiling: smallTiling),
        AttentionCase(batch: 2, queries: 7, heads: 4, kvHeads: 2, headDim: 8, window: nil, tiling: smallTiling),
        AttentionCase(batch: 1, queries: 37, heads: 4, kvHeads: 1, headDim: 6, window: nil, tiling: smallTiling),
        AttentionCase(batch: 2, queries: 37, heads: 4, kvHeads: 4, headDim: 16, window: nil, tiling: AttentionKernelTiling(queryTile: 5, keyTile: 3, workers: 2)),
        AttentionCase(batch: 1, queries: 37, heads: 2, kvHeads: 2, headDim: 8, window: 5, tiling: smallTiling),
        AttentionCase(batch: 2, queries: 23, heads: 4, kvHeads: 2, headDim: 8, window: 9, tiling: AttentionKernelTiling(queryTile: 3, keyTile: 2, workers: 2)),
        AttentionCase(batch: 1, queries: 13, heads: 2, kvHeads: 1, headDim: 4, window: 1, tiling: smallTiling),
    ]

    @Test(arguments: cases)
    func tiledMatchesNaive(cs: AttentionCase) {
        let (fast, cf) = runAttention(cs)
        let (ref, cr) = runAttention(cs, reference: true)
        #expect(maxAbsDiff(fast, ref) < 1e-5)  // see the file header
        #expect(cf.attentionPairsUseful == cr.attentionPairsUseful)
    }

    @Test(arguments: cases)
    func executedPairsFollowTheFormula(cs: AttentionCase) {
        let (_, c) = runAttention(cs)
        let shape = AttentionShape(batch: cs.batch, queries: cs.queries, keys: cs.queries, heads: cs.heads, kvHeads: cs.kvHeads,
                                   headDim: cs.headDim, queryPosition0: 0, window: cs.window)
        let perHead = CausalAttention.executedPairs(shape: shape, queryTile: cs.tiling.queryTile)
        #expect(c.attentionPairsExecuted == perHead * Int64(cs.batch * cs.heads))
        #expect(c.matmulFlops == 4 * Int64(cs.headDim) * c.attentionPairsExecuted)
        if cs.window == nil {  // closed form for a causal prefill from position 0
            let N = Int64(cs.queries), Bq = Int64(cs.tiling.queryTile), n = (N + Bq - 1) / Bq
            #expect(perHead == Bq * Bq * n * (n - 1) / 2 + (N - (n - 1) * Bq) * N)
        }
    }

    @Test func windowAtLeastContextEqualsFullAttention() {
        let full = AttentionCase(batch: 1, queries: 19, heads: 2, kvHeads: 1, headDim: 8, window: nil, tiling: smallTiling)
        var wide = full
        wide.window = 19
        // identical tiles and masks (no key is excluded), so the results are bitwise equal
        #expect(runAttention(full).0 == runAttention(wide).0)
    }

    @Test func gqaEqualsMHAWithReplicatedKeys() {
        let gqa = AttentionCase(batch: 2, queries: 11, heads: 4, kvHeads: 2, headDim: 8, window: nil, tiling: smallTiling)
        var mha = gqa
        mha.kvHeads = 4
        let a = runAttention(gqa).0, b = runAttention(gqa, keysReplicatedTo: 4).0
        // same products in the same order: only the memory the keys are read from differs
        #expect(maxAbsDiff(a, b) == 0)
    }
}
