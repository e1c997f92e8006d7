// gRet: parallel = chunkwise = recurrent, on outputs and on the final state, from a nonzero state.
//
// Tolerance 1e-4: the parallel form is in Double; chunkwise and recurrent accumulate in fp32 over
// up to 37 steps with decays in (0, 1), values of order 1 and state entries of order 10 (sums of
// 37 outer products); fp32 rounding there is ~1e-6 relative, so 1e-4 absolute is a 10x margin.
// A wrong decay index or a chunk-boundary error moves outputs by > 1e-2.

import Testing
@testable import Kernels

@Suite struct GatedRetentionTests {
    struct Case: Sendable, CustomStringConvertible {
        var batch, tokens, heads, headDim, chunk: Int
        var description: String { "B\(batch) T\(tokens) h\(heads) d\(headDim) C\(chunk)" }
    }

    static let cases = [Case(batch: 1, tokens: 1, heads: 1, headDim: 2, chunk: 4),
                        Case(batch: 2, tokens: 13, heads: 2, headDim: 8, chunk: 4),
                        Case(batch: 1, tokens: 37, heads: 3, headDim: 6, chunk: 8),
                        Case(batch: 1, tokens: 16, heads: 2, headDim: 4, chunk: 16)]

    enum Form { case parallel, chunkwise, recurrent }

    func run(_ cs: Case, _ form: Form) -> (out: [Float], state: [Float]) {
        let s = RetentionShape(batch: cs.batch, tokens: cs.tokens, heads: cs.heads, headDim: cs.headDim)
        let n = cs.batch * cs.tokens * cs.heads * cs.headDim
        let q = randomArray(n, seed: 21), k = randomArray(n, seed: 22), v = randomArray(n, seed: 23)
        // log γ in [-0.6, -0.01]: from strong to weak decay
        let logDecay = randomArray(cs.batch * cs.tokens * cs.heads, seed: 24).map { -0.305 - 0.295 * $0 }
        var state = randomArray(cs.batch * cs.heads * cs.headDim * cs.headDim, seed: 25)
        var out = [Float](repeating: 0, count: n)
        var scratch = [Float](repeating: 0, count: GatedRetention.chunkScratchFloats(chunk: cs.chunk, headDim: cs.headDim))
        var c = WorkCounters()
        switch form {
        case .parallel: GatedRetention.parallel(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, counters: &c)
        case .chunkwise: GatedRetention.chunkwise(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, chunk: cs.chunk, scratch: &scratch, counters: &c)
        case .recurrent: GatedRetention.recurrent(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, counters: &c)
        }
        return (out, state)
    }

    @Test(arguments: cases)
    func zeroStateShortcutIsExact(cs: Case) {
        // from a zero state, skipping Q·S in the first chunk changes nothing but the counted work
        let s = RetentionShape(batch: cs.batch, tokens: cs.tokens, heads: cs.heads, headDim: cs.headDim)
        let n = cs.batch * cs.tokens * cs.heads * cs.headDim
        let q = randomArray(n, seed: 21), k = randomArray(n, seed: 22), v = randomArray(n, seed: 23)
        let logDecay = randomArray(cs.batch * cs.tokens * cs.heads, seed: 24).map { -0.305 - 0.295 * $0 }
        var scratch = [Float](repeating: 0, count: GatedRetention.chunkScratchFloats(chunk: cs.chunk, headDim: cs.headDim))
        var results: [[Float]] = []
        var flops: [Int64] = []
        for skip in [false, true] {
            var state = [Float](repeating: 0, count: cs.batch * cs.heads * cs.headDim * cs.headDim)
            var out = [Float](repeating: 0, count: n)
            var c = WorkCounters()
            GatedRetention.chunkwise(q: q, k: k, v: v, logDecay: logDecay, out: &out, state: &state, shape: s, chunk: cs.chunk,
                                     initialStateIsZero: skip, scratch: &scratch, counters: &c)
            results.append(out + state)
            flops.append(c.matmulFlops)
        }
        #expect(results[0] == results[1])  // adding Q·0 and scaling 0 is exact in IEEE arithmetic
        let first = Int64(min(cs.chunk, cs.tokens))
        #expect(flops[0] - flops[1] == 2 * first * Int64(cs.headDim * cs.headDim) * Int64(cs.batch * cs.heads))
    }

    @Test(arguments: cases)
    func threeFormsAgree(cs: Case) {
        let p = run(cs, .parallel), c = run(cs, .chunkwise), r = run(cs, .recurrent)
        #expect(maxAbsDiff(p.out, c.out) < 1e-4)  // see the file header
        #expect(maxAbsDiff(p.out, r.out) < 1e-4)
        #expect(maxAbsDiff(p.state, c.state) < 1e-4)
        #expect(maxAbsDiff(p.state, r.state) < 1e-4)
    }
}
