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
//   per call   t = a pass's seconds over its calls, median of the repeats after one warm-up pass;
//   excess     t - call bytes / read rate(W), call bytes = 4 (K N + K + N), the read rate the
//              roofline's own at that working set: the profile's DRAM rate x the cache level's
//              speed-up there (CostModel/CacheLevel.swift), so the excess is what the roofline's
//              bytes leave out;
//   result     `one_row_product_call_seconds` = median of the excesses over every shape and both
//              working sets, floored at 0.
//
// About 6 passes over 4 x the cache per shape: well under a second on this host.

import CostModel
import Kernels

/// One shape at one working set.
public struct OneRowProductMeasurement: Sendable, Hashable {
    /// W is [k, n]: the product reads k inputs and writes n outputs.
    public var k: Int
    public var n: Int
    /// Bytes of the copies of W cycled through (the working set the read rate is taken at).
    public var workingSetBytes: Int
    /// Seconds of one call, over the repeats.
    public var secondsPerCall: Spread
    /// The roofline's read rate at `workingSetBytes`, bytes/s.
    public var chargedBytesPerSecond: Double

    /// Bytes one call moves as the roofline counts them: W, x and y (fp32).
    public var callBytes: Int { 4 * (k * n + k + n) }
    /// The median call's seconds beyond its bytes at the charged rate.
    public var excessSeconds: Double { secondsPerCall.median - Double(callBytes) / chargedBytesPerSecond }
}

/// The per-call figure and what it came from.
public struct OneRowProductCalibration: Sendable, Hashable {
    public var measurements: [OneRowProductMeasurement]
    /// Median excess over the measurements, floored at 0 (`one_row_product_call_seconds`).
    public var callSeconds: Double { max(0, Spread(measurements.map(\.excessSeconds)).median) }
}

extension Calibrator {
    /// Copies of a matrix cycled for the resident working set.
    public static let residentCopies = 4

    /// The distinct K x N of `models`' products with weights, in first-seen order.
    public static func oneRowProductShapes(_ models: [ModelSpec]) -> [(k: Int, n: Int)] {
        var seen: Set<[Int]> = [], out: [(k: Int, n: Int)] = []
        for m in models {
            // Routed experts' matrices are listed fused (gate_up d x 2i); the kernels run their rows
            // through SwiGLU's separate products, so they are left out (their d x i shapes sit between
            // the router's and the FFN's).
            for l in m.linearMatrices where l.copies == 1 && seen.insert([l.inputs, l.outputs]).inserted {
                out.append((l.inputs, l.outputs))
            }
        }
        return out
    }

    /// Times the one-row products of `shapes` (the header's method) at the resident working set and
    /// at `dramWorkingSetBytes`, charging each the read rate `rate(W)`.
    public static func measureOneRowProducts(shapes: [(k: Int, n: Int)], dramWorkingSetBytes: Int, repeats: Int,
                                      rate: (Int) -> Double) -> OneRowProductCalibration {
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
            for copies in [residentCopies, max(residentCopies, (dramWorkingSetBytes / 4 + matrix - 1) / matrix)] {
                // At least 256 calls a pass (the resident copies cycled), so one call's noise and the
                // clock's resolution stay small against the pass.
                let calls = max(copies, 256)
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
                out.append(OneRowProductMeasurement(k: s.k, n: s.n, workingSetBytes: ws, secondsPerCall: Spread(seconds),
                                                    chargedBytesPerSecond: rate(ws)))
            }
        }
        return OneRowProductCalibration(measurements: out)
    }
}
