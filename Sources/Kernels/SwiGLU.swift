// SwiGLU feed-forward (no biases): y = (swish(x Wg) ⊙ x W1) W2, swish(z) = z * sigmoid(z).
// Shapes: x [M, d], Wg and W1 [d, F], W2 [F, d], workspace gate and up [M, F], y [M, d].
// `accumulate` adds into y (the residual stream) instead of overwriting it.
// Executed work: 6*M*d*F matmul FLOPs; 5 other FLOPs per element of [M, F] (swish 4, product 1).

import CKernels

public enum SwiGLU {
    public static let otherFlopsPerElement: Int64 = 5

    public static func forward(
        _ x: UnsafePointer<Float>, wGate: UnsafePointer<Float>, wUp: UnsafePointer<Float>, wDown: UnsafePointer<Float>,
        gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, inner: Int, accumulate: Bool, counters: inout WorkCounters
    ) {
        Linear.forward(x, wGate, gate, m: rows, k: width, n: inner, counters: &counters)
        Linear.forward(x, wUp, up, m: rows, k: width, n: inner, counters: &counters)
        swishProduct(gate, up, count: rows * inner)
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(inner)
        Linear.forward(gate, wDown, y, m: rows, k: inner, n: width, accumulate: accumulate, counters: &counters)
    }

    /// gate[i] = swish(gate[i]) * up[i], on the CKernels path in use (`yc_swish_product`). Written in
    /// Swift on SIMD8 before, the exp's lane masks compiled to a scalar loop: about 16 ns per element,
    /// a third of a 1K-token feed-forward's time (issue 14, docs/VALIDATION.md).
    public static func swishProduct(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        yc_swish_product(gate, up, gate, count)
    }

    /// Naive reference, same signature.
    public static func reference(
        _ x: UnsafePointer<Float>, wGate: UnsafePointer<Float>, wUp: UnsafePointer<Float>, wDown: UnsafePointer<Float>,
        gate: UnsafeMutablePointer<Float>, up: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, inner: Int, accumulate: Bool, counters: inout WorkCounters
    ) {
        Linear.reference(x, wGate, gate, m: rows, k: width, n: inner, counters: &counters)
        Linear.reference(x, wUp, up, m: rows, k: width, n: inner, counters: &counters)
        for i in 0..<(rows * inner) {
            let z = Double(gate[i])
            gate[i] = Float(z / (1 + Glibc.exp(-z)) * Double(up[i]))
        }
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(inner)
        Linear.reference(gate, wDown, y, m: rows, k: inner, n: width, accumulate: accumulate, counters: &counters)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
