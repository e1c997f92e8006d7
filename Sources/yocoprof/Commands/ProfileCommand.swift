// `yocoprof profile`: real prefill and decode on the CPU kernels, per model and context, with every
// counter and its availability (Profiler/MeasuredRun.swift). Measured rows print the OpenBLAS core
// and thread count; the fallback core is refused before anything is timed.

import ArgumentParser
import CostModel
import Foundation
import HardwareCounters
import Kernels
import Profiler
import ProfileStore
import Reporting

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Run the real kernels (prefill, then decode) and report times, cache bytes, peak memory and counters.",
        discussion: """
            Per model and context: prefill seconds and decode tokens/s (median, min, max over --repeat \
            runs), measured KV and state bytes beside the cost model's, peak resident memory (VmHWM), \
            and every counter — hardware events as a value or `unavailable: reason`, the software-defined \
            (SDE) counters read back through PAPI. A run whose predicted memory exceeds --memory-fraction \
            of MemAvailable is refused before anything is allocated. Details: docs/PROFILING.md.

            --breakdown reports, instead, one row per operator and phase: the kernels' own time \
            for it (laps of a monotonic clock around each operator, keyed by the cost model's \
            operator ids), its share of the phase, the roofline's seconds for it on --hardware \
            (default: this host's calibrated profile, if there is one) and the relative error.

            Examples:
              yocoprof profile --model host-yoco-gret --context 1K,4K --generate 16
              yocoprof profile --model host-yoco-gret --context 4K --breakdown
              yocoprof profile --model host-transformer,host-yoco-gret \\
                  --context 1K,4K,16K --generate 64 --repeat 3 --format csv
            """)

    @Option(help: ArgumentHelp("Model profile id or path; repeat the option or separate with commas.", valueName: "ids"))
    var model: [String]

    @Option(help: ArgumentHelp("Prompt tokens: a list such as 1K,4K,16K or a range 1K..16K*2.", valueName: "tokens"))
    var context: String

    @Option(help: ArgumentHelp("Tokens decoded per sequence after the prompt.", valueName: "tokens"), transform: Quantities.tokens)
    var generate: Int = 64

    @Option(help: ArgumentHelp("Sequences run together.", valueName: "n"))
    var batch: Int = 1

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Runs per configuration (median, min and max are reported).", valueName: "n"))
    var repeats: Int = 3

    @Option(name: .customLong("memory-fraction"), help: ArgumentHelp(
        "Refuse a run whose predicted memory exceeds this fraction of MemAvailable (default 0.8).", valueName: "f"))
    var memoryFraction: Double = MemoryGuard.defaultFraction

    @Option(help: ArgumentHelp("Seed of the weights and token ids.", valueName: "n"))
    var seed: UInt64 = 0

    @Flag(help: "Per operator and phase: measured seconds and share beside the cost model's.")
    var breakdown = false

    @Flag(name: .customLong("no-operator-timing"), help: "Run without the per-operator clock (to measure what the timing costs).")
    var noOperatorTiming = false

    @Option(help: ArgumentHelp("With --breakdown: hardware profile of the prediction (default: this host's calibrated one).", valueName: "id|path"))
    var hardware: String?

    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    var modelIDs: [String] { model.flatMap(SweepLists.names) }

    func validate() throws {
        if modelIDs.isEmpty { throw ValidationError("--model needs at least one id") }
        if breakdown && noOperatorTiming { throw ValidationError("--breakdown needs the operator timing; drop --no-operator-timing") }
        let contexts = try SweepLists.tokens(context)
        if contexts.isEmpty || contexts.contains(where: { $0 < 1 }) {
            throw ValidationError("--context needs token counts of at least 1; received \(context)")
        }
        if contexts.max()! > Limits.maxContextTokens - generate {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens")
        }
        guard generate >= 0 else { throw ValidationError("--generate must be at least 0; received \(generate)") }
        guard batch >= 1 && batch <= 4096 else { throw ValidationError("--batch must be between 1 and 4096; received \(batch)") }
        guard (1...100).contains(repeats) else { throw ValidationError("--repeat must be between 1 and 100; received \(repeats)") }
        guard memoryFraction > 0 && memoryFraction <= 1 else {
            throw ValidationError("--memory-fraction must be in (0, 1]; received \(memoryFraction)")
        }
    }

    func run() throws {
        let store = try profiles.store()
        let specs = try modelIDs.map { try store.loadModel($0) }
        let contexts = try SweepLists.tokens(context)
        let guardRule = try MemoryGuard(fraction: memoryFraction)
        // Refuse every oversized configuration before anything is allocated or timed.
        for spec in specs {
            for n in contexts {
                let r = ProfileRequest(model: spec, batch: batch, contextTokens: n, generatedTokens: generate, repeats: repeats, seed: seed)
                try guardRule.check(r.memoryPlan, what: "run of \(r.label)")
            }
        }
        let profiler = try Profiler(memoryGuard: guardRule)
        let progress = ProgressLine()
        var runs: [MeasuredRun] = []
        do {
            for spec in specs {
                for n in contexts {
                    let r = ProfileRequest(model: spec, batch: batch, contextTokens: n, generatedTokens: generate, repeats: repeats, seed: seed,
                                           timesOperators: !noOperatorTiming)
                    runs.append(try profiler.measure(r, progress: progress.show))
                }
            }
        } catch {
            progress.clear()
            throw error
        }
        progress.clear()
        let availability = (try? profiler.session.availability().summary) ?? "hardware counters: availability unknown"
        let notes = [
            "\(profiler.blas); PAPI \(profiler.session.papiVersion); \(availability)",
        ] + profiler.selfTest.lines + Self.notes
        let title = "Measured runs: \(specs.map(\.id).joined(separator: ", ")), batch \(batch), \(generate) generated tokens, \(repeats) repeat\(repeats == 1 ? "" : "s") (\(profiler.blas))"
        if breakdown {
            let hostID = HostInfo.current().profileID
            let hostExists = FileManager.default.fileExists(atPath: store.hardwareDirectory.appendingPathComponent(hostID + ".json").path)
            let hw = try hardware.map { try store.loadHardware($0) } ?? (hostExists ? try store.loadHardware(hostID) : nil)
            var rows: [(MeasuredRun, ValidationCase, [OperatorComparison])] = []
            for r in runs {
                let c = ValidationCase(model: specs.first { $0.id == r.modelID }!, batch: r.batch, contextTokens: r.contextTokens,
                                       generatedTokens: r.generatedTokens, repeats: r.repeats)
                rows.append((r, c, try OperatorBreakdown.compare(c, run: r, hardware: hw)))
            }
            let hwNote = hw.map { "predicted: the roofline on hardware profile \($0.id), fp32, the kernels' tiling" }
                ?? "predicted: none (no --hardware and no calibrated profile \(HostInfo.current().profileID) for this host; run `yocoprof calibrate`)"
            return try output.emit(Self.breakdownReport(rows.map { ($0.0, $0.2) }, title: "Per-operator time: " + title,
                                                        notes: [hwNote] + Self.breakdownNotes))
        }
        let report = Self.report(runs, title: title, notes: notes)
        try emit(report)
    }

    static let breakdownNotes = [
        "measured_seconds: the kernels' laps around the operator, all its layers, median over the repeats (decode: the G steps together); share: of the phase's measured wall time",
        "outside_operators: wall time no operator covered (buffer set-up, output copies, counter publication); the cost model has no term for it",
        "steps: the operator's own time by step (norm, products, rope, elementwise, cache_write, core, cache_read, gather)",
        "memory_level: where the prediction charged the operator's bytes: dram, llc (its reuse working set fits in the last-level cache), llc_partial (larger, inside the calibrated curve), class_rate (its class's own memory efficiency); memory_working_set_bytes: that working set (a decode step's or a prefill pass's bytes; decode: the middle step); memory_read_bytes_per_second: the rate charged (docs/VALIDATION.md)",
    ]

    static func breakdownReport(_ runs: [(MeasuredRun, [OperatorComparison])], title: String, notes: [String]) -> Report {
        var report = Report(title: title, columns: [
            Column("model", .text), Column("batch", .count), Column("context_tokens", .tokens), Column("generated_tokens", .tokens),
            Column("phase", .text), Column("operator", .text), Column("measured_seconds", .seconds),
            Column("measured_seconds_min", .seconds), Column("measured_seconds_max", .seconds), Column("measured_share", .ratio),
            Column("predicted_seconds", .seconds), Column("predicted_share", .ratio), Column("relative_error", .ratio),
            Column("steps", .text), Column("memory_level", .text), Column("memory_working_set_bytes", .bytes),
            Column("memory_read_bytes_per_second", .bytesPerSecond),
        ], notes: notes)
        for (r, ops) in runs {
            for o in ops {
                report.append([.text(r.modelID), .int(Int128(r.batch)), .int(Int128(r.contextTokens)), .int(Int128(r.generatedTokens)),
                               .text(o.phase.rawValue), .text(o.name), .double(o.measuredSeconds), .double(o.measuredMin),
                               .double(o.measuredMax), .double(o.measuredShare), o.predictedSeconds.map(Value.double) ?? .null,
                               o.predictedShare.map(Value.double) ?? .null, o.relativeError.map(Value.double) ?? .null,
                               .text(o.stepText), .text(o.memory?.level.rawValue ?? ""),
                               o.memory.map { .int($0.workingSetBytes) } ?? .null, o.memory.map { .double($0.bytesPerSecond) } ?? .null])
            }
        }
        return report
    }

    /// Tables and markdown show one metric/value block per run (a run has ~60 fields); CSV and JSON
    /// keep one row per run.
    func emit(_ report: Report) throws {
        let format = output.output == nil ? output.resolvedFormat : (output.format ?? .csv)
        guard format == .table || format == .markdown, report.rows.count > 0 else { return try output.emit(report) }
        var text = ""
        let shown = try output.selected(report)  // --columns picks the lines of each block
        for (i, row) in shown.rows.enumerated() {
            let runTitle = "\(report.value("model", row: i).map(cellText) ?? "?"), context \(report.value("context_tokens", row: i).map(cellText) ?? "?")"
            let single = Report(title: (i == 0 ? report.title + "\n\n" : "") + runTitle, columns: shown.columns, rows: [row],
                                notes: i == report.rows.count - 1 ? report.notes : [], isSingle: true)
            text += (i == 0 ? "" : "\n") + single.rendered(as: format)
        }
        if let path = output.output { try AtomicFile.write(text, to: path) } else { try StandardOutput.write(text) }
    }

    static let notes = [
        "prefill_seconds: B prompts of N tokens from an empty cache; decode_tokens_per_second = B x G / the seconds of G decode steps; median, min and max over the repeats",
        "kv_cache_bytes and state_bytes: what the counting allocator held; *_predicted: CostModel kvCacheBytes(batch, N + G, fp32) and stateBytes(batch, fp32)",
        "peak_rss_bytes: VmHWM of the process after the run (reset before each configuration where /proc/self/clear_refs allows; see peak_rss_reset)",
        "counters: first repeat of each phase; hardware events count the measuring thread only (not OpenBLAS workers); sde_* are the kernels' WorkCounters read back through PAPI; null = unavailable, the reason is in *_availability",
    ]

    static func counterKey(_ e: CounterEvent) -> String {
        e.label.lowercased().replacingOccurrences(of: ".", with: "_")
    }

    static func counterUnit(_ e: CounterEvent) -> ColumnUnit {
        switch e.label {
        case "task_clock_ns": .count
        default: e.label.contains("FLOPS") || e.label == "sp_flops" ? .flops : (e.label.contains("BYTES") ? .bytes : .count)
        }
    }

    static func report(_ runs: [MeasuredRun], title: String, notes: [String]) -> Report {
        let events = runs.first.map { $0.prefillCounters.map(\.event) } ?? Profiler.defaultEvents
        var columns: [Column] = [
            Column("model", .text), Column("architecture", .text), Column("batch", .count),
            Column("context_tokens", .tokens), Column("generated_tokens", .tokens), Column("repeats", .count),
            Column("prefill_seconds", .seconds), Column("prefill_seconds_min", .seconds), Column("prefill_seconds_max", .seconds),
            Column("decode_tokens_per_second", .tokensPerSecond), Column("decode_tokens_per_second_min", .tokensPerSecond),
            Column("decode_tokens_per_second_max", .tokensPerSecond), Column("decode_seconds", .seconds),
            Column("weight_bytes", .bytes), Column("kv_cache_bytes", .bytes), Column("kv_cache_bytes_predicted", .bytes),
            Column("state_bytes", .bytes), Column("state_bytes_predicted", .bytes), Column("workspace_bytes", .bytes),
            Column("planned_bytes", .bytes), Column("peak_rss_bytes", .bytes), Column("peak_rss_reset", .text),
            Column("openblas_core", .text), Column("openblas_threads", .count),
        ]
        for phase in ["prefill", "decode"] {
            for e in events { columns.append(Column("\(phase)_\(counterKey(e))", counterUnit(e))) }
        }
        for e in events { columns.append(Column("\(counterKey(e))_availability", .text)) }

        var report = Report(title: title, columns: columns, notes: notes)
        for r in runs {
            var row: [Value] = [
                .text(r.modelID), .text(r.architecture), .int(Int128(r.batch)), .int(Int128(r.contextTokens)),
                .int(Int128(r.generatedTokens)), .int(Int128(r.repeats)),
                .double(r.prefillSeconds.median), .double(r.prefillSeconds.min), .double(r.prefillSeconds.max),
                r.decodeTokensPerSecond.map { .double($0.median) } ?? .null,
                r.decodeTokensPerSecond.map { .double($0.min) } ?? .null,
                r.decodeTokensPerSecond.map { .double($0.max) } ?? .null,
                r.decodeSeconds.map { .double($0.median) } ?? .null,
                .int(Int128(r.weightBytes)), .int(Int128(r.kvCacheBytes)), .int(r.predictedKVCacheBytes),
                .int(Int128(r.stateBytes)), .int(r.predictedStateBytes), .int(Int128(r.workspaceBytes)),
                .int(Int128(r.plannedBytes)), r.peakResidentBytes.map { .int(Int128($0)) } ?? .null,
                .text(r.peakResidentReset ? "yes" : "no"),
                .text(r.blas.coreName), .int(Int128(r.blas.threads)),
            ]
            for readings in [r.prefillCounters, r.decodeCounters] {
                for e in events {
                    let v = readings.first { $0.event == e }?.reading.value
                    row.append(v.map { .int(Int128($0)) } ?? .null)
                }
            }
            for e in events {
                let p = r.prefillCounters.first { $0.event == e }, d = r.decodeCounters.first { $0.event == e }
                var text = p?.availability ?? d?.availability ?? "not measured"
                if let p, let d, p.availability != d.availability { text = "prefill: \(p.availability); decode: \(d.availability)" }
                row.append(.text(text))
            }
            report.append(row)
        }
        return report
    }
}

private func cellText(_ v: Value) -> String {
    switch v {
    case .text(let s): s
    case .int(let n): "\(n)"
    case .double(let d): "\(d)"
    case .bool(let b): "\(b)"
    case .null: ""
    }
}
