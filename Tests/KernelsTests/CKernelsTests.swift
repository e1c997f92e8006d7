// Every CKernels path this CPU can run (portable always, AVX2 + FMA and AVX-512 where present; each
// forced on this thread) against the naive references: decode over stacked heads (MHA, GQA,
// windowed ring-like positions, dh below, between and above the 8- and 16-lane widths, B = 1 split
// over workers and merged), prefill softmax tiles, the gRet decay mask and row scalings, the shared
// exp; plus bit-identical reruns (determinism) and gRet's worker count not changing a bit.
//
// Tolerances as in AttentionTests (1e-5) and GatedRetentionTests (1e-4), for the same reasons.

import CKernels
import Foundation
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
        // the same split in chunks handed out to whichever worker is free (DecodeChunks: the query
        // tile leaves room for their partials): 4 chunks of 32 keys, the last of 4; 300 keys cut
        // into 5 longer chunks of 64 so that each has a slot; a window of 40 in 5 tail chunks of a
        // quarter block (8); H 3 over 3 workers in chunks of 24 keys (3 blocks of 8), the last of 2;
        // 1,000 keys in 6 chunks of one 128-key block (the last of 104) and 8 of 32 (the fine tail)
        DecodeCase(batch: 1, keys: 100, heads: 4, kvHeads: 2, headDim: 64, window: nil, tiling: AttentionKernelTiling(queryTile: 16, keyTile: 8, workers: 2)),
        DecodeCase(batch: 1, keys: 300, heads: 4, kvHeads: 2, headDim: 64, window: nil, tiling: AttentionKernelTiling(queryTile: 16, keyTile: 8, workers: 2)),
        DecodeCase(batch: 1, keys: 71, heads: 4, kvHeads: 1, headDim: 128, window: 40, tiling: AttentionKernelTiling(queryTile: 16, keyTile: 8, workers: 2)),
        DecodeCase(batch: 1, keys: 50, heads: 3, kvHeads: 3, headDim: 20, window: nil, tiling: AttentionKernelTiling(queryTile: 8, keyTile: 4, workers: 3)),
        DecodeCase(batch: 1, keys: 1000, heads: 4, kvHeads: 2, headDim: 64, window: nil, tiling: AttentionKernelTiling(queryTile: 64, keyTile: 8, workers: 2)),
        // dh 72 = one 64-column register tile + one 8-lane vector; dh 3 is all scalar tail;
        // 131 keys cross the 64-key value passes of the 8-lane paths within one 200-key block
        DecodeCase(batch: 2, keys: 131, heads: 4, kvHeads: 2, headDim: 72, window: nil, tiling: AttentionKernelTiling(queryTile: 50, keyTile: 200, workers: 1)),
        DecodeCase(batch: 1, keys: 9, heads: 3, kvHeads: 1, headDim: 3, window: nil, tiling: smallTiling),
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
        // every path (one worker: the switch is per thread)
        var one = cs.tiling
        one.workers = 1
        for path in SIMDPath.supported {
            let forced = SIMDPath.withForced(path) {
                runDecode(batch: cs.batch, keys: cs.keys, heads: cs.heads, kvHeads: cs.kvHeads, dh: cs.headDim,
                          window: cs.window, tiling: one, reference: false).0
            }
            #expect(forced.map { maxAbsDiff($0, ref) < 1e-5 } == true, "path \(path)")
        }
    }

    @Test(arguments: AttentionTests.cases)
    func everyPathsPrefillMatchesNaive(cs: AttentionCase) {
        var one = cs
        one.tiling.workers = 1
        let (ref, _) = runAttention(one, reference: true)
        for path in SIMDPath.supported {
            let forced = SIMDPath.withForced(path) { runAttention(one).0 }
            #expect(forced.map { maxAbsDiff($0, ref) < 1e-5 } == true, "path \(path)")
        }
        let (fast, _) = runAttention(cs)
        let (again, _) = runAttention(cs)
        #expect(fast == again)  // deterministic at a fixed worker count
    }

    @Test func prefillLargeHeadDimsMatchNaive() {
        // dh 64, 72 and 128 with the tiles cut small (key tile 19: full vectors plus 3- and
        // 11-lane tails): every path's tails and full lanes
        for dh in [64, 72, 128] {
            let cs = AttentionCase(batch: 1, queries: 45, heads: 2, kvHeads: 1, headDim: dh, window: nil,
                                   tiling: AttentionKernelTiling(queryTile: 16, keyTile: 19, workers: 1))
            let (ref, _) = runAttention(cs, reference: true)
            for path in SIMDPath.supported {
                let forced = SIMDPath.withForced(path) { runAttention(cs).0 }
                #expect(forced.map { maxAbsDiff($0, ref) < 1e-5 } == true, "dh \(dh), path \(path)")
            }
        }
    }

    /// Prefill tiles large enough for the AVX2 path's BLAS-free kernel (yc_attention_prefill): a
    /// short last query tile (rows not a multiple of the 6-row strips or the 48-row groups), key
    /// tiles cut short (panels padded to 16 keys, key counts not a multiple of the 8 x 8
    /// transposes of the K packing), a window, GQA, dh 8, 24 and 88 (an 8-column tail of the
    /// register tile) as well as 16-column multiples. One worker: a forced path holds on the
    /// calling thread only.
    static let fusedCases: [AttentionCase] = [
        AttentionCase(batch: 1, queries: 300, heads: 2, kvHeads: 1, headDim: 64, window: nil, tiling: .init(queryTile: 256, keyTile: 512, workers: 1)),
        AttentionCase(batch: 1, queries: 300, heads: 2, kvHeads: 2, headDim: 24, window: 70, tiling: .init(queryTile: 200, keyTile: 100, workers: 1)),
        AttentionCase(batch: 2, queries: 211, heads: 3, kvHeads: 1, headDim: 8, window: nil, tiling: .init(queryTile: 128, keyTile: 100, workers: 1)),
        AttentionCase(batch: 1, queries: 259, heads: 1, kvHeads: 1, headDim: 32, window: 300, tiling: .init(queryTile: 200, keyTile: 160, workers: 1)),
        // full 512-key tiles at dh 64 and 128 (the copies specialised on those strides), the
        // second with Q and the accumulators kept in place (dh > 80); a window cutting the first
        // key tile of a later query tile
        AttentionCase(batch: 1, queries: 530, heads: 1, kvHeads: 1, headDim: 64, window: 520, tiling: .init(queryTile: 256, keyTile: 512, workers: 1)),
        AttentionCase(batch: 1, queries: 600, heads: 2, kvHeads: 1, headDim: 128, window: nil, tiling: .init(queryTile: 256, keyTile: 512, workers: 1)),
        // in place with an 8-column tail (88 = 5 x 16 + 8), key tiles of 60 (7 full groups of 8 keys + 4),
        // too little scratch to copy a group's Q rows; the window skips leading panels of a group
        // (rows 148-195 against keys 11-70) and whole key tiles of one (rows 196-199, same keys)
        AttentionCase(batch: 1, queries: 230, heads: 2, kvHeads: 1, headDim: 88, window: 90, tiling: .init(queryTile: 100, keyTile: 60, workers: 1)),
    ]

    @Test(arguments: fusedCases)
    func fusedPrefillMatchesNaiveAndCountsTheSame(cs: AttentionCase) {
        // the case must really reach the fused kernel where AVX2 runs (else this tests nothing new)
        if let taken = SIMDPath.withForced(.avx2, {
            CausalAttention.fusedPrefill(rows: cs.tiling.queryTile, keyTile: cs.tiling.keyTile,
                                         maxRows: max(cs.tiling.queryTile, cs.heads), dh: cs.headDim)
        }) {
            #expect(taken, "AVX2 should run \(cs) without BLAS")
        }
        #expect(SIMDPath.withForced(.portable) {
            CausalAttention.fusedPrefill(rows: cs.tiling.queryTile, keyTile: cs.tiling.keyTile, maxRows: cs.tiling.queryTile,
                                         dh: cs.headDim)
        } == false)
        let (ref, _) = runAttention(cs, reference: true)
        let blas = SIMDPath.withForced(.portable) { runAttention(cs) }!
        for path in SIMDPath.supported {
            // one OpenBLAS thread for both runs (the BLAS tile is bit-identical only at a fixed
            // thread count, and parallel tests may change the process-wide one in between)
            guard let (out, counters) = BLAS.singleThreaded({ SIMDPath.withForced(path) { runAttention(cs) } }) else { continue }
            #expect(maxAbsDiff(out, ref) < 1e-5, "path \(path)")
            // the same tiles, pairs and rescales as the BLAS tile: counters identical
            #expect(counters == blas.1, "path \(path)")
            let again = BLAS.singleThreaded { SIMDPath.withForced(path) { runAttention(cs).0 } }
            #expect(again == out, "path \(path) rerun")
        }
    }

    /// Prefill work is handed out as (b, h, query tile) items, largest first, to whichever worker
    /// is free: the output must not depend on the worker count or on who took which tile. One
    /// OpenBLAS thread throughout (the BLAS tile's bits follow the OpenBLAS thread count, which
    /// the kernel sets to 1 inside a parallel region). 3 x 3 items over 2 and 3 workers; dh 64 and
    /// 128 on the fused AVX2 tile (with group Q copies at dh 128), dh 20 on the BLAS tile.
    @Test(arguments: [64, 128, 20])
    func prefillOutputDoesNotDependOnTheWorkers(dh: Int) {
        let runs = [1, 2, 3].map { w in
            BLAS.singleThreaded {
                runAttention(AttentionCase(batch: 1, queries: 600, heads: 3, kvHeads: 1, headDim: dh, window: nil,
                                           tiling: .init(queryTile: 256, keyTile: 512, workers: w)))
            }
        }
        #expect(runs[1].0 == runs[0].0, "2 workers, dh \(dh)")
        #expect(runs[2].0 == runs[0].0, "3 workers, dh \(dh)")
        #expect(runs[1].1 == runs[0].1 && runs[2].1 == runs[0].1, "counters, dh \(dh)")
        let (ref, _) = runAttention(AttentionCase(batch: 1, queries: 600, heads: 3, kvHeads: 1, headDim: dh, window: nil,
                                                  tiling: .init(queryTile: 256, keyTile: 512, workers: 1)), reference: true)
        #expect(maxAbsDiff(runs[2].0, ref) < 1e-5, "dh \(dh)")  // AttentionTests' tolerance (file header)
    }

    /// A B = 1 decode split over workers: chunks of whole key blocks handed out to whichever worker
    /// is free and merged in chunk order (DecodeChunks). With the default tiling the list does not
    /// depend on the worker count (every chunk has a slot), so 2, 3 and 4 workers give the same
    /// bits; 5,000 keys = 3 chunks of 1,024, one of 856, then 8 of 256 (the fine tail).
    @Test func decodeSplitOutputDoesNotDependOnTheWorkers() {
        let runs = [2, 3, 4].map { w in
            runDecode(batch: 1, keys: 5000, heads: 4, kvHeads: 1, dh: 128, window: nil,
                      tiling: .init(queryTile: 256, keyTile: 512, workers: w), reference: false)
        }
        #expect(runs[1].0 == runs[0].0, "3 workers")
        #expect(runs[2].0 == runs[0].0, "4 workers")
        #expect(runs[1].1 == runs[0].1 && runs[2].1 == runs[0].1, "counters")
        let (ref, _) = runDecode(batch: 1, keys: 5000, heads: 4, kvHeads: 1, dh: 128, window: nil,
                                 tiling: .init(queryTile: 256, keyTile: 512, workers: 1), reference: true)
        #expect(maxAbsDiff(runs[0].0, ref) < 1e-5)  // AttentionTests' tolerance (file header)
    }

    @Test func theTopOfTheRangeIsFiniteAndNaNGivesZeroOnEveryPath() {
        // 9 values (one vector + a tail): up to 88.37 exp is finite and accurate; above it exp is
        // clamped to exp(88.37) (n = 128 would build +inf's bit pattern); NaN gives 0 like -inf.
        let xs: [Float] = [88.0, 88.3, 88.37, 88.38, 88.5, 88.7, .nan, 88.38, 88.6]
        let top = Float(Foundation.exp(Double(Float(88.37))))
        for path in SIMDPath.supported {
            var p = xs
            _ = SIMDPath.withForced(path) { yc_exp_shifted_sum(&p, xs.count, 0) }
            for (x, e) in zip(xs, p) {
                if x.isNaN {
                    #expect(e == 0, "exp(nan) = \(e) on \(path)")
                } else if x <= 88.37 {
                    let r = Float(Foundation.exp(Double(x)))
                    #expect(e.isFinite && abs(e - r) <= 4e-7 * r, "exp(\(x)) = \(e) on \(path), expected \(r)")
                } else {
                    #expect(e.isFinite && abs(e - top) <= 4e-7 * top, "exp(\(x)) = \(e) on \(path), expected the clamp \(top)")
                }
            }
        }
        #expect(exp1(88.5).isFinite)
        #expect(exp1(.nan) == 0)
    }

    @Test func everyPathsExpSumIsAccurate() {
        // 1, 7 (all tail), 8, 37 (vectors + tail) values spanning the range, zero shift: each
        // element is exp(x) itself; relative error below 4e-7 (a few ulps of the polynomial and the
        // 2^n scaling; include/yc_exp.h); below -87.3 exactly 0.
        let all: [Float] = [-100, -87.5, -50, -3.3, -1, -1e-3, 0, 1e-3, 0.5, 1, 10, 80, -20, -0.25, 3, 40, -70, 0.75, -9]
        for count in [1, 7, 8, 37] {
            let xs = (0..<count).map { all[$0 % all.count] }
            for path in SIMDPath.supported {
                var p = xs
                let sum = SIMDPath.withForced(path) { yc_exp_shifted_sum(&p, count, 0) }
                for (x, e) in zip(xs, p) {
                    let r = Float(Foundation.exp(Double(x)))
                    #expect(x < -87.3 ? e == 0 : abs(e - r) <= 4e-7 * r, "exp(\(x)) = \(e) on \(path), expected \(r)")
                }
                let want = xs.reduce(0.0) { $0 + ($1 < -87.3 ? 0 : Foundation.exp(Double($1))) }  // the kernels' 0 below -87.3
                // fp32 sum of up to 37 terms dominated by e^80: relative 1e-6
                #expect(sum.map { abs(Double($0) - want) <= 1e-6 * want } == true, "sum on \(path), count \(count)")
            }
        }
    }

    @Test func everyPathsSwishProductIsAccurate() {
        // 0, 1, 7 (all tail), 8, 37 (vectors + tail) elements; out = gate (SwiGLU), out = up (gRet's
        // output gate) and a third buffer give the same values. swish(z) u = z / (1 + exp(-z)) u in
        // float64: relative 1e-6 (the exp's few ulps, one division, two products), plus 1e-30
        // absolute where z / (1 + e^-z) underflows (z = -100: the exp clamps at its top, e^88.7).
        let zs: [Float] = [-100, -20, -3.3, -1, -1e-3, 0, 1e-3, 0.5, 1, 10, 100, -0.25, 3, 40, -9, 7.5, -60]
        let us: [Float] = [1, -2, 0.5, 3, -1, 2, 1e-3, -0.75, 4, 1, -1, 2.5, -3, 0.1, 5, -2, 1]
        for count in [0, 1, 7, 8, 37] {
            let gate = (0..<count).map { zs[$0 % zs.count] }, up = (0..<count).map { us[$0 % us.count] }
            let want = zip(gate, up).map { Double($0) / (1 + Foundation.exp(-Double($0))) * Double($1) }
            for path in SIMDPath.supported {
                var intoGate = gate, intoUp = up, apart = [Float](repeating: .nan, count: count)
                _ = SIMDPath.withForced(path) {
                    intoGate.withUnsafeMutableBufferPointer { g in yc_swish_product(g.baseAddress, up, g.baseAddress, count) }
                    intoUp.withUnsafeMutableBufferPointer { u in yc_swish_product(gate, u.baseAddress, u.baseAddress, count) }
                    apart.withUnsafeMutableBufferPointer { o in yc_swish_product(gate, up, o.baseAddress, count) }
                }
                for i in 0..<count {
                    let tol = 1e-6 * abs(want[i]) + 1e-30
                    #expect(abs(Double(intoGate[i]) - want[i]) <= tol, "swish(\(gate[i])) x \(up[i]) = \(intoGate[i]) on \(path), expected \(want[i])")
                    #expect(intoUp[i] == intoGate[i] && apart[i] == intoGate[i], "element \(i) on \(path): the output buffer changes nothing")
                }
            }
        }
    }

    @Test func pathsAreReportedAndForcedOnlyWhereSupported() {
        #expect(SIMDPath.supported.first == .portable)
        #expect(SIMDPath.supported.contains(SIMDPath.best))
        #expect(SIMDPath.best == SIMDPath.supported.last)
        for path in SIMDPath.allCases where !path.isSupported {
            #expect(SIMDPath.withForced(path) { 1 } == nil, "\(path) is not runnable here")
        }
        for path in SIMDPath.supported { #expect(SIMDPath.withForced(path) { SIMDPath.current } == path) }
        // the x86 paths follow the CPU flags the kernels need
        let flags = BLASEnvironment.cpuFlags()
        if !flags.isEmpty {
            #expect(SIMDPath.avx2.isSupported == (flags.contains("avx2") && flags.contains("fma")))
            #expect(SIMDPath.avx512.isSupported == flags.contains("avx512f"))
        }
    }

    struct RetentionCase: Sendable, CustomStringConvertible {
        var shape: RetentionShape
        var chunk: Int
        /// Whether AVX2 runs its intra-chunk product and its inter-chunk products (Q·S, Kᵀ V)
        /// without BLAS here (yc_retention_intra, yc_retention_inter).
        var fused: Bool
        var description: String { "B\(shape.batch) T\(shape.tokens) h\(shape.heads) dR\(shape.headDim) C\(chunk)" }
    }

    static let retentionCases: [RetentionCase] = [
        // dR 20: not a multiple of 8, so gemm + decay mask + gemm on every path
        RetentionCase(shape: RetentionShape(batch: 2, tokens: 45, heads: 3, headDim: 20), chunk: 16, fused: false),
        // a full 256-token chunk at dR 64 and 128 (the copies with constant strides) and a short last one
        RetentionCase(shape: RetentionShape(batch: 1, tokens: 300, heads: 2, headDim: 64), chunk: 256, fused: true),
        RetentionCase(shape: RetentionShape(batch: 1, tokens: 260, heads: 2, headDim: 128), chunk: 256, fused: true),
        // dR 24 (an 8-column tail of the register tile) and a last chunk of 33 tokens (a 16-key
        // panel padded, 4 groups of 8 keys + 1, rows not a multiple of the 6-row strips)
        RetentionCase(shape: RetentionShape(batch: 2, tokens: 97, heads: 3, headDim: 24), chunk: 64, fused: true),
        // one token (a chunk of 1: Kᵀ is one column, no 8 x 8 block; Q·S one row) at dR 8
        RetentionCase(shape: RetentionShape(batch: 1, tokens: 1, heads: 2, headDim: 8), chunk: 16, fused: true),
        // dR 72 (four 16-column panels and an 8-column one; 12 Kᵀ strips of 6) over 3 chunks of 32 and 5 tokens
        RetentionCase(shape: RetentionShape(batch: 1, tokens: 69, heads: 2, headDim: 72), chunk: 32, fused: true),
    ]

    @Test(arguments: retentionCases)
    func gretWorkersAndPathsAgree(cs: RetentionCase) {
        let s = cs.shape, chunk = cs.chunk
        if let taken = SIMDPath.withForced(.avx2, {
            (GatedRetention.fusedIntraChunk(tokens: min(chunk, s.tokens), chunk: chunk, headDim: s.headDim),
             GatedRetention.fusedInterChunk(tokens: min(chunk, s.tokens), chunk: chunk, headDim: s.headDim))
        }) {
            #expect(taken.0 == cs.fused, "AVX2 BLAS-free intra-chunk product for \(cs)")
            #expect(taken.1 == cs.fused, "AVX2 BLAS-free inter-chunk products for \(cs)")
        }
        let n = s.batch * s.tokens * s.heads * s.headDim
        // k scaled by dR^-0.5 as the kernels receive it (RetentionShape's contract), so the outputs
        // stay O(1) at dR 128 as in a model and 1e-4 keeps its meaning
        let kScale = 1 / Float(s.headDim).squareRoot()
        let q = randomArray(n, seed: 41), k = randomArray(n, seed: 42).map { $0 * kScale }, v = randomArray(n, seed: 43)
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
        // at one OpenBLAS thread count (one worker otherwise runs the inter-chunk products on the
        // process's count, whose sgemm bits differ from one thread's at these sizes)
        let one = BLAS.singleThreaded { chunkwise(workers: 1) }, two = chunkwise(workers: 2)
        #expect(one == two)  // each (b, head) is one worker's, in the same order
        #expect(maxAbsDiff(one, ref) < 1e-4)
        for path in SIMDPath.supported {
            let forced = SIMDPath.withForced(path) { chunkwise(workers: 1) }
            #expect(forced.map { maxAbsDiff($0, ref) < 1e-4 } == true, "path \(path)")
        }
    }
}
