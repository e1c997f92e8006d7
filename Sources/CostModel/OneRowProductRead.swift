// The read rate of a one-row product (issue 14 §2): below 4 token rows the kernels run each product
// as one sgemv per row and matrix (Kernels/Linear.swift), and a sgemv need not read its matrix at
// the stream read's rate for the same working set (2 Dec, this host: at 01:36 UTC, loaded, 17.7 GB/s
// from the LLC and 10.6 from DRAM where the 23:06 profile charges 61.5 and 16.2; at 02:06, quieter,
// 71.9 and 18.8 GB/s against that run's own 36 and 13.2: faster). A profile's
// `one_row_product_read_fraction_by_working_set_bytes` states that read as a fraction of the
// roofline's own rate at the same working set, so an operator with one-row product calls is charged
//
//   bytes / (memory rate(W) x fraction(W))  +  calls x one_row_product_call_seconds
//
// where memory rate(W) is what any operator with reuse working set W pays (the DRAM rate, or the
// cache level's speed-up over it: CacheLevel.swift) and fraction(W) the profile's points linear in
// log2(W) between them and flat beyond the first and the last (Log2Interpolation, the cache level's
// rule); W = 0 (no reuse stated) takes the last (DRAM-sized) point. `calibrate` measures two points
// (Profiler/Calibration+OneRowProducts.swift): a line seconds = intercept + roofline seconds / fraction
// fitted over the calibration models' shapes, LLC-resident and DRAM-sized; the intercepts give
// `one_row_product_call_seconds`. A fraction, not an absolute rate, so that a host's speed at
// calibration cancels against the same run's stream read (the cache level's reason); that it
// carries between runs on this VM is not established (docs/VALIDATION.md, "The one-row product
// call": the 02:06 fractions re-predict the 23:06 blocks too fast). A profile without the points
// charges those bytes as every operator's.

/// A profile's one-row product read fractions in the form the roofline reads.
public struct OneRowProductRead: Sendable, Hashable {
    /// Fraction of the roofline's rate by working set.
    public var curve: WorkingSetCurve

    /// nil when the profile states no points.
    public init?(fractionByWorkingSetBytes: [Int128: Double]) {
        guard let curve = WorkingSetCurve(fractionByWorkingSetBytes) else { return nil }
        self.curve = curve
    }

    /// The fraction at reuse working set `workingSetBytes` (the header's rule): W = 0 takes the
    /// last (DRAM-sized) point.
    public func fraction(workingSetBytes w: Int128) -> Double {
        w > 0 ? curve.value(atBytes: w) : curve.last
    }

    /// Fractions from 1/1000 to 10 of the roofline's rate (a sgemv may beat a stream read a little,
    /// never by an order of magnitude); keys in the cache level's working-set range.
    public static let fractionRange: ClosedRange<Double> = 1e-3...10

    public static func validate(_ table: [Int128: Double]) throws(SpecError) {
        for (w, f) in table.sorted(by: { $0.key < $1.key }) {
            if !CacheLevel.workingSetBytesRange.contains(w) {
                throw SpecError(field: "one_row_product_read_fraction_by_working_set_bytes", constraint: "keys must be working sets from 2^10 (1 KiB) to 2^50 (1 PiB) bytes", value: "\(w)")
            }
            if !fractionRange.contains(f) {
                throw SpecError(field: "one_row_product_read_fraction_by_working_set_bytes.\(w)", constraint: "must be from 0.001 to 10 (a fraction of the roofline's read rate)", value: "\(f)")
            }
        }
    }
}
