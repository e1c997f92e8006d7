import CKernels
// Vectorised exp and helpers used by softmax, SwiGLU and gated retention.
//
// exp(x) = 2^n * p(f), n = round(x * log2 e), f = x - n ln 2 (Cody-Waite split), p a degree-6
// Taylor polynomial; relative error below 3e-7 on [-87.3, 88.37] (tested against Foundation.exp).
// x below -87.3 (including -inf) gives exactly 0, so masked scores contribute nothing.
// The constants are CKernels' (include/yc_exp.h): one polynomial for the Swift and every C path.

@usableFromInline let expLowFloat: Float = YC_EXP_LO

@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // below LO, -inf and NaN give 0 (NaN compares false with everything), as on every C path
    let low = .!(x .>= SIMD8(repeating: expLowFloat))
    let xc = x.clamped(lowerBound: SIMD8(repeating: YC_EXP_LO), upperBound: SIMD8(repeating: YC_EXP_HI))
    // Round x log2(e) to an integer with the 1.5 * 2^23 shifter: the float t carries n in its low
    // mantissa bits, so 2^n is built with integer lane ops only (no float-to-int conversion call).
    let shifter = SIMD8<Float>(repeating: YC_EXP_SHIFTER)
    let t = xc * YC_EXP_LOG2E + shifter
    let n = t - shifter
    var f = xc - n * YC_EXP_LN2_HI
    f = f + n * YC_EXP_LN2_LO
    var p = SIMD8<Float>(repeating: YC_EXP_C6)
    p = p * f + YC_EXP_C5
    p = p * f + YC_EXP_C4
    p = p * f + YC_EXP_C3
    p = p * f + YC_EXP_C2
    p = p * f + 1
    p = p * f + 1
    let ti = unsafeBitCast(t, to: SIMD8<UInt32>.self) &- unsafeBitCast(shifter, to: SIMD8<UInt32>.self)
    let scale = unsafeBitCast((ti &+ 127) &<< 23, to: SIMD8<Float>.self)
    return (p * scale).replacing(with: 0, where: low)
}

@inline(__always)
func exp1(_ x: Float) -> Float { exp8(SIMD8(repeating: x))[0] }

public enum FastMath {
    /// True when the CKernels softmax, decode and decay kernels run their AVX-512 paths here.
    public static var avx512Kernels: Bool { SIMDPath.current == .avx512 }

    /// Maximum of p[0..<count] (-inf when count == 0).
    @inline(__always)
    public static func max(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            m = pointwiseMax(m, raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            i += 8
        }
        var r = m.max()
        while i < count { r = Swift.max(r, p[i]); i += 1 }
        return r
    }

    /// p[i] *= s.
    @inline(__always)
    public static func scale(_ p: UnsafeMutablePointer<Float>, count: Int, by s: Float) {
        var i = 0
        let raw = UnsafeMutableRawPointer(p)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * s
            raw.storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { p[i] *= s; i += 1 }
    }

    /// log(sigmoid(x)) computed stably: -softplus(-x).
    @inline(__always)
    public static func logSigmoid(_ x: Float) -> Float {
        x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
