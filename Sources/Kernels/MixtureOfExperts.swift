// Mixture-of-experts feed-forward (no biases, no shared experts): a router, top-k per row, and per
// expert a SwiGLU over the rows routed to it, each expert's output added to the residual stream
// weighted by its router probability.
// Shapes (row-major): x [M, d] (normed input), router Wr [d, E], per expert e gate/up [d, I] and
// down [I, d]; workspace logits [M, E], gathered rows xe [M, d], gate and up [M, I], ye [M, d];
// y [M, d] the residual stream (accumulated into).
// Routing: p = softmax(x Wr) over all E; the k largest p (ties to the lower expert index) are
// chosen and weighted by p itself (no renormalisation over the k: Qwen's norm_topk_prob false).
// Executed work, for M rows:
//   matmul  2 M d E (router) + sum_e 2 c_e (d 2I + I d) = 2 M d E + 6 k M d I   (c_e rows on expert e)
//   other   5 M E (softmax: max, subtract, exp, sum, divide) + 5 k M I (SwiGLU) + 2 k M d (weighted add)
//   experts touched: the experts with c_e > 0 (what a pass reads of the expert weights)
// Kernel-local bookkeeping (the k choices and weights per row, the rows of each expert: M k ints
// and floats) is held in Swift arrays, not the counted workspace.

public enum MixtureOfExperts {
    /// Softmax FLOPs per router logit.
    public static let softmaxFlopsPerLogit: Int64 = 5
    /// Weighted accumulation of one expert output element (multiply, add).
    public static let combineFlopsPerElement: Int64 = 2

    /// One expert's weights.
    public struct ExpertWeights {
        public var gate, up, down: UnsafePointer<Float>
        public init(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, down: UnsafePointer<Float>) {
            self.gate = gate
            self.up = up
            self.down = down
        }
    }

    /// Workspace pointers (sizes in the file header).
    public struct Scratch {
        public var logits, gathered, gate, up, out: UnsafeMutablePointer<Float>
        public init(logits: UnsafeMutablePointer<Float>, gathered: UnsafeMutablePointer<Float>, gate: UnsafeMutablePointer<Float>,
                    up: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>) {
            self.logits = logits
            self.gathered = gathered
            self.gate = gate
            self.up = up
            self.out = out
        }
    }

    /// Per row, the k chosen experts and their weights, from softmaxed logits [M, E].
    static func topK(_ p: UnsafePointer<Float>, rows: Int, experts: Int, k: Int) -> [(expert: Int, weight: Float)] {
        var out: [(expert: Int, weight: Float)] = []
        out.reserveCapacity(rows * k)
        for r in 0..<rows {
            let row = p + r * experts
            var chosen: [Int] = []
            for _ in 0..<k {
                var best = -1
                for e in 0..<experts where !chosen.contains(e) && (best < 0 || row[e] > row[best]) { best = e }
                chosen.append(best)
                out.append((best, row[best]))
            }
        }
        return out
    }

    /// Fast: the router through one sgemm, then per expert its routed rows gathered and run through
    /// SwiGLU (OpenBLAS), scattered back weighted.
    public static func forward(
        _ x: UnsafePointer<Float>, router: UnsafePointer<Float>, experts: [ExpertWeights], active k: Int,
        scratch s: Scratch, _ y: UnsafeMutablePointer<Float>, rows: Int, width d: Int, inner: Int, counters: inout WorkCounters
    ) {
        let e = experts.count
        precondition(k >= 1 && k <= e, "top-k must be between 1 and the \(e) experts; received \(k)")
        Linear.forward(x, router, s.logits, m: rows, k: d, n: e, counters: &counters)
        for r in 0..<rows { softmax(s.logits + r * e, count: e) }
        counters.otherFlops += softmaxFlopsPerLogit * Int64(rows) * Int64(e)
        let choice = topK(s.logits, rows: rows, experts: e, k: k)
        var rowsOf = [[(row: Int, weight: Float)]](repeating: [], count: e)
        for (i, c) in choice.enumerated() { rowsOf[c.expert].append((i / k, c.weight)) }
        for (ei, routed) in rowsOf.enumerated() where !routed.isEmpty {
            let c = routed.count
            for (j, r) in routed.enumerated() { (s.gathered + j * d).update(from: x + r.row * d, count: d) }
            SwiGLU.forward(s.gathered, wGate: experts[ei].gate, wUp: experts[ei].up, wDown: experts[ei].down,
                           gate: s.gate, up: s.up, s.out, rows: c, width: d, inner: inner, accumulate: false, counters: &counters)
            for (j, r) in routed.enumerated() {
                let dst = y + r.row * d, src = s.out + j * d
                for t in 0..<d { dst[t] += r.weight * src[t] }
            }
            counters.otherFlops += combineFlopsPerElement * Int64(c) * Int64(d)
            counters.expertsTouched += 1
        }
    }

    /// In-place softmax of `count` logits.
    static func softmax(_ z: UnsafeMutablePointer<Float>, count: Int) {
        var m = z[0]
        for i in 1..<count { m = max(m, z[i]) }
        var sum: Float = 0
        for i in 0..<count { z[i] = exp1(z[i] - m); sum += z[i] }
        for i in 0..<count { z[i] /= sum }
    }

    /// Naive reference, same signature: per row, Double router logits and softmax, then the k
    /// experts' SwiGLU on that row alone (reference products).
    public static func reference(
        _ x: UnsafePointer<Float>, router: UnsafePointer<Float>, experts: [ExpertWeights], active k: Int,
        scratch s: Scratch, _ y: UnsafeMutablePointer<Float>, rows: Int, width d: Int, inner: Int, counters: inout WorkCounters
    ) {
        let e = experts.count
        precondition(k >= 1 && k <= e, "top-k must be between 1 and the \(e) experts; received \(k)")
        Linear.reference(x, router, s.logits, m: rows, k: d, n: e, counters: &counters)
        for r in 0..<rows {
            let z = s.logits + r * e
            let m = (0..<e).map { Double(z[$0]) }.max()!
            let ex = (0..<e).map { exp(Double(z[$0]) - m) }
            let sum = ex.reduce(0, +)
            for i in 0..<e { z[i] = Float(ex[i] / sum) }
        }
        counters.otherFlops += softmaxFlopsPerLogit * Int64(rows) * Int64(e)
        let choice = topK(s.logits, rows: rows, experts: e, k: k)
        var touched = Set<Int>()
        for (i, c) in choice.enumerated() {
            let r = i / k
            SwiGLU.reference(x + r * d, wGate: experts[c.expert].gate, wUp: experts[c.expert].up, wDown: experts[c.expert].down,
                             gate: s.gate, up: s.up, s.out, rows: 1, width: d, inner: inner, accumulate: false, counters: &counters)
            for t in 0..<d { y[r * d + t] += c.weight * s.out[t] }
            counters.otherFlops += combineFlopsPerElement * Int64(d)
            touched.insert(c.expert)
        }
        counters.expertsTouched += Int64(touched.count)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
