// The CKernels paths (AVX-512 where the CPU has it, and the portable C fallback forced on this
// thread) against the naive references: decode over stacked heads (MHA, GQA, windowed ring-like
// positions, dh with a 16-lane tail, B = 1 split over workers and merged), prefill softmax tiles, the gRet decay mask; plus bit-identical
// reruns (determinism) and gRet's worker count not changing a bit.
//
// Tolerances as in AttentionTests (1e-5) and GatedRetentionTests (1e-4), for the same reasons.

import Testing
@testable import Kernels

/// Decode: one query per sequence at position `keys - 1` (or inside a window) against `keys` keys.
func runDecode(batch B: Int, keys T: Int, heads H: Int, kvHeads: Int, dh: Int, window: Int?, tiling: AttentionKernelTiling,
               reference: Bool) -> ([Float], WorkCounters) {
    let q = randomArray(B * H * dh, seed: 31)
    var k = randomArray(B * T * kvHeads * dh, seed: 32), v = randomArray(B * T * kvHeads * dh, seed: 33)
    var out = [Float](repeating: 0, count: B * H * dh)
    var scratch = [Float](repeating: 0, count: tiling.workers * tiling.scratchFloats(heads: H, headDim: dh))
    var c = WorkCounters()
    let shape = AttentionShape(batch: B, queries: 1, keys: T, heads: H, kvHeads: kvHeads, headDim: dh,
                               queryPosition0: T - 1, window: window)
    q.withUnsafeBufferPointer { qp in k.withUnsafeMutableBufferPointer { kp in v.withUnsafeMutableBufferPointer { vp in
        out.withUnsafeMutableBufferPointer { op in scratch.withUnsafeMutableBufferPointer { sp in
            let f = reference ? CausalAttention.reference : CausalAttention.forward
            f(StridedTensor(base: UnsafeMutablePointer(mutating: qp.baseAddress!), batchStride: H * dh, rowStride: H * dh),
              StridedTensor(base: kp.baseAddress!, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh),
              StridedTensor(base: vp.baseAddress!, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh),
              StridedTensor(base: op.baseAddress!, batchStride: H * dh, rowStride: H * dh),
              shape, 1 / Float(dh).squareRoot(), tiling, sp.baseAddress!, true, &c)
        } }
    } } }
    return (out, c)
}

@Suite struct CKernelsTests {
    struct DecodeCase: Sendable, CustomStringConvertible {
        var batch, keys, heads, kvHeads, headDim: Int
        var window: Int?
        var tiling: AttentionKernelTiling
        var description: String { "B\(batch) T\(keys) H\(heads)/\(kvHeads) dh\(headDim) W\(window.map(String.init) ?? "-") \(tiling.keyTile) w\(tiling.workers)" }
    }

    static let decodeCases: [DecodeCase] = [
        DecodeCase(batch: 2, keys: 37, heads: 4, kvHeads: 4, headDim: 64, window: nil, tiling: smallTiling),
        DecodeCase(batch: 3, keys: 41, heads: 4, kvHeads: 1, headDim: 128, window: nil, tiling: AttentionKernelTiling(queryTile: 4, keyTile: 5, workers: 2)),
        DecodeCase(batch: 1, keys: 29, heads: 6, kvHeads: 2, headDim: 20, window: nil, tiling: smallTiling),
        DecodeCase(batch: 2, keys: 33, heads: 4, kvHeads: 2, headDim: 64, window: 7, tiling: smallTiling),
        DecodeCase(batch: 1, keys: 300, heads: 8, kvHeads: 2, headDim: 128, window: nil, tiling: .default),
        DecodeCase(batch: 1, keys: 1, heads: 2, kvHeads: 1, headDim: 8, window: nil, tiling: smallTiling),
        // B = 1 with 2 workers and >= 2 key tiles per worker: keys split over the workers and merged
        DecodeCase(batch: 1, keys: 37, heads: 4, kvHeads: 2, headDim: 64, window: nil, tiling: AttentionKernelTiling(queryTile: 4, keyTile: 8, workers: 2)),
        DecodeCase(batch: 1, keys: 71, heads: 4, kvHeads: 1, headDim: 128, window: 40, tiling: AttentionKernelTiling(queryTile: 4, keyTile: 5, workers: 2)),
        DecodeCase(batch: 1, keys: 50, heads: 3, kvHeads: 3, headDim: 20, window: nil, tiling: AttentionKernelTiling(queryTile: 2, keyTile: 3, workers: 3)),
    ]

    @Test(arguments: decodeCases)
    func decodeMatchesNaive(cs: DecodeCase) {
        let (ref, cr) = runDecode(batch: cs.batch, keys: cs.keys, heads: cs.heads, kvHeads: cs.kvHeads, dh: cs.headDim,
                                  window: cs.window, tiling: cs.tiling, reference: true)
        let (fast, cf) = runDecode(batch: cs.batch, keys: cs.keys, heads: cs.heads, kvHeads: cs.kvHeads, dh: cs.headDim,
                                   window: cs.window, tiling: cs.tiling, reference: false)
        #expect(maxAbsDiff(fast, ref) < 1e-5)
        #expect(cf.attentionPairsUseful == cr.attentionPairsUseful)
        #expect(cf.attentionPairsExecuted == cr.attentionPairsExecuted)
        let visible = Int64(min(cs.keys, cs.window ?? cs.keys))
        #expect(cf.kvBytesRead == Int64(cs.batch * cs.kvHeads) * 2 * visible * Int64(cs.headDim) * 4)
        // bit-identical on a rerun (same path, same thread count)
        let (again, _) = runDecode(batch: cs.batch, keys: cs.keys, heads: cs.heads, kvHeads: cs.kvHeads, dh: cs.headDim,
                                   window: cs.window, tiling: cs.tiling, reference: false)
        #expect(again == fast)
        // the portable C path (one worker: the switch is per thread)
        var one = cs.tiling
        one.workers = 1
        let (portable, _) = FastMath.withPortableKernels {
            runDecode(batch: cs.batch, keys: cs.keys, heads: cs.heads, kvHeads: cs.kvHeads, dh: cs.headDim,
                      window: cs.window, tiling: one, reference: false)
        }
        #expect(maxAbsDiff(portable, ref) < 1e-5)
    }

    @Test(arguments: AttentionTests.cases)
    func portablePrefillMatchesNaive(cs: AttentionCase) {
        var one = cs
        one.tiling.workers = 1
        let (ref, _) = runAttention(one, reference: true)
        let (portable, _) = FastMath.withPortableKernels { runAttention(one) }
        #expect(maxAbsDiff(portable, ref) < 1e-5)
        let (fast, _) = runAttention(cs)
        let (again, _) = runAttention(cs)
        #expect(fast == again)  // deterministic at a fixed worker count
    }

    @Test func prefillLargeHeadDimsMatchNaive() {
        // dh 64 and 128 with the default-shaped tiles cut small: the AVX-512 tails and full lanes
        for dh in [64, 128] {
            let cs = AttentionCase(batch: 1, queries: 45, heads: 2, kvHeads: 1, headDim: dh, window: nil,
                                   tiling: AttentionKernelTiling(queryTile: 16, keyTile: 19, workers: 2))
            let (fast, _) = runAttention(cs), (ref, _) = runAttention(cs, reference: true)
            #expect(maxAbsDiff(fast, ref) < 1e-5, "dh \(dh)")
        }
    }

    @Test func gretWorkersAndPathsAgree() {
        let s = RetentionShape(batch: 2, tokens: 45, heads: 3, headDim: 20)
        let n = s.batch * s.tokens * s.heads * s.headDim, chunk = 16
        let q = randomArray(n, seed: 41), k = randomArray(n, seed: 42), v = randomArray(n, seed: 43)
        let logDecay = randomArray(s.batch * s.tokens * s.heads, seed: 44).map { -0.305 - 0.295 * $0 }
        let state0 = randomArray(s.batch * s.heads * s.headDim * s.headDim, seed: 45)
        func chunkwise(workers: Int) -> [Float] {
            var state = state0, out = [Float](repeating: 0, count: n), c = WorkCounters()
            var scratch = [Float](repeating: 0, count: GatedRetention.chunkScratchFloats(chunk: chunk, headDim: s.headDim, workers: workers))
            GatedRetention.chunkwise(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, chunk: chunk,
                                     workers: workers, scratch: &scratch, counters: &c)
            return out + state
        }
        var state = state0, out = [Float](repeating: 0, count: n), c = WorkCounters()
        GatedRetention.parallel(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, counters: &c)
        let ref = out + state
        let one = chunkwise(workers: 1), two = chunkwise(workers: 2)
        #expect(one == two)  // each (b, head) is one worker's, in the same order
        #expect(maxAbsDiff(one, ref) < 1e-4)
        let portable = FastMath.withPortableKernels { chunkwise(workers: 1) }
        #expect(maxAbsDiff(portable, ref) < 1e-4)
    }
}
