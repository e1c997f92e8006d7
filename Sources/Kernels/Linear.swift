// Linear projection (no bias): Y = X W.
// Shapes: X [M, K] row-major (M = B*T tokens), W [K, N] row-major (d_in x d_out), Y [M, N].
// Executed work: 2*M*K*N matmul FLOPs.

public enum Linear {
    /// Fast: one cblas_sgemm.
    public static func forward(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        m: Int, k: Int, n: Int, accumulate: Bool = false, counters: inout WorkCounters
    ) {
        BLAS.gemm(m: m, n: n, k: k, a: x, lda: k, b: w, ldb: n, beta: accumulate ? 1 : 0, c: y, ldc: n)
        counters.matmulFlops += 2 * Int64(m) * Int64(k) * Int64(n)
    }

    /// Naive reference with the same signature (Double accumulation).
    public static func reference(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        m: Int, k: Int, n: Int, accumulate: Bool = false, counters: inout WorkCounters
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(x[i * k + p]) * Double(w[p * n + j]) }
                y[i * n + j] = Float(s) + (accumulate ? y[i * n + j] : 0)
            }
        }
        counters.matmulFlops += 2 * Int64(m) * Int64(k) * Int64(n)
    }
}
