// Each fast kernel against its naive reference on awkward shapes (1, odd, not a multiple of a tile).
//
// Tolerances: the references accumulate in Double; the fast kernels in fp32 with BLAS's blocked
// summation order. With inputs in [-1, 1] and reductions of at most a few hundred terms, fp32
// rounding is about 1e-6 relative per term times sqrt(terms); 1e-4 absolute on outputs of order 1
// leaves a 10x margin and would still catch any indexing or masking error (errors of order 0.1).

import Testing
@testable import Kernels

@Suite struct KernelReferenceTests {
    @Test(arguments: [(1, 1, 1), (7, 13, 5), (33, 64, 17)])
    func linearMatchesNaive(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        let x = randomArray(m * k, seed: 1), w = randomArray(k * n, seed: 2)
        var fast = [Float](repeating: 0, count: m * n), ref = fast
        var c1 = WorkCounters(), c2 = WorkCounters()
        Linear.forward(x, w, &fast, m: m, k: k, n: n, counters: &c1)
        Linear.reference(x, w, &ref, m: m, k: k, n: n, counters: &c2)
        #expect(maxAbsDiff(fast, ref) < 1e-4)  // fp32 vs Double accumulation, see the file header
        #expect(c1 == c2)
    }

    @Test(arguments: [(1, 1), (3, 7), (5, 40)])
    func rmsNormMatchesNaive(shape: (Int, Int)) {
        let (rows, width) = shape
        let x = randomArray(rows * width, seed: 3), w = randomArray(width, seed: 4)
        var fast = [Float](repeating: 0, count: rows * width), ref = fast
        var c = WorkCounters()
        RMSNorm.forward(x, ldx: width, weight: w, &fast, ldy: width, rows: rows, width: width, counters: &c)
        RMSNorm.reference(x, ldx: width, weight: w, &ref, ldy: width, rows: rows, width: width, counters: &c)
        #expect(maxAbsDiff(fast, ref) < 1e-5)  // one fp32 sum of <= 40 squares and a rsqrt
    }

    @Test(arguments: [(1, 1, 2), (3, 2, 8), (5, 3, 6)])
    func ropeMatchesNaive(shape: (Int, Int, Int)) {
        let (rows, heads, dh) = shape
        var fast = randomArray(rows * heads * dh, seed: 5), ref = fast
        let table = RoPETable(firstPosition: 1000, count: rows, headDim: dh)
        var c = WorkCounters()
        RoPE.forward(&fast, ldx: heads * dh, rows: rows, heads: heads, headDim: dh, positionsPerBatch: rows, table: table, counters: &c)
        RoPE.reference(&ref, ldx: heads * dh, rows: rows, heads: heads, headDim: dh, positionsPerBatch: rows, table: table, counters: &c)
        #expect(maxAbsDiff(fast, ref) < 1e-5)  // cos/sin rounded to fp32 once vs Double throughout
    }

    @Test(arguments: [(1, 3, 5), (9, 16, 24)])
    func swigluMatchesNaive(shape: (Int, Int, Int)) {
        let (rows, d, f) = shape
        let x = randomArray(rows * d, seed: 6), wg = randomArray(d * f, seed: 7), wu = randomArray(d * f, seed: 8)
        let wd = randomArray(f * d, seed: 9)
        var g = [Float](repeating: 0, count: rows * f), u = g
        var fast = randomArray(rows * d, seed: 10), ref = fast
        var c = WorkCounters()
        SwiGLU.forward(x, wGate: wg, wUp: wu, wDown: wd, gate: &g, up: &u, &fast, rows: rows, width: d, inner: f, accumulate: true, counters: &c)
        SwiGLU.reference(x, wGate: wg, wUp: wu, wDown: wd, gate: &g, up: &u, &ref, rows: rows, width: d, inner: f, accumulate: true, counters: &c)
        // outputs reach ~10 here (24-term sums of products of order 1); fp32 relative 1e-6 per term
        #expect(maxAbsDiff(fast, ref) < 1e-3)
    }

    @Test func fastExpIsAccurate() {
        let xs: [Float] = [-100, -87.5, -50, -3.3, -1, -1e-3, 0, 1e-3, 0.5, 1, 10, 80]
        for x in xs {
            let e = exp1(x), r = Float(exp(Double(x)))
            // polynomial + 2^n scaling: relative error below 2e-7 (a few ulps); below -87.3 exactly 0
            #expect(x < -87.3 ? e == 0 : abs(e - r) <= 4e-7 * r, "exp(\(x)) = \(e), expected \(r)")
        }
    }
}

import Foundation
