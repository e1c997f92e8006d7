// Rotary position embedding, interleaved pairs: for each head and i < dh/2, the pair
// (x[2i], x[2i+1]) at position p is rotated by the angle p * base^(-2i/dh), base 10000.
// Shapes: x [M, heads, dh] with row stride ldx; row r sits at position positions(r).
// Angles are formed in Double (p * theta), so positions up to 16M keep full fp32 accuracy.
// Executed work: 3 other FLOPs per element (4 multiplies and 2 adds per pair).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// cos/sin of every (position, pair) for a run of consecutive positions: [count, dh/2] each.
public struct RoPETable {
    public let firstPosition: Int
    public let count: Int
    public let headDim: Int
    public let cos: [Float]
    public let sin: [Float]

    public init(firstPosition: Int, count: Int, headDim: Int, base: Double = 10000) {
        self.firstPosition = firstPosition
        self.count = count
        self.headDim = headDim
        let half = headDim / 2
        var c = [Float](repeating: 0, count: count * half), s = c
        for i in 0..<half {
            let theta = pow(base, -2.0 * Double(i) / Double(headDim))
            for p in 0..<count {
                let a = Double(firstPosition + p) * theta
                c[p * half + i] = Float(Glibc.cos(a))
                s[p * half + i] = Float(Glibc.sin(a))
            }
        }
        self.cos = c
        self.sin = s
    }
}

public enum RoPE {
    public static let otherFlopsPerElement: Int64 = 3

    /// Rotates `rows` rows; row r uses table row `tableRow0 + r % positionsPerBatch` (rows are
    /// [B, T] flattened, T = positionsPerBatch), i.e. position table.firstPosition + that row.
    public static func forward(
        _ x: UnsafeMutablePointer<Float>, ldx: Int, rows: Int, heads: Int, headDim: Int,
        positionsPerBatch: Int, table: RoPETable, tableRow0: Int = 0, counters: inout WorkCounters
    ) {
        let half = headDim / 2
        table.cos.withUnsafeBufferPointer { cb in
            table.sin.withUnsafeBufferPointer { sb in
                for r in 0..<rows {
                    let t = tableRow0 + r % positionsPerBatch
                    let c = cb.baseAddress! + t * half, s = sb.baseAddress! + t * half
                    for h in 0..<heads {
                        let xh = x + r * ldx + h * headDim
                        for i in 0..<half {
                            let a = xh[2 * i], b = xh[2 * i + 1]
                            xh[2 * i] = a * c[i] - b * s[i]
                            xh[2 * i + 1] = a * s[i] + b * c[i]
                        }
                    }
                }
            }
        }
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(heads * headDim)
    }

    /// Naive reference: angles computed per element in Double, same signature.
    public static func reference(
        _ x: UnsafeMutablePointer<Float>, ldx: Int, rows: Int, heads: Int, headDim: Int,
        positionsPerBatch: Int, table: RoPETable, tableRow0: Int = 0, counters: inout WorkCounters
    ) {
        for r in 0..<rows {
            let p = Double(table.firstPosition + tableRow0 + r % positionsPerBatch)
            for h in 0..<heads {
                for i in 0..<(headDim / 2) {
                    let ang = p * pow(10000.0, -2.0 * Double(i) / Double(headDim))
                    let a = Double(x[r * ldx + h * headDim + 2 * i]), b = Double(x[r * ldx + h * headDim + 2 * i + 1])
                    x[r * ldx + h * headDim + 2 * i] = Float(a * Glibc.cos(ang) - b * Glibc.sin(ang))
                    x[r * ldx + h * headDim + 2 * i + 1] = Float(a * Glibc.sin(ang) + b * Glibc.cos(ang))
                }
            }
        }
        counters.otherFlops += otherFlopsPerElement * Int64(rows) * Int64(heads * headDim)
    }
}
