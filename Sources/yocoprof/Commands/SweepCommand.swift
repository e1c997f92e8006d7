// `yocoprof sweep`: `estimate` over a grid of models x hardware x contexts x generated x batches,
// one row per point. A point that does not fit is a row with fits = false, `status` does_not_fit,
// and every figure that does not depend on running it; a point with no estimate at all (the
// device lacks the compute dtype) keeps its inputs and says why in `status`.

import ArgumentParser
import CostModel
import Reporting

/// Lists and ranges typed on the command line.
enum SweepLists {
    /// "a,b,c" -> ["a", "b", "c"] (blanks dropped).
    static func names(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }

    /// Token lists: "32K,64K", a geometric range "32K..1M*2", an arithmetic range "1K..8K+1K", or a
    /// mix separated by commas. Ranges include both ends when the step lands on the end.
    static func tokens(_ text: String) throws -> [Int] {
        var out: [Int] = []
        for item in names(text) {
            guard let dots = item.range(of: "..") else {
                out.append(try Quantities.tokens(item))
                continue
            }
            let start = try Quantities.tokens(String(item[..<dots.lowerBound]))
            let rest = String(item[dots.upperBound...])
            if let star = rest.firstIndex(of: "*") {
                let end = try Quantities.tokens(String(rest[..<star]))
                guard let factor = Int(rest[rest.index(after: star)...]), factor >= 2 else {
                    throw ValidationError("range `\(item)`: the factor after `*` must be an integer of at least 2")
                }
                guard start >= 1 else { throw ValidationError("range `\(item)`: a geometric range must start at 1 or more") }
                var v = start
                while v <= end {
                    out.append(v)
                    if v > end / factor { break }
                    v *= factor
                }
            } else if let plus = rest.firstIndex(of: "+") {
                let end = try Quantities.tokens(String(rest[..<plus]))
                let step = try Quantities.tokens(String(rest[rest.index(after: plus)...]))
                guard step >= 1 else { throw ValidationError("range `\(item)`: the step after `+` must be at least 1") }
                var v = start
                while v <= end {
                    out.append(v)
                    v += step
                }
            } else {
                throw ValidationError("range `\(item)` needs a step: `32K..1M*2` (doubling) or `1K..8K+1K` (adding)")
            }
            if out.count > 1_000_000 { throw ValidationError("range `\(item)` has more than 1,000,000 values") }
        }
        guard !out.isEmpty else { throw ValidationError("empty list `\(text)`") }
        return out
    }

    /// Batch lists: "1,8,max", ranges as for tokens ("1..64*2").
    static func batches(_ text: String) throws -> [BatchArgument] {
        var out: [BatchArgument] = []
        for item in names(text) {
            if item.lowercased() == "max" {
                out.append(.max)
            } else if item.contains("..") {
                out += try tokens(item).map { try BatchArgument.fixed($0).validated() }
            } else {
                guard let b = BatchArgument(argument: item) else {
                    throw ValidationError("--batch values are integers or `max`; received `\(item)`")
                }
                out.append(try b.validated())
            }
        }
        guard !out.isEmpty else { throw ValidationError("empty --batch list") }
        return out
    }
}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Estimates over a grid of models, hardware, contexts, generated tokens and batches (one row per point).",
        discussion: """
            Lists are comma-separated; token ranges are geometric (32K..1M*2) or arithmetic
            (1K..8K+1K). A point that does not fit has fits = false, status does_not_fit,
            limited_by, its memory and FLOPs, and empty times.

            Examples:
              yocoprof sweep --model yoco-3b,transformer-3b --hardware h100-sxm-80gb \\
                  --context 32K..1M*2 --generate 1024 --batch max --format csv
              yocoprof sweep --model yoco-3b --hardware h100-sxm-80gb,a100-sxm-80gb \\
                  --context 32K,128K --generate 256 --batch 1,8,max
            """)

    @Option(help: ArgumentHelp("Model profile ids or paths, comma-separated.", valueName: "ids"))
    var model: String

    @Option(help: ArgumentHelp("Hardware profile ids or paths, comma-separated.", valueName: "ids"))
    var hardware: String

    @Option(help: ArgumentHelp("Prompt tokens: a list (32K,64K) or range (32K..1M*2).", valueName: "tokens"))
    var context: String

    @Option(help: ArgumentHelp("Generated tokens: a list or range.", valueName: "tokens"))
    var generate: String = "1024"

    @Option(help: ArgumentHelp("Batches: integers or `max`, comma-separated (ranges like 1..64*2).", valueName: "list"))
    var batch: String = "max"

    @OptionGroup var kernel: KernelOptions
    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var price: PriceOption
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let contexts = try SweepLists.tokens(context), generated = try SweepLists.tokens(generate)
        _ = try SweepLists.batches(batch)
        if SweepLists.names(model).isEmpty { throw ValidationError("--model needs at least one id") }
        if SweepLists.names(hardware).isEmpty { throw ValidationError("--hardware needs at least one id") }
        if contexts.contains(0) { throw ValidationError("--context values must be at least 1 token") }
        if contexts.max()! + generated.max()! > Limits.maxContextTokens {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens")
        }
        // Each list is capped, their product too: the report is held in memory before it is written.
        let points = [SweepLists.names(model).count, SweepLists.names(hardware).count, contexts.count, generated.count,
                      try SweepLists.batches(batch).count].reduce(Int128(1)) { $0 * Int128($1) }
        if points > Int128(Self.maxPoints) {
            throw ValidationError("the grid has \(points) points (models x hardware x contexts x generated x batches); the limit is \(Self.maxPoints)")
        }
    }

    /// Largest grid: a million rows is about 300 MB of report.
    static let maxPoints = 1_000_000

    func run() throws {
        let store = try profiles.store()
        let specs = try SweepLists.names(model).map { kernel.shaped(try store.loadModel($0)) }
        let devices = try SweepLists.names(hardware).map { try store.loadHardware($0) }
        let contexts = try SweepLists.tokens(context), generated = try SweepLists.tokens(generate)
        let batches = try SweepLists.batches(batch)
        // A price (the flag, or a profile's) adds the cost columns after `status`; without one the
        // schema is the one its tests pin.
        let priced = devices.contains { price.resolved($0) != nil }
        var report = Report(
            title: "Sweep: \(specs.count) models x \(devices.count) devices x \(contexts.count) contexts x \(generated.count) x \(batches.count) batches",
            columns: EstimateColumns.columns + [Column("status", .text)] + (priced ? DeploymentColumns.costColumns : []),
            notes: EstimateColumns.notes,
            summaryKeys: EstimateColumns.summaryKeys)
        for spec in specs {
            let plan = try dtypes.plan(for: spec)
            for hw in devices {
                for n in contexts {
                    for g in generated {
                        for b in batches {
                            let q = try kernel.query(context: n, generate: g, batch: b, plan: plan)
                            do {
                                let o = try spec.assess(on: hw, q)
                                let cost = !priced ? [] : price.resolved(hw).map {
                                    DeploymentColumns.costRow(o, devices: 1, replicas: 1, pricePerDeviceHour: $0)
                                } ?? [.null, .null]
                                report.append(EstimateColumns.row(o, prefillChunk: q.prefillChunkTokens) + [.text(o.fit.fits ? "ok" : "does_not_fit")] + cost,
                                              inapplicable: EstimateColumns.inapplicable(spec, plan))
                            } catch {
                                report.append(Self.failedRow(spec: spec, hw: hw, n: n, g: g, b: b, error: error)
                                              + (priced ? [.null, .null] : []))
                            }
                        }
                    }
                }
            }
        }
        try output.emit(report)
    }

    /// A row for a point with no estimate (no peak for the compute dtype): the inputs, empty numbers and the reason.
    static func failedRow(spec: ModelSpec, hw: HardwareSpec, n: Int, g: Int, b: BatchArgument, error: CostModelError) -> [Value] {
        var row = [Value](repeating: .null, count: EstimateColumns.columns.count)
        row[0] = .text(spec.id)
        row[1] = .text(hw.id)
        row[2] = .int(Int128(n))
        row[3] = .int(Int128(g))
        if case .fixed(let k) = b { row[4] = .int(Int128(k)) }
        row[5] = .text(b == .max ? "max" : "given")
        return row + [.text(error.description)]
    }
}
