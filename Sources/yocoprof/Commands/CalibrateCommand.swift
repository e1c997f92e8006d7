// `yocoprof calibrate`: microbenchmarks of this CPU (Profiler/Calibration.swift) and the hardware
// profile derived from them, written to Profiles/hardware/<id>.json or a given path. The report
// lists every measurement with its median, min and max; the profile file keeps the same spreads.

import ArgumentParser
import CostModel
import Foundation
import Kernels
import Profiler
import ProfileStore
import Reporting

struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure this CPU (sgemm at the kernels' shapes, stream bandwidth, operator overhead) and write a hardware profile.",
        discussion: """
            Peak = best sgemm over large squares; compute efficiency = the kernels' own product shapes' \
            FLOPs over their time at their median rates, over the peak; core efficiencies = each core's \
            own operator clock in a one-layer model; one-row products = each shape's sgemv time by \
            working set; bandwidth = best of copy, triad and read; memory efficiency = median \
            read / bandwidth; overhead = median time of a tiny sgemm; fixed costs per run = first touch of a \
            fresh 64 MiB buffer (per byte) and the wake-up of OpenBLAS's sleeping workers, each charged once \
            per prefill; cache level = the last-level cache's size (sysfs) and the read rate over working \
            sets of 1/8 to 4 x it (cyclic reads). Stream loops start once no other thread of the process runs (OpenBLAS's workers \
            spin ~0.1 s after each call). Medians of --repeat runs; the spread \
            goes into the profile. Microbenchmarks only: never fitted to model runs (docs/PROFILING.md).

            Examples:
              yocoprof calibrate
              yocoprof calibrate --profile-output /tmp/host.json --repeat 3 --quick
            """)

    @Option(name: .customLong("profile-output"), help: ArgumentHelp(
        "Where to write the hardware profile (default: <profiles>/hardware/<id>.json).", valueName: "file"))
    var profileOutput: String?

    @Flag(name: .customLong("no-write"), help: "Measure and report only; write no profile.")
    var noWrite = false

    @Option(help: ArgumentHelp("Profile id (default: host-<cpu model>, e.g. host-amd-epyc).", valueName: "id"))
    var id: String?

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Timed runs per figure (the median is kept).", valueName: "n"))
    var repeats: Int = 7

    @Option(help: ArgumentHelp("Models whose product shapes are measured, comma-separated (default: every host-* profile).", valueName: "ids"))
    var model: String?

    @Option(help: ArgumentHelp("Prefill rows of the projection shapes (default 1K,4K,16K).", valueName: "tokens"))
    var rows: String = "1K,4K,16K"

    @Flag(help: "Small sizes (squares 256 and 512, rows 256, 8 MiB stream arrays): a smoke test in about a second, not a calibration.")
    var quick = false

    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (1...1000).contains(repeats) else { throw ValidationError("--repeat must be between 1 and 1000; received \(repeats)") }
        if noWrite && profileOutput != nil { throw ValidationError("--no-write and --profile-output contradict each other") }
        let r = try SweepLists.tokens(rows)
        if r.isEmpty || r.contains(where: { $0 < 1 }) { throw ValidationError("--rows needs positive token counts; received \(rows)") }
        if let id, id.isEmpty || id.contains("/") { throw ValidationError("--id must be a non-empty name without '/'; received \(id)") }
    }

    func run() throws {
        let store = try profiles.store()
        let ids = model.map(SweepLists.names) ?? store.modelIDs.filter { $0.hasPrefix("host-") }
        guard !ids.isEmpty else {
            throw CLIError.usage("no models to take product shapes from: pass --model (no host-* profiles in \(store.directory.path))")
        }
        let specs = try ids.map { try store.loadModel($0) }
        var settings = CalibrationSettings.standard(for: specs)
        settings.repeats = repeats
        settings.kernelShapes = GemmShape.kernelShapes(for: specs, rows: quick ? [256] : try SweepLists.tokens(rows))
        if quick {
            settings.squareSizes = [256, 512]
            settings.streamArrayBytes = 8 << 20
            settings.overheadCalls = 200
            settings.kernelModels = []  // the kernel microbenchmarks take seconds; a smoke test skips them
        }
        let progress = ProgressLine()
        let result: CalibrationResult
        do { result = try Calibrator.run(settings, progress: progress.show) } catch { progress.clear(); throw error }
        progress.clear()

        let profileID = id ?? result.host.profileID
        var notes = [
            "\(result.blas); CPU \(result.host.cpuModel), \(result.host.cores) cores; calibrated \(result.calibratedAtText)",
            "peak_flops_per_second.fp32 = \(Units.si(result.peakFlopsPerSecond, "FLOP/s")) (best sgemm rate seen)",
            "compute_efficiency = \(fixed3(result.computeEfficiency)) (median over the projection shapes of median rate / peak)",
            "operator_efficiency = " + (result.operatorEfficiency.isEmpty ? "none measured" : result.operatorEfficiency
                .sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(fixed3($0.value))" }.joined(separator: ", "))
                + " (cores in one-layer models, best of the repeats; docs/PROFILING.md)",
            "memory_bandwidth_bytes_per_second = \(Units.si(result.memoryBandwidthBytesPerSecond, "B/s")) (best of copy, triad, read)",
            "memory_efficiency = \(fixed3(result.memoryEfficiency)) (median read over 3 arrays allocated apart / bandwidth)",
            "operator_overhead_seconds = \(Units.seconds(result.operatorOverheadSeconds)) (median per operator of a tiny model's decode steps)",
        ]
        if let f = result.fixedCosts {
            notes.append("first_touch_seconds_per_byte = \(f.firstTouchSecondsPerByte.median) (a fresh \(Calibrator.firstTouchBytes >> 20) MiB buffer allocated, zero-filled and released, per byte; charged per prefill over its activation bytes)")
            notes.append("blas_wake_up_seconds = \(Units.seconds(f.blasWakeUpSeconds.median)) (a 256^3 sgemm after OpenBLAS's workers slept, over the same call back to back; charged once per prefill)")
        }
        if let o = result.oneRowProducts {
            for l in o.lines {
                notes.append("one-row products at \(l.workingSetBytes >> 10) KiB working sets: seconds = \(Units.seconds(l.line.intercept)) + roofline seconds x \(fixed3(l.line.slope)) (read fraction \(l.readFraction.map(fixed3) ?? "none"); the sgemv's own read \(l.readBytesPerSecond.map { Units.si($0, "B/s") } ?? "not determined"))")
            }
            notes.append("one_row_product_call_seconds = " + (o.callSeconds.map(Units.seconds) ?? "none (fewer than two shapes)")
                + " (median of the lines' intercepts; charged per call to operators on fewer than 4 rows, their bytes at the read fraction of the roofline's rate)")
        }
        if let g = result.probeSgemm {
            notes.append("probe_sgemm_flops_per_second = \(Units.si(g.flopsPerSecond.median, "FLOP/s")) (the drift probe's \(g.shape.m)^3 sgemm as the probe takes it; validate's probe rows compare with it)")
        }
        if !result.operatorMemoryEfficiency.isEmpty {
            notes.append("operator_memory_efficiency = " + result.operatorMemoryEfficiency.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\($0.key.rawValue) \(fixed3($0.value))" }.joined(separator: ", ")
                + " (decode attention's K/V streaming; the recurrent gRet step's charged bytes over its clocked time)")
        }
        if let llc = result.host.lastLevelCache {
            notes.append("last_level_cache_bytes = \(llc.sizeBytes) (cpu0's \(llc.description), sysfs); read_bandwidth_by_working_set_bytes: "
                + (result.readByWorkingSet.isEmpty ? "none (the stream arrays hold no working set beyond the cache to measure against): DRAM only"
                    : "the read_working_set rows (cyclic reads of W bytes; the roofline charges an operator's bytes at the DRAM rate times the curve's speed-up at its reuse working set over the largest point, docs/VALIDATION.md)"))
        } else {
            notes.append("no last-level cache in \(HostCaches.sysfsDirectory): no cache level, every byte at the DRAM rate")
        }
        if quick { notes.append("--quick: small sizes, a smoke test; do not use this profile for predictions") }
        if !noWrite {
            let path = profileOutput ?? store.hardwareDirectory.appendingPathComponent(profileID + ".json").path
            try AtomicFile.write(result.profileJSON(id: profileID), to: path)
            notes.append("wrote hardware profile \(profileID) to \(path)")
        }
        let report = Self.report(result, title: "Calibration of \(result.host.cpuModel) (\(profileID))", notes: notes)
        try output.emit(report)
    }

    static let columns: [Column] = [
        Column("measurement", .text), Column("name", .text), Column("shape", .text),
        Column("flops_per_second_median", .flopsPerSecond), Column("flops_per_second_min", .flopsPerSecond),
        Column("flops_per_second_max", .flopsPerSecond), Column("fraction_of_peak", .ratio),
        Column("bytes_per_second_median", .bytesPerSecond), Column("bytes_per_second_min", .bytesPerSecond),
        Column("bytes_per_second_max", .bytesPerSecond),
        Column("seconds_median", .seconds), Column("seconds_min", .seconds), Column("seconds_max", .seconds),
        Column("runs", .count),
    ]

    static func report(_ r: CalibrationResult, title: String, notes: [String]) -> Report {
        var report = Report(title: title, columns: columns, notes: notes)
        func gemm(_ what: String, _ g: GemmMeasurement) {
            let s = g.flopsPerSecond
            report.append([.text(what), .text(g.shape.name), .text(g.shape.description),
                           .double(s.median), .double(s.min), .double(s.max), .double(s.median / r.peakFlopsPerSecond),
                           .null, .null, .null, .null, .null, .null, .int(Int128(s.samples))])
        }
        r.squares.forEach { gemm("sgemm_peak", $0) }
        r.kernelProducts.forEach { gemm("sgemm_kernel", $0) }
        if let g = r.probeSgemm { gemm("sgemm_probe", g) }
        func stream(_ what: String, _ name: String, _ s: StreamMeasurement) {
            let b = s.bytesPerSecond
            report.append([.text(what), .text(name), .text("3 x \(s.arrayBytes) B on \(r.threads) workers"),
                           .null, .null, .null, .null, .double(b.median), .double(b.min), .double(b.max),
                           .null, .null, .null, .int(Int128(b.samples))])
        }
        for s in r.streams { stream("stream_\(s.kernel.rawValue)", "\(s.kernel.rawValue), \(s.kernel.bytesPerElement) B/element", s) }
        for s in r.readByWorkingSet { stream("read_working_set", "read, cyclic over the working set", s) }
        func seconds(_ what: String, _ name: String, _ shape: String, _ o: Spread) {
            report.append([.text(what), .text(name), .text(shape), .null, .null, .null, .null, .null, .null, .null,
                           .double(o.median), .double(o.min), .double(o.max), .int(Int128(o.samples))])
        }
        seconds("operator_overhead", "one tiny sgemm call", "8x8x8", r.operatorOverhead)
        if let f = r.fixedCosts {
            // Seconds of the whole buffer, so the column keeps its unit; per byte in the notes and the profile.
            seconds("first_touch", "fresh buffer: allocate, zero-fill, release", "\(Calibrator.firstTouchBytes) B",
                    f.firstTouchSecondsPerByte.map { $0 * Double(Calibrator.firstTouchBytes) })
            seconds("blas_wake_up", "sgemm after OpenBLAS's workers slept, less warm", "256x256x256 on \(r.threads) threads", f.blasWakeUpSeconds)
        }
        for m in r.oneRowProducts?.measurements ?? [] {
            seconds("one_row_product", "one-row sgemv call, working set \(m.workingSetBytes) B", "1x\(m.n)x\(m.k) on \(r.threads) threads", m.secondsPerCall)
        }
        return report
    }
}

func fixed3(_ x: Double) -> String { String(format: "%.3f", x) }
