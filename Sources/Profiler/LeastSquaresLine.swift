// An ordinary least-squares line y = intercept + slope x through measured points (the one-row
// products' seconds against their bytes' roofline seconds, Calibration+OneRowProducts.swift):
//
//   slope = sum (x - mean x)(y - mean y) / sum (x - mean x)^2,   intercept = mean y - slope mean x

/// A fitted line.
public struct LeastSquaresLine: Sendable, Hashable {
    public var intercept: Double
    public var slope: Double

    /// nil with fewer than two distinct x (no line is determined).
    public init?(_ points: [(x: Double, y: Double)]) {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.reduce(0) { $0 + $1.x } / n, my = points.reduce(0) { $0 + $1.y } / n
        let sxx = points.reduce(0) { $0 + ($1.x - mx) * ($1.x - mx) }
        guard sxx > 0 else { return nil }
        slope = points.reduce(0) { $0 + ($1.x - mx) * ($1.y - my) } / sxx
        intercept = my - slope * mx
    }
}
