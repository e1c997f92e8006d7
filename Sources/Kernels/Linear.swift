// Linear projection (no bias): Y = X W.
// Shapes: X [M, K] row-major (M = B*T tokens), W [K, N] row-major (d_in x d_out), Y [M, N].
// Executed work: 2*M*K*N matmul FLOPs.

public enum Linear {
    /// Below this many rows (decode steps at small batch, the head on the last position) the
    /// product is a matrix-vector product per row: OpenBLAS's sgemm packs the whole weight matrix
    /// on every call, which made a 1 x 256 x 4096 head 7x slower than sgemv here (231 vs 33 µs).
    public static let gemvRows = 4

    /// Fast: one cblas_sgemm, or one cblas_sgemv per row when there are fewer than `gemvRows` rows.
    public static func forward(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
        m: Int, k: Int, n: Int, accumulate: Bool = false, counters: inout WorkCounters
    ) {
        if m < gemvRows {
            // y_i[n] = Wᵀ[n, k] x_i[k]: W is [k, n] row-major, so the transposed product reads it once.
            for i in 0..<m {
                BLAS.gemv(trans: true, rows: k, cols: n, a: w, lda: n, x: x + i * k, beta: accumulate ? 1 : 0, y: y + i * n)
            }
        } else {
            BLAS.gemm(m: m, n: n, k: k, a: x, lda: k, b: w, ldb: n, beta: accumulate ? 1 : 0, c: y, ldc: n)
        }
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
