// The fixed cost of a one-row product call (issue 14 §2): what each BLAS call of a decode step's
// products costs beyond its bytes. A microbenchmark only, never a model run:
//
//   shapes     every distinct K x N of the calibration models' products with weights (q d x H dh,
//              k and v d x Hkv dh, gRet's gate and decay, the FFN's d x ff and ff x d, the head
//              d x V; `ModelSpec.linearMatrices`, routed experts aside), each run as
//              y[N] = x[K] W[K, N] through Linear.forward with one row (one cblas_sgemv on
//              OpenBLAS's thread count, as the kernels run decode), back to back;
//   working    resident: `residentCopies` copies of W, cycled (a layer's few matrices, in the
//   sets       last-level cache after the warm-up pass);
//              DRAM: as many copies as fill the cache level's largest working set (4 x the cache;
//              one stream array where sysfs lists no cache), each read once per pass;
//              between them, each of the cache level's working sets (1/8 to 2 x the cache): as many
//              copies as fill it, cycled, so that a copy is read again after W bytes of the others,
//              as a decode step's matrix is after the step's other bytes (the reuse rule);
//   per call   t = a pass's seconds over its calls, median of the repeats after one warm-up pass;
//   line       per working set (resident, DRAM-sized), over the shapes: the least-squares line
//              t = intercept + slope x, x = call bytes / read rate(W) the roofline's seconds for
//              the call's bytes, call bytes = 4 (K N + K + N), the read rate the roofline's own at
//              that working set (the profile's DRAM rate x the cache level's speed-up there,
//              CostModel/CacheLevel.swift), measured in this run;
//   result     `one_row_product_read_fraction_by_working_set_bytes` = 1 / slope of each line, keyed
//              by the median working set of its points (the sgemv's read rate as a fraction of the
//              roofline's; a line with slope <= 0 gives none); `one_row_product_call_seconds` =
//              the median of the lines' intercepts, floored at 0 (CostModel/OneRowProductRead.swift
//              has the pricing rule). The 01:36 UTC run of 2 Dec showed why a line and not one
//              excess: the excess over the roofline's bytes grew with the matrix (docs/VALIDATION.md).
//              `one_row_product_seconds_by_shape` = every point's median seconds per call, by shape
//              and working set (CostModel/OneRowProductRead.swift, "Per-shape times": the roofline
//              prices a call of a calibrated shape by it, the line only the shapes it lacks).
//
// About 6 passes over 4 x the cache and over each smaller working set per shape: about a second
// on this host.

import CostModel
import Kernels

/// One shape at one working set.
public struct OneRowProductMeasurement: Sendable, Hashable {
    /// W is [k, n]: the product reads k inputs and writes n outputs.
    public var k: Int
    public var n: Int
    /// Bytes of the copies of W cycled through (the working set the read rate is taken at).
    public var workingSetBytes: Int
    /// The resident pass (`residentCopies` copies), else the DRAM-sized one or a curve point.
    public var resident: Bool
    /// A point at one of the cache level's working sets, measured for the per-shape curve only (on
    /// neither line).
    public var curvePoint = false
    /// Seconds of one call, over the repeats.
    public var secondsPerCall: Spread
    /// The roofline's read rate at `workingSetBytes`, bytes/s.
    public var chargedBytesPerSecond: Double

    public init(k: Int, n: Int, workingSetBytes: Int, resident: Bool, secondsPerCall: Spread, chargedBytesPerSecond: Double) {
        self.k = k
        self.n = n
        self.workingSetBytes = workingSetBytes
        self.resident = resident
        self.secondsPerCall = secondsPerCall
        self.chargedBytesPerSecond = chargedBytesPerSecond
    }

    /// Bytes one call moves as the roofline counts them: W, x and y (fp32).
    public var callBytes: Int { 4 * (k * n + k + n) }
}

/// The per-call figure and the read fractions, and what they came from.
public struct OneRowProductCalibration: Sendable, Hashable {
    public var measurements: [OneRowProductMeasurement]

    public init(measurements: [OneRowProductMeasurement]) { self.measurements = measurements }

    /// One working set's line (the header's "line").
    public struct WorkingSetLine: Sendable, Hashable {
        /// Median working set of the line's points, bytes (the fraction's key).
        public var workingSetBytes: Int
        /// Seconds against the roofline's seconds of the call's bytes.
        public var line: LeastSquaresLine
        /// The sgemv's own read rate by the same points, bytes/s: 1 / slope of seconds against bytes
        /// (descriptive; the profile records the fraction).
        public var readBytesPerSecond: Double?
        /// 1 / slope: the sgemv's read rate over the roofline's; nil when the slope is not positive.
        public var readFraction: Double? { line.slope > 0 ? 1 / line.slope : nil }
    }

    /// The resident line, then the DRAM-sized one (either nil without two distinct shapes).
    public var lines: [WorkingSetLine] {
        [measurements.filter(\.resident), measurements.filter { !$0.resident && !$0.curvePoint }].compactMap { set in
            guard let line = LeastSquaresLine(set.map { (Double($0.callBytes) / $0.chargedBytesPerSecond, $0.secondsPerCall.median) })
            else { return nil }
            let byBytes = LeastSquaresLine(set.map { (Double($0.callBytes), $0.secondsPerCall.median) })
            return WorkingSetLine(workingSetBytes: Int(Spread(set.map { Double($0.workingSetBytes) }).median), line: line,
                                  readBytesPerSecond: byBytes.flatMap { $0.slope > 0 ? 1 / $0.slope : nil })
        }
    }

    /// Median of the lines' intercepts, floored at 0 (`one_row_product_call_seconds`); nil without a line.
    public var callSeconds: Double? {
        let l = lines
        return l.isEmpty ? nil : max(0, Spread(l.map(\.line.intercept)).median)
    }

    /// `one_row_product_seconds_by_shape`: each point's median seconds per call.
    public var secondsByShape: [OneRowMatrix: [Int128: Double]] {
        var out: [OneRowMatrix: [Int128: Double]] = [:]
        for m in measurements { out[OneRowMatrix(inputs: m.k, outputs: m.n), default: [:]][Int128(m.workingSetBytes)] = m.secondsPerCall.median }
        return out
    }

    /// `one_row_product_read_fraction_by_working_set_bytes`.
    public var readFractionByWorkingSetBytes: [Int128: Double] {
        var out: [Int128: Double] = [:]
        for l in lines { if let f = l.readFraction { out[Int128(l.workingSetBytes)] = f } }
        return out
    }
}

extension Calibrator {
    /// Copies of a matrix cycled for the resident working set.
    public static let residentCopies = 4

    /// The distinct K x N of `models`' products with weights, in first-seen order.
    public static func oneRowProductShapes(_ models: [ModelSpec]) -> [(k: Int, n: Int)] {
        var seen: Set<[Int]> = [], out: [(k: Int, n: Int)] = []
        for m in models {
            // Routed experts' matrices are listed fused (gate_up d x 2i); the kernels run their rows
            // through SwiGLU's separate products, so their fused matrix is left out ...
            for l in m.linearMatrices where l.copies == 1 && seen.insert([l.inputs, l.outputs]).inserted {
                out.append((l.inputs, l.outputs))
            }
            // ... and measured as those: gate and up d x i, down i x d (the shapes the cost model's
            // experts operator states, Prefill.swift expertsOp).
            for e in m.runs.compactMap(\.block.feedForward.experts) {
                for (k, n) in [(m.hiddenSize, e.inner), (e.inner, m.hiddenSize)] where seen.insert([k, n]).inserted { out.append((k, n)) }
            }
        }
        return out
    }

    /// Times the one-row products of `shapes` (the header's method) at the resident working set, at
    /// each of `workingSets` between it and `dramWorkingSetBytes`, and at `dramWorkingSetBytes`,
    /// charging each the read rate `rate(W)`.
    public static func measureOneRowProducts(shapes: [(k: Int, n: Int)], dramWorkingSetBytes: Int, workingSets: [Int] = [],
                                             repeats: Int, rate: (Int) -> Double) -> OneRowProductCalibration {
        let largestMatrix = shapes.map { $0.k * $0.n }.max() ?? 0
        let elements = max(dramWorkingSetBytes / 4, residentCopies * largestMatrix) + largestMatrix
        let w = UnsafeMutablePointer<Float>.allocate(capacity: elements)
        defer { w.deallocate() }
        w.initialize(repeating: 0.25, count: elements)  // values do not change a product's time
        let widest = shapes.map { max($0.k, $0.n) }.max() ?? 0
        let x = UnsafeMutablePointer<Float>.allocate(capacity: widest), y = UnsafeMutablePointer<Float>.allocate(capacity: widest)
        defer { x.deallocate(); y.deallocate() }
        x.initialize(repeating: 0.5, count: widest)
        y.initialize(repeating: 0, count: widest)
        var counters = WorkCounters()
        var out: [OneRowProductMeasurement] = []
        for s in shapes {
            let matrix = s.k * s.n
            func copies(filling bytes: Int) -> Int { max(residentCopies, (bytes / 4 + matrix - 1) / matrix) }
            let dramCopies = copies(filling: dramWorkingSetBytes)
            let between = workingSets.map(copies(filling:)).filter { $0 > residentCopies && $0 < dramCopies }
            // A matrix whose resident copies already fill the DRAM-sized set (a 160M model's head,
            // 308 MB) is measured once, as the DRAM-sized pass.
            let resident = dramCopies > residentCopies ? [(true, false, residentCopies)] : []
            let passes = resident + between.map { (false, true, $0) } + [(false, false, dramCopies)]
            for (resident, curvePoint, copies) in passes {
                // At least 256 calls a pass (the resident copies cycled), so one call's noise and the
                // clock's resolution stay small against the pass; fewer for a matrix so large that
                // 256 calls would read over 1 GiB (a 160M model's 768 x 100,288 head: its copies once).
                let calls = max(copies, min(256, (1 << 30) / (4 * matrix)))
                func pass() -> Double {
                    timed {
                        for c in 0..<calls {
                            Linear.forward(x, w + (c % copies) * matrix, y, m: 1, k: s.k, n: s.n, counters: &counters)
                        }
                    } / Double(calls)
                }
                _ = pass()
                let seconds = (0..<max(1, repeats)).map { _ in pass() }
                let ws = 4 * copies * matrix
                var m = OneRowProductMeasurement(k: s.k, n: s.n, workingSetBytes: ws, resident: resident, secondsPerCall: Spread(seconds),
                                                 chargedBytesPerSecond: rate(ws))
                m.curvePoint = curvePoint
                out.append(m)
            }
        }
        return OneRowProductCalibration(measurements: out)
    }
}
