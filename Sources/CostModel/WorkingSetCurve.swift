// A value by working-set bytes, linear in log2(bytes) between its points and flat beyond the first
// and the last (Log2Interpolation, the rule of every curve here). Read by the cache level's rates
// (CacheLevel.swift) and the one-row products' read fractions (OneRowProductRead.swift).

/// Points (log2 working-set bytes, value), ascending; never empty.
public struct WorkingSetCurve: Sendable, Hashable {
    public var log2Bytes: [Double]
    public var values: [Double]

    /// nil when the table is empty.
    public init?(_ table: [Int128: Double]) {
        let sorted = table.sorted { $0.key < $1.key }
        guard !sorted.isEmpty else { return nil }
        log2Bytes = sorted.map { $0.key.fastDouble.log2Approximation }
        values = sorted.map(\.value)
    }

    /// The value at the largest working set.
    public var last: Double { values[values.count - 1] }

    /// The value at `bytes` of working set.
    public func value(atBytes bytes: Int128) -> Double {
        Log2Interpolation.value(zip(log2Bytes, values).map { (log2X: $0, value: $1) },
                                atLog2: bytes.fastDouble.log2Approximation) ?? last
    }
}
