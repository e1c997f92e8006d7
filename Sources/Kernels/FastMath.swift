import CKernels
// Vectorised exp and helpers used by softmax, SwiGLU and gated retention.
//
// exp(x) = 2^n * p(f), n = round(x * log2 e), f = x - n ln 2 (Cody-Waite split), p a degree-6
// Taylor polynomial; relative error below 2e-7 on [-87, 88] (tested against Foundation.exp).
// x below -87.3 (including -inf) gives exactly 0, so masked scores contribute nothing.

@usableFromInline let expLowFloat: Float = -87.3

@inline(__always)
func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let low = x .< SIMD8(repeating: expLowFloat)
    let xc = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.7))
    // Round x log2(e) to an integer with the 1.5 * 2^23 shifter: the float t carries n in its low
    // mantissa bits, so 2^n is built with integer lane ops only (no float-to-int conversion call).
    let shifter = SIMD8<Float>(repeating: 12_582_912)
    let t = xc * 1.442_695_04 + shifter
    let n = t - shifter
    var f = xc - n * 0.693_359_375
    f = f + n * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * f + 1.0 / 120
    p = p * f + 1.0 / 24
    p = p * f + 1.0 / 6
    p = p * f + 0.5
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
    public static var avx512Kernels: Bool { yc_has_avx512() != 0 }

    /// Runs `body` with the portable C kernels on this thread (tests; worker threads are not affected,
    /// so use one worker inside).
    static func withPortableKernels<T>(_ body: () throws -> T) rethrows -> T {
        yc_force_portable(1)
        defer { yc_force_portable(0) }
        return try body()
    }

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

    /// sigmoid(x) = 1 / (1 + exp(-x)).
    @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp1(-x)) }

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
