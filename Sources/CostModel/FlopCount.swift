// FLOP counts that cannot overflow, split by the kind of arithmetic (BRIEF §3, "FLOPs").
//
// One multiply-add is 2 FLOPs. `matmul` holds every matrix product (projections, QKᵀ, PV, the
// gated-retention products QKᵀ⊙D·V, q·S and KᵀV, the output head); `other` holds element-wise work
// (norms, softmax, RoPE, decays and gates, the SwiGLU activation, residual adds).
//
// Why Int128 is enough: within `Limits` (L <= 2^12, B <= 2^24, N <= 2^24, d <= 2^20, F <= 2^23,
// H*dh <= 2^30) the largest term the model forms is the attention core of a prefill,
//   4 * L * B * N^2 * H * dh  <=  2^2 * 2^12 * 2^24 * 2^48 * 2^30  =  2^116,
// and a whole decode of G <= 2^24 steps sums at most 2^24 such steps of at most 2^92 each: both are
// far below Int128.max (about 2^127). Conversion to Double (for time) is exact to 53 bits, i.e. to
// about one part in 10^16.

/// A FLOP count split into matrix-product and element-wise work.
public struct FlopCount: Sendable, Hashable, AdditiveArithmetic, CustomStringConvertible {
    /// FLOPs of matrix products (2 per multiply-add).
    public var matmul: Int128
    /// FLOPs of element-wise work.
    public var other: Int128

    public init(matmul: Int128 = 0, other: Int128 = 0) {
        self.matmul = matmul
        self.other = other
    }

    public static var zero: FlopCount { FlopCount() }

    public var total: Int128 { matmul + other }

    /// The total as a Double, for the latency model.
    public var totalDouble: Double { total.fastDouble }

    public static func + (a: FlopCount, b: FlopCount) -> FlopCount {
        FlopCount(matmul: a.matmul + b.matmul, other: a.other + b.other)
    }

    public static func - (a: FlopCount, b: FlopCount) -> FlopCount {
        FlopCount(matmul: a.matmul - b.matmul, other: a.other - b.other)
    }

    /// Scales both parts by an integer count (layers, sequences, heads).
    public static func * (k: Int128, a: FlopCount) -> FlopCount {
        FlopCount(matmul: k * a.matmul, other: k * a.other)
    }

    public static func * (k: Int, a: FlopCount) -> FlopCount { Int128(k) * a }

    /// FLOPs of a product of an [m, k] by a [k, n] matrix: 2 * m * k * n.
    public static func gemm(_ m: Int128, _ k: Int128, _ n: Int128) -> FlopCount {
        FlopCount(matmul: 2 * m * k * n)
    }

    public static func elementwise(_ flops: Int128) -> FlopCount {
        FlopCount(other: flops)
    }

    public var description: String { "\(total) FLOPs (matmul \(matmul), other \(other))" }
}

extension Int128 {
    /// The nearest Double (within one ulp): the generic `Double(Int128)` conversion costs hundreds
    /// of nanoseconds, which dominated an estimate; values that fit Int64 convert in one instruction.
    @inlinable public var fastDouble: Double {
        if self >= Int128(Int64.min) && self <= Int128(Int64.max) { return Double(Int64(truncatingIfNeeded: self)) }
        let high = Int64(truncatingIfNeeded: self >> 64), low = UInt64(truncatingIfNeeded: self)
        return Double(high) * 18_446_744_073_709_551_616.0 + Double(low)
    }
}
