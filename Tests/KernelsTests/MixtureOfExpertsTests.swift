// The mixture-of-experts kernel against its naive reference on awkward shapes (1 row, odd widths,
// k = E, k = 1), and its executed-work counters against the formula in MixtureOfExperts.swift and
// the cost model's expert operator.
//
// Tolerance: the reference accumulates the router, the experts and the softmax in Double, the
// fast path in fp32 through BLAS; with inputs in [-1, 1], reductions of at most 64 terms and at
// most 5 experts summed per row, 1e-4 absolute on outputs of order 1 is a 10x margin over fp32
// rounding that would still catch a wrong expert or a dropped weight (errors of order 0.1). The
// routing itself is the same in both: the softmax probabilities differ by ~1e-7 and the seeded
// inputs have no near-ties.

import CostModel
import Testing
@testable import Kernels

@Suite struct MixtureOfExpertsTests {
    struct Shape: Sendable, CustomStringConvertible {
        var rows, width, inner, experts, active: Int
        var description: String { "M \(rows) d \(width) I \(inner) E \(experts) k \(active)" }
    }

    static let shapes = [Shape(rows: 1, width: 8, inner: 4, experts: 4, active: 1), Shape(rows: 7, width: 13, inner: 5, experts: 3, active: 3),
                         Shape(rows: 33, width: 64, inner: 17, experts: 8, active: 2), Shape(rows: 5, width: 16, inner: 9, experts: 5, active: 4)]

    func run(_ s: Shape, reference: Bool) -> (y: [Float], counters: WorkCounters) {
        let x = randomArray(s.rows * s.width, seed: 21), router = randomArray(s.width * s.experts, seed: 22)
        let weights = (0..<s.experts).map { e in
            (randomArray(s.width * s.inner, seed: 100 + UInt64(e)), randomArray(s.width * s.inner, seed: 200 + UInt64(e)),
             randomArray(s.inner * s.width, seed: 300 + UInt64(e)))
        }
        var y = randomArray(s.rows * s.width, seed: 23)
        var logits = [Float](repeating: 0, count: s.rows * s.experts), gathered = [Float](repeating: 0, count: s.rows * s.width)
        var gate = [Float](repeating: 0, count: s.rows * s.inner), up = gate, out = gathered
        var c = WorkCounters()
        x.withUnsafeBufferPointer { xp in
            router.withUnsafeBufferPointer { rp in
                let pointers = weights.map { w in
                    (UnsafeMutablePointer<Float>.allocate(capacity: w.0.count), UnsafeMutablePointer<Float>.allocate(capacity: w.1.count),
                     UnsafeMutablePointer<Float>.allocate(capacity: w.2.count))
                }
                defer { for p in pointers { p.0.deallocate(); p.1.deallocate(); p.2.deallocate() } }
                for (p, w) in zip(pointers, weights) {
                    p.0.initialize(from: w.0, count: w.0.count); p.1.initialize(from: w.1, count: w.1.count); p.2.initialize(from: w.2, count: w.2.count)
                }
                let experts = pointers.map { MixtureOfExperts.ExpertWeights(gate: $0.0, up: $0.1, down: $0.2) }
                let scratch = MixtureOfExperts.Scratch(logits: &logits, gathered: &gathered, gate: &gate, up: &up, out: &out)
                let f = reference ? MixtureOfExperts.reference : MixtureOfExperts.forward
                f(xp.baseAddress!, rp.baseAddress!, experts, s.active, scratch, &y, s.rows, s.width, s.inner, &c)
            }
        }
        return (y, c)
    }

    @Test("fast equals the naive reference; counters equal", arguments: shapes)
    func matchesReference(s: Shape) {
        let fast = run(s, reference: false), ref = run(s, reference: true)
        #expect(maxAbsDiff(fast.y, ref.y) < 1e-4)  // see the file header
        #expect(fast.counters == ref.counters)
    }

    @Test("executed work: 2MdE + 6kMdI matmul, 5ME + 5kMI + 2kMd other; between k and E experts touched", arguments: shapes)
    func counters(s: Shape) {
        let c = run(s, reference: false).counters
        let (m, d, i, e, k) = (Int64(s.rows), Int64(s.width), Int64(s.inner), Int64(s.experts), Int64(s.active))
        #expect(c.matmulFlops == 2 * m * d * e + 6 * k * m * d * i)
        #expect(c.otherFlops == 5 * m * e + 5 * k * m * i + 2 * k * m * d)
        #expect(c.expertsTouched >= k && c.expertsTouched <= e)
        if s.rows == 1 { #expect(c.expertsTouched == k) }
        if s.active == s.experts { #expect(c.expertsTouched == e) }
    }

    @Test("the cost model's expert operator counts what the kernel executes (norm apart)", arguments: shapes)
    func costModelAgrees(s: Shape) {
        let spec = ModelSpec(id: "moe", source: "test", hiddenSize: s.width, vocabSize: 11, dtypes: .uniform(.fp32), runs: [
            BlockRun(Block(mixer: .attention(Attention(heads: 1, kvHeads: 1, headDim: 4)),
                           feedForward: .experts(Experts(count: s.experts, active: s.active, inner: s.inner))), count: 1)])
        let op = spec.prefillCost(batch: 1, promptTokens: s.rows, dtypes: .uniform(.fp32)).operators.first { $0.id.part == .ffn }!
        let c = run(s, reference: false).counters
        #expect(op.flops.matmul == Int128(c.matmulFlops))
        // the block's pre-feed-forward RMSNorm (4 d per row) is part of the operator, not of this kernel
        #expect(op.flops.other == Int128(c.otherFlops) + 4 * Int128(s.rows * s.width))
    }
}
