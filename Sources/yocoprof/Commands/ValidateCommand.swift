// `yocoprof validate`: run a suite of real kernel runs and set each beside the cost model's
// prediction on the calibrated host profile (Profiler/Validation.swift has the metrics and how they
// are compared). Writes a CSV of every record, a markdown summary and SVG figures, prints the
// summary, and exits 1 when an exact metric (bytes, executed matmul FLOPs, attention pairs) differs.

import ArgumentParser
import CostModel
import Foundation
import Kernels
import Profiler
import ProfileStore
import Reporting

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Predicted against measured on a suite of real kernel runs: exact bytes and FLOPs, relative time errors.",
        discussion: """
            The host profile comes from `calibrate` (microbenchmarks only); when --hardware is not \
            given and Profiles/hardware/<host>.json does not exist, validate calibrates first and \
            writes it. Reports go to --output-dir: validation.csv (one row per metric and run), \
            summary.md, prefill.svg, decode.svg, parity-prefill.svg, parity-decode.svg, \
            operators-prefill.svg, operators-decode.svg and the host profile used.

            Per operator: rows prefill_seconds.<op> and decode_seconds.<op> set the kernels' own \
            time for each cost-model operator (embedding, <run>.projections, <run>.core, \
            <run>.output, <run>.ffn, kv_projection, head) beside the roofline's, with each one's \
            share of its phase; the summary gives their median and max |error| over the suite.

            Noise: a short probe (a 512^3 sgemm and a 128 MiB stream read) runs before \
            and after every configuration; a configuration whose probe moved more than 5% is \
            measured again (3 attempts at most, the steadiest kept), and probe_* rows record the \
            drift from the profile's calibrated rates. A warning goes to stderr when the profile \
            is over 24 h old (calibrated_at) or the first probe's stream rate is over 10% from it. \
            Timed rows give the repeats' min and max and whether the prediction lies in that band.

            --suite published runs no kernel: it sets the published GPU measurements of \
            Reports/published/end-to-end.csv beside the cost model on the GPU profiles' published \
            kernel efficiencies (nothing fitted to them) and writes the same reports to \
            Reports/published/validation/ (rows it cannot model yet are listed with the reason).

            Examples:
              yocoprof validate          # every host-* model x 1K, 4K, 16K tokens
              yocoprof validate --suite published     # seconds; make validate-published
              yocoprof validate --suite quick --output-dir /tmp/v
              yocoprof validate --suite paper-160m \\
                  --output-dir Reports/validation-160m     # make validate-160m
              yocoprof validate --hardware Profiles/hardware/host-amd-epyc.json \\
                  --format markdown
            """)

    @Option(help: ArgumentHelp("Suite: default (host models at 1K, 4K, 16K), quick (256, 1K), paper-160m (yoco-160m and transformer-160m in fp32 at 1K, 4K, 8K) or published (GPU measurements, no kernels run).", valueName: "name"))
    var suite: String = "default"

    @Option(help: ArgumentHelp("Model ids or paths, comma-separated (default: every host-* profile).", valueName: "ids"))
    var model: String?

    @Option(help: ArgumentHelp("Calibrated host profile id or path (default: this host's, calibrated now if missing).", valueName: "id|path"))
    var hardware: String?

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Folder for the reports (default: Reports/validation beside Profiles/).", valueName: "dir"))
    var outputDirectory: String?

    @Option(name: .customLong("published-dir"), help: ArgumentHelp(
        "Folder of end-to-end.csv and suite/*.csv for --suite published (default: Reports/published beside Profiles/).", valueName: "dir"))
    var publishedDirectory: String?

    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard suite == "published" || ValidationSuite(rawValue: suite) != nil else {
            throw ValidationError("--suite must be one of \((ValidationSuite.allCases.map(\.rawValue) + ["published"]).joined(separator: ", ")); received \(suite)")
        }
        if suite == "published", model != nil || hardware != nil {
            throw ValidationError("--suite published takes its models and GPUs from the published rows; drop --model and --hardware")
        }
    }

    func run() throws {
        if suite == "published" { return try runPublished() }
        let store = try profiles.store()
        let ids = model.map(SweepLists.names) ?? ValidationSuite(rawValue: suite)!.defaultModelIDs
            ?? store.modelIDs.filter { $0.hasPrefix("host-") }
        guard !ids.isEmpty else { throw CLIError.usage("no models: pass --model (no host-* profiles in \(store.directory.path))") }
        let specs = try ids.map { try store.loadModel($0) }
        let progress = ProgressLine()
        let (host, hostPath) = try hostProfile(store: store, specs: specs, progress: progress)
        let profiler = try Profiler()

        let cases = ValidationSuite(rawValue: suite)!.cases(models: specs)
        var records: [ValidationRecord] = []
        // The drift probe around every configuration (Profiler/DriftProbe.swift): a configuration
        // whose probe moved more than the threshold is measured again.
        let probe = DriftProbe()
        var before = probe.read()
        let calibratedAt = try store.hardwareCalibratedAt(hostPath)
        for line in DriftProbe.warnings(profile: host.id, hw: host, calibratedAt: calibratedAt, firstProbe: before) {
            StandardError.write(line + "\n")
        }
        for (i, c) in cases.enumerated() {
            var kept: (run: MeasuredRun, after: ProbeReading, start: ProbeReading)?
            var attempts = 0
            while attempts < DriftProbe.maxAttempts {
                attempts += 1
                progress.show("[\(i + 1)/\(cases.count)] \(c.request.label)\(attempts > 1 ? " (attempt \(attempts): the probe moved)" : "")")
                let run: MeasuredRun
                do { run = try profiler.measure(c.request) } catch { progress.clear(); throw error }
                let after = probe.read()
                if kept == nil || after.change(from: before) < kept!.after.change(from: kept!.start) { kept = (run, after, before) }
                let moved = after.change(from: before)
                before = after
                if moved <= DriftProbe.repeatThreshold { break }
            }
            records += try Validator.compare(c, run: kept!.run, hardware: host)
            records += Validator.probeRecords(c, before: kept!.start, after: kept!.after, attempts: attempts, hardware: host)
        }
        progress.clear()

        let transformers = specs.filter { !$0.isYOCO && $0.retention == nil }
        let transformer = transformers.first { $0.attentionSpans == [.full] && $0.kvHeads == $0.heads } ?? transformers.first
        let summary = ValidationSummary(records, transformerID: transformer?.id)
        let dir = outputDirectory ?? store.directory.deletingLastPathComponent().appendingPathComponent("Reports/validation").path
        try AtomicFile.createDirectory(dir)
        let root = store.directory.deletingLastPathComponent().path + "/"
        let shownPath = hostPath.hasPrefix(root) ? String(hostPath.dropFirst(root.count)) : hostPath
        let context = "host profile \(host.id) (\(shownPath)); \(profiler.blas); suite \(suite)"
        let charts = Self.charts(records).map { (dir + "/" + $0.file, Data($0.svg.utf8)) }
        // One set: the reports of one run, never half of this run and half of the last.
        try AtomicFile.writeSet([
            (dir + "/validation.csv", Data(Self.recordsReport(records).rendered(as: .csv).utf8)),
            (dir + "/summary.md", Data(Self.summaryMarkdown(summary, context: context).utf8)),
        ] + charts + [(dir + "/host-profile.json", try Data(contentsOf: URL(fileURLWithPath: hostPath)))])
        var report = Self.summaryReport(summary)
        report.notes = [context] + Self.speedupLines(summary)
            + ["reports: \(dir)/{validation.csv, summary.md, host-profile.json, \(Self.chartFiles.joined(separator: ", "))}"]
        try output.emit(report)
        if summary.exactMismatches > 0 {
            throw CLIError.failure("validate: \(summary.exactMismatches) exact metrics differ from the cost model (see \(dir)/validation.csv)")
        }
    }

    /// The calibrated host profile: --hardware, else this host's profile, calibrating now if missing.
    func hostProfile(store: ProfileStore, specs: [ModelSpec], progress: ProgressLine) throws -> (HardwareSpec, String) {
        if let hardware {
            let path = hardware.contains("/") || hardware.hasSuffix(".json")
                ? hardware : store.hardwareDirectory.appendingPathComponent(hardware + ".json").path
            return (try store.loadHardware(hardware), path)
        }
        let id = HostInfo.current().profileID
        let path = store.hardwareDirectory.appendingPathComponent(id + ".json").path
        if FileManager.default.fileExists(atPath: path) { return (try store.loadHardware(id), path) }
        StandardError.write("no calibrated profile at \(path): calibrating this host first\n")
        let result: CalibrationResult
        do { result = try Calibrator.run(.standard(for: specs), progress: progress.show) } catch { progress.clear(); throw error }
        progress.clear()
        try AtomicFile.write(result.profileJSON(id: id), to: path)
        return (try store.loadHardware(id), path)
    }

    static func recordsReport(_ records: [ValidationRecord]) -> Report {
        var r = Report(title: "Validation", columns: [
            Column("model", .text), Column("architecture", .text), Column("batch", .count), Column("context_tokens", .tokens),
            Column("generated_tokens", .tokens), Column("metric", .text), Column("unit", .text), Column("comparison", .text),
            Column("predicted", .text), Column("measured", .text), Column("relative_error", .ratio), Column("status", .text),
            Column("measured_min", .text), Column("measured_max", .text), Column("prediction_in_band", .text),
            Column("measured_share", .ratio), Column("predicted_share", .ratio),
            Column("memory_level", .text), Column("memory_working_set_bytes", .text), Column("memory_read_bytes_per_second", .text),
        ])
        for x in records {
            r.append([.text(x.modelID), .text(x.architecture), .int(Int128(x.batch)), .int(Int128(x.contextTokens)),
                      .int(Int128(x.generatedTokens)), .text(x.metric), .text(x.unit), .text(x.kind.rawValue),
                      .text(x.predictedText), .text(x.measuredText), x.relativeError.map(Value.double) ?? .null, .text(x.status),
                      .text(x.measuredMin.map { "\($0)" } ?? ""), .text(x.measuredMax.map { "\($0)" } ?? ""),
                      .text(x.predictionInBand.map { $0 ? "yes" : "no" } ?? ""),
                      x.measuredShare.map(Value.double) ?? .null, x.predictedShare.map(Value.double) ?? .null,
                      .text(x.memory?.level.rawValue ?? ""), .text(x.memory.map { "\($0.workingSetBytes)" } ?? ""),
                      .text(x.memory.map { "\($0.bytesPerSecond)" } ?? "")])
        }
        return r
    }

    static func summaryReport(_ s: ValidationSummary) -> Report {
        var r = Report(title: "Validation summary", columns: [
            Column("metric", .text), Column("comparison", .text), Column("rows", .count),
            Column("median_abs_relative_error", .ratio), Column("max_abs_relative_error", .ratio),
            Column("exact_mismatches", .count), Column("unavailable", .count), Column("predictions_in_band", .text),
        ], summaryKeys: ["metric", "median_abs_relative_error", "max_abs_relative_error", "exact_mismatches", "unavailable",
                         "comparison", "rows"])
        for l in s.lines {
            r.append([.text(l.metric), .text(l.kind.rawValue), .int(Int128(l.count)),
                      l.medianAbsError.map(Value.double) ?? .null, l.maxAbsError.map(Value.double) ?? .null,
                      .int(Int128(l.mismatches)), .int(Int128(l.unavailable)),
                      .text(l.withBand > 0 ? "\(l.inBand)/\(l.withBand)" : "")])
        }
        return r
    }

    static func speedupLines(_ s: ValidationSummary) -> [String] {
        s.speedups.map {
            let what = $0.metric == "prefill_seconds" ? "prefill speedup" : "decode-rate ratio"
            let err = RelativeError.of(measured: $0.measured, predicted: $0.predicted) ?? 0
            return "\(what) of \($0.model) over \($0.baseline) at \($0.context) tokens: measured \(Units.fixed($0.measured, 2))x, predicted \(Units.fixed($0.predicted, 2))x (error \(Units.fixed(100 * err, 1))%)"
        }
    }

    static func summaryMarkdown(_ s: ValidationSummary, context: String) -> String {
        var md = "# Validation: predicted against measured\n\n\(context)\n\n"
        md += summaryReport(s).rendered(as: .markdown)
        md += "\nExact metrics (bytes, executed matmul FLOPs, attention pairs) must match to the unit; "
        md += "relative errors are (measured - predicted) / predicted.\n\n"
        let lines = speedupLines(s)
        if !lines.isEmpty { md += "## YOCO against the Transformer\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return md
    }
}
