import CostModel
import Foundation
import Kernels
@testable import Profiler
import ProfileStore
import Testing

@Suite("Calibration")
struct CalibrationTests {
    @Test("a tiny calibration writes a hardware profile that loads and validates through ProfileStore")
    func profileLoads() throws {
        let result = try Calibrator.run(Fixtures.tinyCalibration)
        let text = result.profileJSON(id: "host-test")
        let spec = try ProfileStore.parseHardware(Data(text.utf8), file: "host-test.json")
        try spec.validate()
        #expect(spec.id == "host-test")
        #expect(spec.peakFlopsPerSecond.keys.sorted { $0.rawValue < $1.rawValue } == [.fp32])
        // The file keeps 4 significant digits: the loaded figures equal the Swift values to that.
        let expected = result.hardwareSpec(id: "host-test")
        for (loaded, exact) in [(spec.peakFlopsPerSecond[.fp32]!, expected.peakFlopsPerSecond[.fp32]!),
                                (spec.memoryBandwidthBytesPerSecond, expected.memoryBandwidthBytesPerSecond),
                                (spec.computeEfficiency, expected.computeEfficiency),
                                (spec.memoryEfficiency, expected.memoryEfficiency),
                                (spec.operatorOverheadSeconds, expected.operatorOverheadSeconds)] {
            #expect(abs(loaded - exact) <= 1e-3 * abs(exact), "4 significant digits: \(loaded) vs \(exact)")
        }
        #expect(spec.memoryBytes == Int128(result.host.memoryBytes))

        // The descriptive host keys and the spreads are in the file.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["cpu_model"] as? String == result.host.cpuModel)
        #expect(object["cores"] as? Int == result.host.cores)
        #expect(object["threads"] as? Int == result.threads)
        #expect(object["openblas_core"] as? String == result.blas.coreName)
        #expect((object["calibrated_at"] as? String)?.hasSuffix("Z") == true)
        let spread = try #require(object["spread"] as? [String: Any])
        let read = try #require(spread["stream_read_bytes_per_second"] as? [String: Any])
        // 15 passes in all over the three arrays (5 each).
        #expect(read["samples"] as? Int == max(3, CalibrationSettings.minimumStreamPasses))
        // + the tiny-call overhead, the two fixed costs per run and the probe's sgemm.
        #expect(spread.count == result.squares.count + result.kernelProducts.count + result.streams.count + 1 + 2 + 1
                    + result.readByWorkingSet.count)
        // The cache level: sysfs's last level where it lists one (this tiny calibration's 64 KiB arrays
        // hold none of the curve's working sets), none without.
        #expect(spec.cacheLevel?.lastLevelCacheBytes == result.host.lastLevelCache.map { Int128($0.sizeBytes) })
        let probeSgemm = try #require(result.probeSgemm).flopsPerSecond.median
        #expect(abs(spec.probeSgemmFlopsPerSecond! - probeSgemm) <= 1e-3 * probeSgemm, "4 significant digits")
        let fixed = try #require(result.fixedCosts)
        #expect(spread["first_touch_seconds_per_byte"] != nil && spread["blas_wake_up_seconds"] != nil)
        #expect(fixed.firstTouchSecondsPerByte.median > 0 && fixed.blasWakeUpSeconds.min >= 0)
        #expect(abs(spec.firstTouchSecondsPerByte! - fixed.firstTouchSecondsPerByte.median) <= 1e-3 * fixed.firstTouchSecondsPerByte.median,
                "4 significant digits")
        #expect(spec.blasWakeUpSeconds != nil)
    }

    @Test("the dense efficiency is FLOP-weighted: a feed-forward product outweighs a router's, by hand")
    func flopWeighted() {
        // 100 GFLOP at 0.5 of peak and 1 GFLOP at 0.1: 101 / (100 / 0.5 + 1 / 0.1) = 101 / 210, where
        // the median of the two efficiencies is 0.3.
        #expect(abs(CalibrationResult.flopWeightedEfficiency([(100e9, 0.5), (1e9, 0.1)]) - 101.0 / 210) < 1e-15)
        #expect(CalibrationResult.flopWeightedEfficiency([(5e9, 0.7)]) == 0.7)
        #expect(CalibrationResult.flopWeightedEfficiency([]) == 0)
    }

    @Test("derived figures follow the documented rules")
    func derivedFigures() throws {
        let r = try Calibrator.run(Fixtures.tinyCalibration)
        #expect(r.peakFlopsPerSecond == (r.squares + r.kernelProducts).map(\.flopsPerSecond.max).max())
        #expect(r.computeEfficiency > 0 && r.computeEfficiency <= 1)
        #expect(r.memoryBandwidthBytesPerSecond == r.streams.map(\.bytesPerSecond.max).max())
        let read = try #require(r.streams.first { $0.kernel == .read })
        #expect(r.memoryEfficiency == min(1, read.bytesPerSecond.median / r.memoryBandwidthBytesPerSecond))
        #expect(r.operatorOverheadSeconds == r.operatorOverhead.median && r.operatorOverheadSeconds > 0)
        for m in r.squares + r.kernelProducts {
            #expect(m.flopsPerSecond.samples == 3 && m.flopsPerSecond.min <= m.flopsPerSecond.median && m.flopsPerSecond.median <= m.flopsPerSecond.max)
        }
        #expect(r.threads >= 1)
    }

    @Test("kernel shapes: projections at each row count, attention tiles on workers, gRet chunks on one BLAS thread")
    func kernelShapes() {
        let tiling = AttentionKernelTiling(queryTile: 16, keyTile: 32, workers: 2)
        let shapes = GemmShape.kernelShapes(for: [Fixtures.yocoGRet], rows: [8, 16], tiling: tiling)
        #expect(shapes.contains { $0.m == 16 && $0.k == 32 && $0.n == 64 && $0.workers == 1 })  // ffn_gate [d, F]
        #expect(shapes.contains { $0.m == 8 && $0.k == 64 && $0.n == 32 })                      // ffn_down [F, d]
        #expect(shapes.contains { $0.m == 16 && $0.n == 32 && $0.k == 8 && $0.transB && $0.workers == 2 && $0.singleThreadedBLAS })
        #expect(shapes.contains { $0.m == 4 && $0.n == 4 && $0.k == 8 && $0.singleThreadedBLAS })  // gRet chunk QK^T, C 4
        #expect(!shapes.contains { $0.n == 64 && $0.k == 32 && $0.m == 1 })                     // no output head
        #expect(Set(shapes.map { "\($0.m)x\($0.n)x\($0.k)\($0.transB)\($0.workers)\($0.singleThreadedBLAS)" }).count == shapes.count)
    }

    @Test("settings outside their domain are refused")
    func badSettings() {
        var s = Fixtures.tinyCalibration
        s.repeats = 0
        #expect(throws: ProfilerError.self) { try Calibrator.run(s) }
    }

    @Test("spread: median of odd and even counts, min and max")
    func spread() {
        let odd = Spread([3, 1, 2])
        #expect(odd.median == 2 && odd.min == 1 && odd.max == 3 && odd.samples == 3)
        #expect(Spread([4, 1, 2, 3]).median == 2.5)
        let rate = Spread([1, 2, 4]).map { 8 / $0 }
        #expect(rate.median == 4 && rate.min == 2 && rate.max == 8)
    }

    @Test("host profile id is a slug of the CPU model")
    func profileID() {
        #expect(HostInfo(cpuModel: "AMD EPYC", cores: 2, memoryBytes: 1).profileID == "host-amd-epyc")
        #expect(HostInfo(cpuModel: "Intel(R) Xeon(R) Platinum 8480+", cores: 2, memoryBytes: 1).profileID == "host-intel-r-xeon-r-platinum-8480")
    }
}
