// `yocoprof baseline update|check`: the memory-footprint regression gate.
//
// A baseline (default Reports/baselines/memory.csv) holds, per configuration (model, context,
// generated tokens, batch, dtypes), the exact bytes by component. `check` recomputes every row
// and exits 2 on any difference (5 when the baseline is missing, 65 when it does not parse).
// Metrics and their tolerances are declared in `MemoryBaseline.metrics`.

import ArgumentParser
import CostModel
import Foundation
import ProfileStore
import Reporting

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Memory-footprint regression gate: write baselines, or check against them.",
        discussion: """
            Examples:
              yocoprof baseline update   # from Reports/baselines/configurations.csv
              yocoprof baseline check    # exit 2 on any change
              yocoprof baseline check --format markdown >> "$GITHUB_STEP_SUMMARY"
            """,
        subcommands: [Update.self, Check.self])

    struct Paths: ParsableArguments {
        @Option(help: ArgumentHelp("Baseline CSV (default: Reports/baselines/memory.csv beside Profiles/).", valueName: "file"))
        var baseline: String?

        func baselinePath(_ store: ProfileStore) -> String {
            baseline ?? store.directory.deletingLastPathComponent().appendingPathComponent("Reports/baselines/memory.csv").path
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute and write the baseline for a list of configurations.",
            discussion: """
                The configurations file is a CSV with the columns \(MemoryBaseline.keyColumns.joined(separator: ", ")).

                Example:
                  yocoprof baseline update --configurations my-configs.csv \\
                      --baseline ci/memory.csv
                """)

        @Option(help: ArgumentHelp("Configurations CSV (default: Reports/baselines/configurations.csv beside Profiles/).", valueName: "file"))
        var configurations: String?
        @OptionGroup var paths: Paths
        @OptionGroup var profiles: ProfileOptions

        func run() throws {
            let store = try profiles.store()
            let configPath = configurations
                ?? store.directory.deletingLastPathComponent().appendingPathComponent("Reports/baselines/configurations.csv").path
            guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
                throw CLIError.usage("cannot read the configurations file \(configPath)")
            }
            let configs: BaselineTable
            do {
                configs = try BaselineTable.parse(text, keyColumns: MemoryBaseline.keyColumns, metrics: [])
            } catch {
                throw CLIError.badData("\(configPath): \(error)")
            }
            let table = try MemoryBaseline.compute(configs.rows.map(\.key), store: store, skipUnknownModels: false)
            let path = paths.baselinePath(store)
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try AtomicFile.write(table.report.rendered(as: .csv), to: path)
            print("wrote \(path): \(table.rows.count) configurations, \(table.metrics.count) metrics each")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every baseline row and report each difference (exit 2 on any).",
            discussion: """
                Example:
                  yocoprof baseline check --format markdown
                """)

        @OptionGroup var paths: Paths
        @OptionGroup var profiles: ProfileOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let store = try profiles.store()
            let path = paths.baselinePath(store)
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIError.baselineMissing("no baseline at \(path); create it with `yocoprof baseline update`")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIError.badData("\(path): cannot be read as UTF-8 text")
            }
            let baseline: BaselineTable
            do {
                baseline = try BaselineTable.parse(text, keyColumns: MemoryBaseline.keyColumns, metrics: MemoryBaseline.metrics)
            } catch {
                throw CLIError.badData("\(path): \(error)")
            }
            let current = try MemoryBaseline.compute(baseline.rows.map(\.key), store: store, skipUnknownModels: true)
            let diffs = BaselineComparison.compare(baseline: baseline, current: current)
            var report = Report(
                title: "Baseline check: \(path)",
                columns: MemoryBaseline.keyColumns.map { Column($0, .text) } + [
                    Column("metric", .text), Column("kind", .text), Column("baseline", .text),
                    Column("current", .text), Column("change_ratio", .ratio),
                ], summaryKeys: ["model", "metric", "baseline", "current", "change_ratio", "context_tokens", "batch",
                                 "generated_tokens", "kind"] + MemoryBaseline.keyColumns.filter { $0.hasSuffix("_dtype") })
            for d in diffs {
                report.append(d.configuration.map(Value.text) + [
                    .text(d.metric), .text(d.kind.rawValue), .text(d.baseline), .text(d.current),
                    d.relativeChange.map(Value.double) ?? .null,
                ])
            }
            let summary = "\(baseline.rows.count) configurations x \(baseline.metrics.count) metrics: "
                + (diffs.isEmpty ? "no differences" : "\(diffs.count) differences")
            report.notes = [summary]
            try output.emit(report)
            if !diffs.isEmpty { throw CLIError.regression("baseline check: \(summary) against \(path)") }
        }
    }
}

/// The memory baseline: its key columns, its metrics (exact bytes, smaller is better) and how a
/// row is computed (activations with the commands' default 4K prefill chunk).
enum MemoryBaseline {
    static let keyColumns = [
        "model", "context_tokens", "generated_tokens", "batch", "weight_dtype", "kv_dtype", "state_dtype", "activation_dtype",
    ]

    static let metrics: [BaselineMetric] = [
        BaselineMetric("parameters", .count, .smallerIsBetter, .exact),
        BaselineMetric("weight_bytes", .bytes, .smallerIsBetter, .exact),
        BaselineMetric("kv_cache_bytes", .bytes, .smallerIsBetter, .exact),
        BaselineMetric("kv_cache_bytes_per_token", .bytes, .smallerIsBetter, .exact),
        BaselineMetric("state_bytes", .bytes, .smallerIsBetter, .exact),
        BaselineMetric("activation_bytes", .bytes, .smallerIsBetter, .exact),
        BaselineMetric("total_bytes", .bytes, .smallerIsBetter, .exact),
    ]

    /// Recomputes one row per configuration key. With `skipUnknownModels` (check), a model whose
    /// profile no longer exists yields no row and the comparison reports it missing; otherwise
    /// (update) it is an error. A profile that no longer validates throws (65).
    static func compute(_ keys: [[String]], store: ProfileStore, skipUnknownModels: Bool) throws -> BaselineTable {
        var table = BaselineTable(keyColumns: keyColumns, metrics: metrics)
        for key in keys {
            let field = Dictionary(uniqueKeysWithValues: zip(keyColumns, key))
            func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int {
                guard let v = Int(field[name]!), range.contains(v) else {
                    throw CLIError.badData("configuration \(key.joined(separator: ",")): `\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound); received \"\(field[name]!)\"")
                }
                return v
            }
            func dtype(_ name: String) throws -> DType {
                guard let t = DType(rawValue: field[name]!) else {
                    throw CLIError.badData("configuration \(key.joined(separator: ",")): `\(name)` must be one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")); received \"\(field[name]!)\"")
                }
                return t
            }
            let spec: ModelSpec
            do {
                spec = try store.loadModel(field["model"]!)
            } catch let e as UnknownProfileError {
                if skipUnknownModels { continue }
                throw CLIError.usage("configuration \(key.joined(separator: ",")): \(e)")
            }
            let plan = DTypePlan(weights: try dtype("weight_dtype"), kvCache: try dtype("kv_dtype"),
                                 state: try dtype("state_dtype"), activations: try dtype("activation_dtype"))
            let batch = try int("batch", 1...Limits.maxBatch)
            let context = try int("context_tokens", 0...Limits.maxContextTokens)
            let generated = try int("generated_tokens", 0...(Limits.maxContextTokens - context))
            let m = spec.memory(MemoryQuery(batch: batch, promptTokens: context,
                                            generatedTokens: generated, dtypes: plan,
                                            prefillChunkTokens: PrefillChunkOption.defaultTokens))
            table.rows.append(BaselineRow(key: key, values: [
                "parameters": "\(spec.parameterCount.total)",
                "weight_bytes": "\(m.weightBytes)",
                "kv_cache_bytes": "\(m.kvCacheBytes)",
                "kv_cache_bytes_per_token": "\(spec.kvBytesPerToken(dtype: plan.kvCache))",
                "state_bytes": "\(m.stateBytes)",
                "activation_bytes": "\(m.activationBytes)",
                "total_bytes": "\(m.totalBytes)",
            ]))
        }
        return table
    }
}
