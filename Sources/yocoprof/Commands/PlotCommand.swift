// `yocoprof plot`: SVG figures from the cost model (Reporting/SVGPlot.swift draws them).
//   memory        memory at batch 1 against the prompt length, per model, with the device capacity
//   prefill       prefill time at batch 1 against the prompt length
//   throughput    throughput at --batch (default max) against the prompt length
//   kv-per-token  KV-cache bytes per token (asymptotic: rings full) against model size, per family
// Points that do not fit the device are left out (a gap in the line).

import ArgumentParser
import CostModel
import Foundation
import Reporting

enum Figure: String, CaseIterable, ExpressibleByArgument {
    case memory, prefill, throughput
    case kvPerToken = "kv-per-token"
}

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Write SVG figures: memory, prefill time and throughput against context; KV per token against model size.",
        discussion: """
            Axes are log-scaled where the data spans two decades or more, and span the data (the \
            contexts are the x ticks, in K/M). Memory and prefill figures \
            use batch 1; the throughput figure uses --batch (default max).

            Examples:
              yocoprof plot --model yoco-3b,transformer-3b --hardware h100-sxm-80gb \\
                  --context 32K..1M*2 --generate 1024 --output-dir Reports/paper
              yocoprof plot --figure kv-per-token \\
                  --size-models yoco-160m,yoco-1.4b,transformer-160m,transformer-1.4b \\
                  --output-dir /tmp/figs
            """)

    @Option(help: ArgumentHelp("Models compared against context, comma-separated.", valueName: "ids"))
    var model: String = "yoco-3b,transformer-3b"

    @Option(help: ArgumentHelp("Hardware profile.", valueName: "id"))
    var hardware: String = "h100-sxm-80gb"

    @Option(help: ArgumentHelp("Prompt tokens: a list or range (32K..1M*2).", valueName: "tokens"))
    var context: String = "32K..1M*2"

    @Option(help: ArgumentHelp("Tokens generated per sequence (default 1024).", valueName: "tokens"), transform: Quantities.tokens)
    var generate: Int = 1024

    @Option(help: ArgumentHelp("Batch of the throughput figure: an integer or `max`.", valueName: "n|max"))
    var batch: BatchArgument = .max

    @Option(name: .customLong("size-models"), help: ArgumentHelp(
        "Models of the KV-per-token figure (default: every yoco-* and transformer-* profile).", valueName: "ids"))
    var sizeModels: String?

    @Option(help: ArgumentHelp("Figures to write (repeatable; default all).", valueName: "name"))
    var figure: [Figure] = []

    @Option(name: .customLong("output-dir"), help: ArgumentHelp("Directory the SVG files are written to.", valueName: "dir"))
    var outputDir: String

    @OptionGroup var kernel: KernelOptions
    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try batch.validated()
        let contexts = try SweepLists.tokens(context)
        if contexts.contains(0) { throw ValidationError("--context values must be at least 1 token") }
        if contexts.max()! + generate > Limits.maxContextTokens {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens")
        }
    }

    func run() throws {
        let store = try profiles.store()
        let specs = try SweepLists.names(model).map { try store.loadModel($0) }
        let hw = try store.loadHardware(hardware)
        let contexts = try SweepLists.tokens(context)
        let figures = figure.isEmpty ? Figure.allCases : figure
        try AtomicFile.createDirectory(outputDir)
        let xs = contexts.map(Double.init)
        let xAxis = PlotAxis(label: "prompt tokens", scale: .log, format: .binary, ticks: xs)
        let chunk = try kernel.chunk().map { "prefill chunks of \($0) tokens" } ?? "whole-prompt prefill"
        let setting = "\(hw.id), \(generate) generated tokens, \(chunk), roofline model (docs/COMPUTE.md)"

        /// One value per context per model; nil where the point does not fit.
        func series(batch b: BatchArgument, _ value: (Estimate) -> Double?) throws -> [PlotSeries] {
            try specs.map { spec in
                let plan = try dtypes.plan(for: spec)
                let ys = try contexts.map { n -> Double in
                    let q = try kernel.query(context: n, generate: generate, batch: b, plan: plan)
                    guard let e = try? spec.estimate(on: hw, q) else { return .nan }
                    return value(e) ?? .nan
                }
                return PlotSeries(name: spec.id, xs: xs, ys: ys, dashed: !spec.isYOCO)
            }
        }

        var report = Report(title: "Figures written to \(outputDir)", columns: [
            Column("figure", .text), Column("path", .text), Column("series", .count), Column("points", .count),
        ])
        // The figures are written as one set at the end: all new or (on an error) all old.
        var files: [(path: String, data: Data)] = []
        func write(_ name: String, _ chart: LineChart) throws {
            let path = (outputDir as NSString).appendingPathComponent("\(name).svg")
            files.append((path, Data(chart.svg().utf8)))
            let points = chart.series.reduce(0) { $0 + $1.points.filter { $0.y.isFinite }.count }
            report.append([.text(name), .text(path), .int(Int128(chart.series.count)), .int(Int128(points))])
        }

        let gib = Double(1 << 30)
        for f in figures {
            switch f {
            case .memory:
                var s = try series(batch: .fixed(1)) { Double($0.memoryBytes) / gib }
                s.append(PlotSeries(name: "\(hw.id) capacity", xs: xs, ys: xs.map { _ in Double(hw.memoryBytes) / gib }, dashed: true))
                try write("memory", LineChart(
                    title: "Memory at batch 1 against prompt length", x: xAxis,
                    y: PlotAxis(label: "memory (GiB = 2^30 bytes)", fitsData: true), series: s,
                    caption: "weights + KV at prompt + generated + state + prefill activations + runtime reserve; \(setting)"))
            case .prefill:
                let s = try series(batch: .fixed(1)) { $0.prefillSeconds }
                try write("prefill", LineChart(
                    title: "Prefill time at batch 1 against prompt length", x: xAxis,
                    y: PlotAxis(label: "prefill time (s)", fitsData: true), series: s,
                    caption: "YOCO exits early: cross layers on the last position only; \(setting)"))
            case .throughput:
                let s = try series(batch: batch) { $0.throughputTokensPerSecond }
                try write("throughput", LineChart(
                    title: "Throughput at batch \(batch) against prompt length", x: xAxis,
                    y: PlotAxis(label: "throughput (generated tokens/s)", format: .si, fitsData: true), series: s,
                    caption: "batch x generated / (prefill + decode); missing points do not fit; \(setting)"))
            case .kvPerToken:
                let ids = sizeModels.map(SweepLists.names) ?? store.modelIDs.filter { $0.hasPrefix("yoco-") || $0.hasPrefix("transformer-") }
                var families: [String: [PlotPoint]] = [:]
                var order: [String] = []
                for id in ids {
                    let spec = try store.loadModel(id)
                    let family = Self.family(spec)
                    if families[family] == nil { order.append(family) }
                    let dtype = try dtypes.plan(for: spec).kvCache
                    let big = Int128(1 << 22)
                    let perToken = spec.kvCacheBytes(batch: 1, tokens: big + 1, dtype: dtype) - spec.kvCacheBytes(batch: 1, tokens: big, dtype: dtype)
                    families[family, default: []].append(PlotPoint(x: Double(spec.parameterCount.nonEmbedding), y: Double(perToken) / 1024))
                }
                let s = order.map { name in
                    PlotSeries(name: name, points: families[name]!.sorted { $0.x < $1.x }, dashed: name.hasPrefix("Transformer"))
                }
                try write("kv-per-token", LineChart(
                    title: "KV cache per token against model size", x: PlotAxis(label: "non-embedding parameters", format: .si),
                    y: PlotAxis(label: "KV cache per token (KiB)"), series: s,
                    caption: "bytes each extra token adds (sliding-window rings full); KV dtype of each profile"))
            }
        }
        try AtomicFile.writeSet(files)
        try output.emit(report)
    }

    static func family(_ spec: ModelSpec) -> String {
        let cross = spec.kvHeads == spec.heads ? "MHA cross" : "GQA cross"
        if spec.isYOCO { return spec.retention != nil ? "YOCO (gRet, \(cross))" : "YOCO (SWA, \(cross))" }
        if spec.attentionSpans == [.full] { return spec.kvHeads == spec.heads ? "Transformer (MHA)" : "Transformer (GQA)" }
        return spec.attentionSpans.contains(.full) ? "Transformer (local + global)" : "Transformer (windowed)"
    }
}
