// Fixed costs per run (Roofline.swift, "Fixed costs per run"): a host profile's first touch and
// BLAS wake-up are charged once per prefill over the activation bytes; a profile without them
// (every GPU profile, and host profiles calibrated before issue 14) pays nothing.

import CostModel
import Testing

@Suite("Fixed costs per run")
struct RunFixedCostTests {
    static let host: HardwareSpec = {
        var h = HardwareSpec(id: "host-x", source: "test", memoryBytes: 1 << 34, memoryBandwidthBytesPerSecond: 2e10,
                             peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 0.6, memoryEfficiency: 0.7,
                             operatorOverheadSeconds: 2e-6)
        h.firstTouchSecondsPerByte = 5e-10
        h.blasWakeUpSeconds = 4e-5
        return h
    }()

    @Test("a prefill pays first touch x activation bytes + one wake-up; without the fields, nothing")
    func charged() throws {
        let spec = ComputeFixtures.tinyTransformer
        let rates = try RooflineRates(hardware: Self.host, computeDType: .fp32)
        let bytes = spec.activationBytes(batch: 2, promptTokens: 1024, chunkTokens: nil, dtype: .fp32)
        #expect(bytes > 0)
        let fixed = spec.prefillRunFixedSeconds(batch: 2, promptTokens: 1024, dtypes: .uniform(.fp32), rates: rates)
        #expect(fixed == 5e-10 * Double(bytes) + 4e-5)
        var plain = Self.host
        plain.firstTouchSecondsPerByte = nil
        plain.blasWakeUpSeconds = nil
        let plainRates = try RooflineRates(hardware: plain, computeDType: .fp32)
        #expect(spec.prefillRunFixedSeconds(batch: 2, promptTokens: 1024, dtypes: .uniform(.fp32), rates: plainRates) == 0)
        #expect(rates != plainRates)
    }

    @Test("the estimate's prefill carries the fixed cost, the decode does not")
    func estimate() throws {
        let spec = ComputeFixtures.tinyTransformer
        var plain = Self.host
        plain.firstTouchSecondsPerByte = nil
        plain.blasWakeUpSeconds = nil
        let q = EstimateQuery(promptTokens: 512, generatedTokens: 8, dtypes: .uniform(.fp32))
        let with = try spec.estimate(on: Self.host, q), without = try spec.estimate(on: plain, q)
        let rates = try RooflineRates(hardware: Self.host, computeDType: .fp32)
        let fixed = spec.prefillRunFixedSeconds(batch: with.batch, promptTokens: 512, dtypes: .uniform(.fp32), rates: rates)
        #expect(fixed > 0)
        // Summed in a different order: a few ulps apart at most.
        #expect(abs(with.prefillSeconds - (without.prefillSeconds + fixed)) <= 1e-12 * with.prefillSeconds)
        #expect(with.decodeSeconds == without.decodeSeconds)
    }

    @Test("a fixed cost out of range names its field")
    func validation() {
        var h = Self.host
        h.firstTouchSecondsPerByte = 1e-3
        #expect { try h.validate() } throws: { "\($0)".contains("first_touch_seconds_per_byte") }
        h = Self.host
        h.blasWakeUpSeconds = 2
        #expect { try h.validate() } throws: { "\($0)".contains("blas_wake_up_seconds") }
    }
}
