// The drift probe's rules: what counts as a move, when validate warns, and the rows it adds.

import CostModel
import Foundation
import Profiler
import Testing

@Suite("Drift probe")
struct DriftProbeTests {
    static let hw = HardwareSpec(id: "host-x", source: "test", memoryBytes: 1 << 34, memoryBandwidthBytesPerSecond: 4e10,
                                 peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 0.8, memoryEfficiency: 0.9,
                                 operatorOverheadSeconds: 0)
    static let calibratedAt = Date(timeIntervalSince1970: 1_795_773_600)

    @Test("a change is the larger relative move of the two rates")
    func change() {
        let a = ProbeReading(sgemmFlopsPerSecond: 100, streamReadBytesPerSecond: 50)
        let b = ProbeReading(sgemmFlopsPerSecond: 103, streamReadBytesPerSecond: 45)
        #expect(abs(b.change(from: a) - 0.10) < 1e-12)  // 1e-12: rounding of 45/50
    }

    @Test("warnings: none for a fresh profile and a probe within 10% of it; one line each for age and drift")
    func warnings() {
        // calibrated read rate: 4e10 x 0.9 = 3.6e10 B/s
        let near = ProbeReading(sgemmFlopsPerSecond: 8e10, streamReadBytesPerSecond: 3.5e10)
        let far = ProbeReading(sgemmFlopsPerSecond: 8e10, streamReadBytesPerSecond: 2.8e10)
        let fresh = Self.calibratedAt.addingTimeInterval(3600), stale = Self.calibratedAt.addingTimeInterval(30 * 3600)
        #expect(DriftProbe.warnings(profile: "host-x", hw: Self.hw, calibratedAt: Self.calibratedAt, now: fresh, firstProbe: near).isEmpty)
        #expect(DriftProbe.warnings(profile: "host-x", hw: Self.hw, calibratedAt: nil, now: stale, firstProbe: near).isEmpty)
        let old = DriftProbe.warnings(profile: "host-x", hw: Self.hw, calibratedAt: Self.calibratedAt, now: stale, firstProbe: near)
        #expect(old.count == 1 && old[0].contains("30 h ago") && !old[0].contains("\n"))
        let moved = DriftProbe.warnings(profile: "host-x", hw: Self.hw, calibratedAt: Self.calibratedAt, now: fresh, firstProbe: far)
        #expect(moved.count == 1 && moved[0].contains("-22%") && moved[0].contains("36 GB/s"))
    }

    @Test("probe rows: the reading after the case against the calibrated rates, the band spanning before and after")
    func rows() {
        let c = ValidationCase(model: Fixtures.gqa, contextTokens: 8, generatedTokens: 2, repeats: 1)
        let before = ProbeReading(sgemmFlopsPerSecond: 9e10, streamReadBytesPerSecond: 3.0e10)
        let after = ProbeReading(sgemmFlopsPerSecond: 8e10, streamReadBytesPerSecond: 3.3e10, seconds: 0.02)
        let rows = Validator.probeRecords(c, before: before, after: after, attempts: 2, hardware: Self.hw)
        let stream = rows.first { $0.metric == "probe_stream_read_bytes_per_second" }!
        #expect(stream.predicted == 3.6e10 && stream.measured == 3.3e10)
        #expect(stream.measuredMin == 3.0e10 && stream.measuredMax == 3.3e10)
        #expect(stream.status.contains("measured 2 times") && stream.status.contains("20 ms"))
        let gemm = rows.first { $0.metric == "probe_sgemm_flops_per_second" }!
        #expect(gemm.predicted == 8e10 && gemm.relativeError == 0)
    }

    @Test("the sgemm row compares with the profile's calibrated probe sgemm when it states one")
    func sgemmReference() {
        // Without the key: the dense rate, 1e11 x 0.8 (an older profile).
        #expect(DriftProbe.calibrated(Self.hw).sgemmFlopsPerSecond == 8e10)
        var hw = Self.hw
        hw.probeSgemmFlopsPerSecond = 1.2e11
        #expect(DriftProbe.calibrated(hw).sgemmFlopsPerSecond == 1.2e11)
        #expect(DriftProbe.calibrated(hw).streamReadBytesPerSecond == 3.6e10)  // unchanged: bandwidth x efficiency
    }
}
