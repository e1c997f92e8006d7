// A short calibration probe interleaved with the measured configurations (issue 14 §3). This VM's
// speed drifts between runs (stream bandwidth 34-59 GB/s over an hour), so a time error can be the
// machine, not the model. Before and after each configuration `validate` reads the probe: a stream
// read taken exactly as `calibrate` takes the profile's read rate (Calibrator.measureStreamRead
// with the standard settings' StreamReadMethod: three arrays allocated apart, each of
// CalibrationSettings.hostStreamArrayBytes, 128 MiB or twice the last-level cache where larger,
// on BLAS.threads workers, a warm-up and 5 timed passes over each,
// the median of the 15, started once no other thread of the process runs), then a fixed sgemm
// (512 x 512 x 512, median of `gemmSamples` samples of at least `gemmMinimumSeconds` after a
// warm-up), which `calibrate` also takes, the same way and at the same point (after its read), for
// the profile's `probe_sgemm_flops_per_second`. Each reading's own wall time is recorded (the probe
// rows' status gives it).
//
// Issue 14's second probe defect: with one array each, the probe and `calibrate` read two
// different allocations, and on this VM a 128 MiB array's read rate depends on the pages it got by
// 20-27% and keeps it for its life (Calibration.swift, StreamReadMethod), so every probe row sat
// 16-42% from the profile. And the sgemm row compared the probe's 512^3 with peak x compute
// efficiency (the median projection shape): a different product, 52% apart on a quiet host.
//
// The read comes first and waits for quiet because OpenBLAS's workers spin for about 0.12 s after
// every multi-threaded call (ProcessQuiet.swift): read straight after the model run or the probe's
// own sgemm, as it was until this fix, the passes shared the cores with a spinning worker and came
// out 30-40% below the calibrated rate on every configuration.
//
// Rules (stated, not fitted):
//   - a configuration whose probe moved by more than `repeatThreshold` (15%) between the readings
//     before and after it is measured again, up to `maxAttempts` times in all; the attempt whose
//     probe moved least is kept, and the record says how many were made. The threshold was 5%
//     until 2 Dec, inside the probe's own spread (the 05:48 calibration's seven probe sgemm samples
//     ran 0.85-0.97 of peak, its stream reads 9.7-17 GB/s): the default suite of 06:10 measured 20
//     of its 21 configurations three times (kept attempts still moved 4-35%) and took 6 minutes
//     against the 2-3 its configurations take once;
//   - `validate` warns (one line on stderr) when the first probe's stream rate differs from the
//     profile's calibrated read rate (bandwidth x memory efficiency, the same loop and array size)
//     by more than `profileTolerance` (10%), or when the profile is older than `staleAge` (24 h).
// The sgemm probe is compared with the profile's `probe_sgemm_flops_per_second` (the same shape
// and method); a profile without it (calibrated before issue 14's fix) gets the dense rate
// (peak x compute efficiency), a different shape, so only indicative.

import CostModel
import Foundation
import Kernels

/// One reading of the probe.
public struct ProbeReading: Sendable, Hashable {
    public var sgemmFlopsPerSecond: Double
    public var streamReadBytesPerSecond: Double
    /// Wall time the reading took.
    public var seconds: Double = 0

    public init(sgemmFlopsPerSecond: Double, streamReadBytesPerSecond: Double, seconds: Double = 0) {
        self.sgemmFlopsPerSecond = sgemmFlopsPerSecond
        self.streamReadBytesPerSecond = streamReadBytesPerSecond
        self.seconds = seconds
    }

    /// The larger relative change of either rate from `base` to self.
    public func change(from base: ProbeReading) -> Double {
        max(abs(sgemmFlopsPerSecond / base.sgemmFlopsPerSecond - 1), abs(streamReadBytesPerSecond / base.streamReadBytesPerSecond - 1))
    }
}

public final class DriftProbe {
    /// A configuration is measured again when its probe moved more than this between before and after.
    public static let repeatThreshold = 0.15
    /// Attempts per configuration at most (the first one included).
    public static let maxAttempts = 3
    /// `validate` warns when the probe's stream rate is this far from the profile's calibrated one.
    public static let profileTolerance = 0.10
    /// `validate` warns when the profile was calibrated longer ago than this.
    public static let staleAge: TimeInterval = 24 * 3600

    static let gemm = GemmShape(name: "probe", m: 512, n: 512, k: 512)
    /// Timed sgemm samples per probe reading (median kept).
    public static let gemmSamples = 5
    /// A sample repeats the product until it has run this long (one 512^3 takes 2-3 ms here).
    public static let gemmMinimumSeconds = 0.005
    /// The stream read, as `calibrate` with its standard settings takes it on this many workers.
    public let streamMethod: StreamReadMethod
    let arrays: [UnsafeMutablePointer<Float>]

    /// `streamMethod`: nil takes the standard calibration's (the profile `validate` uses was
    /// calibrated with it) on the current OpenBLAS thread count, the calibration's worker count.
    public init(streamMethod: StreamReadMethod? = nil) {
        let method = streamMethod ?? CalibrationSettings(kernelShapes: []).streamReadMethod(threads: BLAS.threads)
        self.streamMethod = method
        arrays = (0..<method.arrays).map { _ in
            let a = UnsafeMutablePointer<Float>.allocate(capacity: method.arrayBytes / 4)
            a.initialize(repeating: 1, count: method.arrayBytes / 4)
            return a
        }
    }

    deinit { arrays.forEach { $0.deallocate() } }

    /// The probe's sgemm as the probe and `calibrate` take it: `repeats` samples after a warm-up.
    static func measureSgemm(repeats: Int = gemmSamples) -> GemmMeasurement {
        Calibrator.measureGemm(gemm, repeats: repeats, minimumSeconds: gemmMinimumSeconds)
    }

    /// The stream read first (it waits for quiet), then the sgemm.
    public func read() -> ProbeReading {
        var g: GemmMeasurement?, s: StreamMeasurement?
        let seconds = timed {
            s = Calibrator.measureStreamRead(streamMethod, arrays: arrays)
            g = Self.measureSgemm()
        }
        return ProbeReading(sgemmFlopsPerSecond: g!.flopsPerSecond.median, streamReadBytesPerSecond: s!.bytesPerSecond.median,
                            seconds: seconds)
    }

    /// The profile's calibrated stream-read rate (bandwidth x memory efficiency: calibrate's median
    /// read by the same method) and the probe's sgemm as calibrated (`probe_sgemm_flops_per_second`;
    /// older profiles: the dense rate, peak fp32 x compute efficiency).
    public static func calibrated(_ hw: HardwareSpec) -> ProbeReading {
        ProbeReading(sgemmFlopsPerSecond: hw.probeSgemmFlopsPerSecond ?? (hw.peakFlopsPerSecond[.fp32] ?? 0) * hw.computeEfficiency,
                     streamReadBytesPerSecond: hw.memoryBandwidthBytesPerSecond * hw.memoryEfficiency)
    }

    /// The one-line warnings `validate` prints for `hw` (calibrated at `calibratedAt`, if it says)
    /// given the first probe reading; empty when the profile is fresh and the machine where it was.
    public static func warnings(profile id: String, hw: HardwareSpec, calibratedAt: Date?, now: Date = Date(),
                                firstProbe: ProbeReading) -> [String] {
        var out: [String] = []
        if let t = calibratedAt, now.timeIntervalSince(t) > staleAge {
            let hours = Int(now.timeIntervalSince(t) / 3600)
            out.append("warning: host profile \(id) was calibrated \(hours) h ago (over \(Int(staleAge / 3600)) h); recalibrate with `yocoprof calibrate` before trusting time errors")
        }
        let cal = calibrated(hw)
        if cal.streamReadBytesPerSecond > 0 {
            let d = firstProbe.streamReadBytesPerSecond / cal.streamReadBytesPerSecond - 1
            if abs(d) > profileTolerance {
                out.append("warning: the stream-read probe gives \(Int((firstProbe.streamReadBytesPerSecond / 1e9).rounded())) GB/s, \(Int((100 * d).rounded()))% from host profile \(id)'s calibrated \(Int((cal.streamReadBytesPerSecond / 1e9).rounded())) GB/s (tolerance \(Int(100 * profileTolerance))%): the machine's speed moved since calibration")
            }
        }
        return out
    }
}

extension Validator {
    /// The probe's rows of one configuration: each rate read after the configuration against the
    /// profile's calibrated one (the relative error is the machine's drift from its calibration),
    /// and the probe's move across the configuration with the attempts it took.
    public static func probeRecords(_ c: ValidationCase, before: ProbeReading, after: ProbeReading, attempts: Int,
                                    hardware: HardwareSpec) -> [ValidationRecord] {
        let cal = DriftProbe.calibrated(hardware)
        let moved = after.change(from: before)
        let took = "probe reading \(Int((1000 * after.seconds).rounded())) ms"
        let status = attempts > 1 ? "ok: measured \(attempts) times, probe moved \(Int((100 * moved).rounded()))% on the kept attempt; \(took)"
            : "ok: probe moved \(Int((100 * moved).rounded()))%; \(took)"
        func row(_ metric: String, _ unit: String, predicted: Double, measured: Double, low: Double, high: Double) -> ValidationRecord {
            ValidationRecord(modelID: c.model.id, architecture: c.model.architectureName, batch: c.batch, contextTokens: c.contextTokens,
                             generatedTokens: c.generatedTokens, metric: metric, unit: unit, kind: .relative, predicted: predicted,
                             measured: measured, predictedText: "\(predicted)", measuredText: "\(measured)",
                             relativeError: predicted > 0 ? (measured - predicted) / predicted : nil, status: status,
                             measuredMin: low, measuredMax: high)
        }
        return [
            row("probe_stream_read_bytes_per_second", "bytes/s", predicted: cal.streamReadBytesPerSecond, measured: after.streamReadBytesPerSecond,
                low: min(before.streamReadBytesPerSecond, after.streamReadBytesPerSecond),
                high: max(before.streamReadBytesPerSecond, after.streamReadBytesPerSecond)),
            row("probe_sgemm_flops_per_second", "flops/s", predicted: cal.sgemmFlopsPerSecond, measured: after.sgemmFlopsPerSecond,
                low: min(before.sgemmFlopsPerSecond, after.sgemmFlopsPerSecond), high: max(before.sgemmFlopsPerSecond, after.sgemmFlopsPerSecond)),
        ]
    }
}
