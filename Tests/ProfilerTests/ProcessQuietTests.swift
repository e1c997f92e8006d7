// The quiet wait before a stream measurement (Kernels/ProcessQuiet.swift), and the one stream-read
// path that `calibrate` and the drift probe share (issue 14's probe defect).

import Foundation
import Kernels
@testable import Profiler
import Testing

@Suite("Quiet wait and the shared stream read")
struct ProcessQuietTests {
    /// A thread of this process that burns CPU until `seconds` have passed (what an OpenBLAS worker
    /// does for about 0.12 s after a multi-threaded call).
    final class Spinner: @unchecked Sendable {
        let end: ContinuousClock.Instant
        init(seconds: Double) {
            end = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
            let end = self.end
            Thread.detachNewThread {
                var x: UInt64 = 1
                while ContinuousClock.now < end { x = x &* 6364136223846793005 &+ 1 }
                if x == 0 { print("unreachable") }
            }
        }
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    @Test("the wait lasts until a spinning thread of the process stops (or the limit)")
    func waitsForSpinner() {
        let start = ContinuousClock.now
        let spinner = Spinner(seconds: 0.2)
        let w = ProcessQuiet.wait()
        // The spinner holds a core (or its share of one) for 0.2 s; the wait may end later (other
        // tests run in this process) but never before it: 0.02 s for the spinner thread's start.
        #expect(Self.seconds(start.duration(to: .now)) >= Self.seconds(start.duration(to: spinner.end)) - 0.02)
        #expect(w.seconds <= ProcessQuiet.limit + 0.1)  // one window and the clock reads past the limit
    }

    @Test("a stream measurement does not time its passes while another thread of the process spins")
    func streamWaitsForQuiet() {
        // Fails before the fix: the passes over 64 KiB took microseconds and started at once.
        let elements = 16 << 10
        let a = UnsafeMutablePointer<Float>.allocate(capacity: elements)
        defer { a.deallocate() }
        a.initialize(repeating: 1, count: elements)
        let start = ContinuousClock.now
        let spinner = Spinner(seconds: 0.25)
        _ = Calibrator.measureStream(.read, arrays: [a, a, a], elements: elements, workers: 2, repeats: 3)
        #expect(Self.seconds(start.duration(to: .now)) >= Self.seconds(start.duration(to: spinner.end)) - 0.02)
    }

    @Test("the probe reads the stream by the standard calibration's method, on BLAS's thread count")
    func probeSharesCalibrationMethod() {
        let settings = CalibrationSettings.standard(for: [Fixtures.gqa])
        let probe = DriftProbe(streamMethod: StreamReadMethod(arrayBytes: 64 << 10, arrays: 2, workers: 2, passesPerArray: 3))
        #expect(probe.streamMethod.passes == 6 && probe.arrays.count == 2)
        let standard = DriftProbe().streamMethod
        #expect(standard == settings.streamReadMethod(threads: BLAS.threads))
        #expect(standard.arrayBytes == settings.streamArrayBytes && standard.passes >= settings.streamPasses)
        #expect(standard.passes >= CalibrationSettings.minimumStreamPasses)
        // Several allocations: one array's rate depends on the pages it got (StreamReadMethod).
        #expect(standard.arrays == StreamReadMethod.standardArrays && standard.arrays >= 3)
    }

    @Test("calibrate's read figure is the shared method's: every array, its passes and array size")
    func calibrationReadUsesMethod() throws {
        let settings = Fixtures.tinyCalibration
        let result = try Calibrator.run(settings)
        let read = try #require(result.streams.first { $0.kernel == .read })
        let method = settings.streamReadMethod(threads: result.threads)
        #expect(method.arrays == StreamReadMethod.standardArrays)
        #expect(read.bytesPerSecond.samples == method.passes && read.arrayBytes == method.arrayBytes)
        // The probe with that method over the same array size takes as many passes.
        let probe = DriftProbe(streamMethod: method)
        let s = Calibrator.measureStreamRead(probe.streamMethod, arrays: probe.arrays)
        #expect(s.bytesPerSecond.samples == read.bytesPerSecond.samples && s.arrayBytes == read.arrayBytes)
        // And calibrate took the probe's sgemm, as the probe takes it.
        let g = try #require(result.probeSgemm)
        #expect(g.shape == DriftProbe.gemm && g.flopsPerSecond.samples >= DriftProbe.gemmSamples)
        #expect(result.hardwareSpec().probeSgemmFlopsPerSecond == g.flopsPerSecond.median)
    }
}
