// The one-row product microbenchmark (Calibration+OneRowProducts.swift): its shapes are the
// calibration models' products, each timed at a resident and a DRAM-sized working set, and the
// figure is the median excess over the bytes at the charged rate.

import CostModel
import Kernels
import Profiler
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

    @Test("each shape at both working sets; the excess is the call's time less its bytes at the charged rate")
    func derivation() {
        let rate = 1e10  // charged bytes/s; any positive rate: the rule is arithmetic on it
        let r = Calibrator.measureOneRowProducts(shapes: [(k: 64, n: 64), (k: 64, n: 128)], dramWorkingSetBytes: 1 << 20,
                                                 repeats: 3) { _ in rate }
        #expect(r.measurements.map(\.workingSetBytes) == [4 * 4 * 64 * 64, 4 * 64 * 64 * 64, 4 * 4 * 64 * 128, 4 * 32 * 64 * 128])
        for m in r.measurements {
            #expect(m.secondsPerCall.samples == 3 && m.secondsPerCall.median > 0)
            #expect(m.callBytes == 4 * (m.k * m.n + m.k + m.n))
            #expect(m.excessSeconds == m.secondsPerCall.median - Double(m.callBytes) / rate)
        }
        #expect(r.callSeconds == max(0, Spread(r.measurements.map(\.excessSeconds)).median))
    }
}
