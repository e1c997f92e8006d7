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

// Per-shape times (issue 14 §2, 2 Dec). One fraction per working set is a line over every shape,
// and the shapes do not share one: on this host a wide head (256 x 4096) reads at about 21 GB/s
// from DRAM where the feed-forward's 256 x 768 and 768 x 256 read at 9-12, so the line (its slope
// set by the head, its intercept by the small shapes) priced a decode step's feed-forward at about
// half its time (05:48 and 06:10 runs of 2 Dec: decode ffn +70% median, head +77%). A profile's
// `one_row_product_seconds_by_shape` states each calibrated matrix's seconds per one-row call by
// working set instead; an operator whose every one-row matrix has a row there is charged
//
//   sum over its calls of seconds(K x N, W)  +  (bytes - the calls' K N + K + N fp32 values) / rate(W)
//
// as its memory time (the second term: its activations, cache writes and vectors at the rate any
// operator pays at W), and no per-call cost beside it (the call's time includes it); each curve is
// linear in log2(W) between its points and flat beyond them, W = 0 taking the last. The builders
// state the shapes only for an all-fp32 plan (the times are fp32 sgemv calls: Roofline.swift's
// `oneRowCalls(rows:matrices:_:)`); an operator without them, or with a matrix missing from the
// table, keeps the fraction rule above.

/// The shape of one matrix a one-row product call reads: y[outputs] = x[inputs] W.
public struct OneRowMatrix: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var inputs: Int
    public var outputs: Int

    public init(inputs: Int, outputs: Int) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// `KxN` (`256x768`), the profile's key.
    public var description: String { "\(inputs)x\(outputs)" }

    /// Parses `KxN` with positive K and N; nil otherwise.
    public init?(key: String) {
        let parts = key.split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), k > 0, n > 0, "\(k)x\(n)" == key else { return nil }
        self.init(inputs: k, outputs: n)
    }

    /// Bytes one call moves as the roofline counts them: W, x and y in fp32 (the kernels' dtype).
    public var callBytes: Int128 { 4 * (Int128(inputs) * Int128(outputs) + Int128(inputs) + Int128(outputs)) }

    public static func < (a: OneRowMatrix, b: OneRowMatrix) -> Bool { (a.inputs, a.outputs) < (b.inputs, b.outputs) }
}

/// A profile's per-shape one-row call times in the form the roofline reads.
public struct OneRowProductTimes: Sendable, Hashable {
    /// Seconds per call by working set, per matrix shape.
    public var curves: [OneRowMatrix: WorkingSetCurve]

    /// nil when the profile states no shape.
    public init?(secondsByShape: [OneRowMatrix: [Int128: Double]]) {
        let c = secondsByShape.compactMapValues(WorkingSetCurve.init)
        guard !c.isEmpty else { return nil }
        curves = c
    }

    /// Whether every one-row call of `op` has its matrix's curve (then the header's rule prices it).
    public func covers(_ op: OperatorCost) -> Bool {
        !op.oneRowProductMatrices.isEmpty && op.oneRowProductMatrices.allSatisfy { curves[$0] != nil }
    }

    /// `op`'s memory seconds per instance by the header's rule, its other bytes at `restBytesPerSecond`;
    /// nil when it is not covered.
    public func memorySeconds(_ op: OperatorCost, restBytesPerSecond: Double) -> Double? {
        guard covers(op) else { return nil }
        var seconds = 0.0, callBytes: Int128 = 0
        for m in op.oneRowProductMatrices {
            let curve = curves[m]!  // covered
            seconds += op.reuseWorkingSetBytes > 0 ? curve.value(atBytes: op.reuseWorkingSetBytes) : curve.last
            callBytes += m.callBytes
        }
        return seconds + max(0, op.bytes - callBytes).fastDouble / restBytesPerSecond
    }

    /// Seconds per call from 1 ns to 1 s; working-set keys in the cache level's range.
    public static func validate(_ table: [OneRowMatrix: [Int128: Double]]) throws(SpecError) {
        for (m, points) in table.sorted(by: { $0.key < $1.key }) {
            for (w, s) in points.sorted(by: { $0.key < $1.key }) {
                if !CacheLevel.workingSetBytesRange.contains(w) {
                    throw SpecError(field: "one_row_product_seconds_by_shape.\(m)", constraint: "keys must be working sets from 2^10 (1 KiB) to 2^50 (1 PiB) bytes", value: "\(w)")
                }
                if !(s >= 1e-9 && s <= 1) {
                    throw SpecError(field: "one_row_product_seconds_by_shape.\(m).\(w)", constraint: "must be from 1e-9 to 1 second per call", value: "\(s)")
                }
            }
        }
    }
}
