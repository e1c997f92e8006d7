// The one-row product microbenchmark (Calibration+OneRowProducts.swift): its shapes are the
// calibration models' products, each timed at a resident and a DRAM-sized working set; a
// least-squares line per working set gives the read fraction (1 / slope) and the per-call figure
// (the median intercept).

import CostModel
import Kernels
import Profiler
import ProfileStore
import Testing

@Suite("One-row product calibration")
struct OneRowProductCalibrationTests {
    @Test("the shapes are a model's distinct K x N products with weights")
    func shapes() {
        let spec = ModelSpec(id: "t", source: "test", architecture: .transformer(window: nil), layers: 2, hiddenSize: 64,
                             heads: 2, kvHeads: 1, headDim: 32, ffnSize: 96, vocabSize: 128, dtypes: .uniform(.fp32))
        let s = Calibrator.oneRowProductShapes([spec, spec]).map { [$0.k, $0.n] }
        // q 64 x 64 (and o), k and v 64 x 32, gate and up 64 x 96, down 96 x 64, head 64 x 128.
        #expect(Set(s) == [[64, 64], [64, 32], [64, 96], [96, 64], [64, 128]] && s.count == 5)
    }

    @Test("each shape at both working sets, the resident pass first; one line per working set")
    func derivation() {
        let rate = 1e10  // charged bytes/s; any positive rate: the rule is arithmetic on it
        let r = Calibrator.measureOneRowProducts(shapes: [(k: 64, n: 64), (k: 64, n: 128)], dramWorkingSetBytes: 1 << 20,
                                                 repeats: 3) { _ in rate }
        #expect(r.measurements.map(\.workingSetBytes) == [4 * 4 * 64 * 64, 4 * 64 * 64 * 64, 4 * 4 * 64 * 128, 4 * 32 * 64 * 128])
        #expect(r.measurements.map(\.resident) == [true, false, true, false])
        for m in r.measurements {
            #expect(m.secondsPerCall.samples == 3 && m.secondsPerCall.median > 0)
            #expect(m.callBytes == 4 * (m.k * m.n + m.k + m.n))
            #expect(m.chargedBytesPerSecond == rate)
        }
        #expect(r.lines.count == 2 && r.callSeconds == max(0, Spread(r.lines.map(\.line.intercept)).median))
    }

    @Test("curve points at the working sets between the resident and the DRAM-sized pass, on neither line; every point in the per-shape table")
    func curvePoints() {
        // 64 x 64 fp32 is 16 KiB: 4 copies resident (64 KiB), 128 KiB and 256 KiB between, 1 MiB DRAM-sized;
        // 32 KiB (under the resident set) and 2 MiB (over the DRAM-sized one) are dropped.
        let r = Calibrator.measureOneRowProducts(shapes: [(k: 64, n: 64)], dramWorkingSetBytes: 1 << 20,
                                                 workingSets: [1 << 15, 1 << 17, 1 << 18, 1 << 21], repeats: 1) { _ in 1e10 }
        #expect(r.measurements.map(\.workingSetBytes) == [1 << 16, 1 << 17, 1 << 18, 1 << 20])
        #expect(r.measurements.map(\.curvePoint) == [false, true, true, false])
        #expect(r.lines.count == 1 || r.lines.isEmpty)  // one shape: a line needs two distinct x
        let table = r.secondsByShape[OneRowMatrix(inputs: 64, outputs: 64)]
        #expect(table.map { Set($0.keys) } == [1 << 16, 1 << 17, 1 << 18, 1 << 20])
        #expect(table?[1 << 17] == r.measurements[1].secondsPerCall.median)
        // A matrix whose resident copies fill the DRAM-sized set: one pass, the DRAM-sized one.
        let big = Calibrator.measureOneRowProducts(shapes: [(k: 64, n: 1024)], dramWorkingSetBytes: 1 << 20,
                                                   workingSets: [1 << 19], repeats: 1) { _ in 1e10 }
        #expect(big.measurements.map(\.workingSetBytes) == [4 * 4 * 64 * 1024] && big.measurements.map(\.resident) == [false])
    }

    @Test("a mixture of experts adds its experts' d x i and i x d shapes")
    func expertShapes() throws {
        let moe = try PublishedSuiteTests.store.loadModel("host-moe")
        let e = try #require(moe.runs.compactMap(\.block.feedForward.experts).first)
        let s = Calibrator.oneRowProductShapes([moe]).map { [$0.k, $0.n] }
        #expect(s.contains([moe.hiddenSize, e.inner]) && s.contains([e.inner, moe.hiddenSize]) && Set(s).count == s.count)
    }

    /// Points on t = intercept + x / fraction, x = call bytes / charged rate, at three shapes.
    static func synthetic(resident: Bool, intercept: Double, fraction: Double, rate: (Int) -> Double) -> [OneRowProductMeasurement] {
        [(256, 256), (256, 768), (768, 256), (256, 4096)].map { k, n in
            let ws = resident ? 4 * 4 * k * n : 1 << 27
            var m = OneRowProductMeasurement(k: k, n: n, workingSetBytes: ws, resident: resident,
                                             secondsPerCall: Spread([0]), chargedBytesPerSecond: rate(ws))
            m.secondsPerCall = Spread([intercept + Double(m.callBytes) / m.chargedBytesPerSecond / fraction])
            return m
        }
    }

    @Test("the line fit recovers a synthetic intercept and read fraction at each working set")
    func lineFit() throws {
        // Resident points charged at a rate that varies with the working set (as the cache level's
        // does), DRAM-sized ones at one rate.
        let cal = OneRowProductCalibration(measurements:
            Self.synthetic(resident: true, intercept: 1e-6, fraction: 0.3) { 6e10 - Double($0) * 1e3 }
            + Self.synthetic(resident: false, intercept: 3e-6, fraction: 0.65) { _ in 1.6e10 })
        let l = cal.lines
        try #require(l.count == 2)
        // Tolerances: a least-squares fit of exact points, exact up to rounding of sums of ~1e-4 s.
        #expect(abs(l[0].line.intercept - 1e-6) < 1e-15 && abs(l[0].readFraction! - 0.3) < 1e-9)
        #expect(abs(l[1].line.intercept - 3e-6) < 1e-15 && abs(l[1].readFraction! - 0.65) < 1e-9)
        // Keys: the median working set of each line's points; the DRAM line's own read 0.65 x 16 GB/s.
        #expect(l[0].workingSetBytes == (4 * 4 * 256 * 768) && l[1].workingSetBytes == 1 << 27)
        #expect(abs(l[1].readBytesPerSecond! / (0.65 * 1.6e10) - 1) < 1e-9)
        #expect(abs(cal.callSeconds! - 2e-6) < 1e-15)
        #expect(Set(cal.readFractionByWorkingSetBytes.keys) == [Int128(4 * 4 * 256 * 768), 1 << 27])
        // A line needs two distinct x; a non-positive slope gives no fraction, its intercept still counts.
        #expect(LeastSquaresLine([(x: 1, y: 2), (x: 1, y: 3)]) == nil)
        let flat = LeastSquaresLine([(x: 1, y: 2), (x: 2, y: 2)])!
        #expect(flat.slope == 0 && flat.intercept == 2)
    }
}
