// RMSNorm: y = x / sqrt(mean(x^2) + eps) * w (no bias, no mean subtraction; eps 1e-5, BRIEF §2).
// Shapes: x [M, n] with row stride ldx, w [n] (nil = no weight, used per head in gRet), y [M, n]
// with row stride ldy (y may alias x).
// Executed work: 4 other FLOPs per element (square-accumulate 2, scale 1, weight 1).

public enum RMSNorm {
    public static let epsilon: Float = 1e-5
    public static let otherFlopsPerElement: Int64 = 4

    public static func forward(
        _ x: UnsafePointer<Float>, ldx: Int, weight: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, ldy: Int,
        rows: Int, width: Int, counters: inout WorkCounters
    ) {
        for r in 0..<rows {
            let xr = x + r * ldx, yr = y + r * ldy
            var acc = SIMD8<Float>(repeating: 0)
            var i = 0
            let raw = UnsafeRawPointer(xr)
            while i + 8 <= width {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                acc += v * v
                i += 8
            }
            var ss = acc.sum()
            while i < width { ss += xr[i] * xr[i]; i += 1 }
            let inv = 1 / (ss / Float(width) + epsilon).squareRoot()
            if let weight {
                for j in 0..<width { yr[j] = xr[j] * inv * weight[j] }
            } else {
                for j in 0..<width { yr[j] = xr[j] * inv }
            }
        }
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(width)
    }

    /// Naive reference (Double accumulation), same signature.
    public static func reference(
        _ x: UnsafePointer<Float>, ldx: Int, weight: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, ldy: Int,
        rows: Int, width: Int, counters: inout WorkCounters
    ) {
        for r in 0..<rows {
            var ss = 0.0
            for j in 0..<width { ss += Double(x[r * ldx + j]) * Double(x[r * ldx + j]) }
            let inv = 1 / (ss / Double(width) + Double(epsilon)).squareRoot()
            for j in 0..<width {
                y[r * ldy + j] = Float(Double(x[r * ldx + j]) * inv * Double(weight?[j] ?? 1))
            }
        }
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(width)
    }
}
