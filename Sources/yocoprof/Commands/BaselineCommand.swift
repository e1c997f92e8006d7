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

        @Option(help: ArgumentHelp(
            "Configurations CSV the baseline is made from (default: Reports/baselines/configurations.csv beside Profiles/; `check` uses it by default only with the default baseline).",
            valueName: "file"))
        var configurations: String?

        func baselinePath(_ store: ProfileStore) -> String {
            baseline ?? store.directory.deletingLastPathComponent().appendingPathComponent("Reports/baselines/memory.csv").path
        }

        func defaultConfigurationsPath(_ store: ProfileStore) -> String {
            store.directory.deletingLastPathComponent().appendingPathComponent("Reports/baselines/configurations.csv").path
        }

        /// The configurations file that `check` must find covered: the one given, else the default
        /// one when the baseline is the default one and the file exists.
        func coveragePath(_ store: ProfileStore) -> String? {
            if let configurations { return configurations }
            let path = defaultConfigurationsPath(store)
            return baseline == nil && FileManager.default.fileExists(atPath: path) ? path : nil
        }

        /// The configurations of `path`, at least one (a header-only file would make an empty baseline).
        func readConfigurations(_ path: String) throws -> BaselineTable {
            let text: String
            do { text = try InputFile.text(path) } catch { throw CLIError.usage("the configurations file \(error)") }
            let configs: BaselineTable
            do {
                configs = try BaselineTable.parse(text, keyColumns: MemoryBaseline.keyColumns, metrics: [])
            } catch {
                throw CLIError.badData("\(path): \(error)")
            }
            guard !configs.rows.isEmpty else {
                throw CLIError.badData("\(path): holds no configurations (only a header); a baseline made from it would check nothing")
            }
            return configs
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

        @OptionGroup var paths: Paths
        @OptionGroup var profiles: ProfileOptions

        func run() throws {
            let store = try profiles.store()
            let configPath = paths.configurations ?? paths.defaultConfigurationsPath(store)
            let configs = try paths.readConfigurations(configPath)
            let table = try MemoryBaseline.compute(configs.rows, file: configPath, store: store, skipUnknownModels: false)
            let path = paths.baselinePath(store)
            try AtomicFile.createDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            try AtomicFile.write(table.report.rendered(as: .csv), to: path)
            print("wrote \(path): \(table.rows.count) configurations, \(table.metrics.count) metrics each")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every baseline row and report each difference (exit 2 on any).",
            discussion: """
                A baseline with no rows is bad data (65). Every configuration of the configurations file \
                (--configurations, or the default one with the default baseline) must have a row: one \
                missing is a difference (`not_in_baseline`, exit 2), so a truncated baseline cannot pass.

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
            let text: String
            do { text = try InputFile.text(path) } catch { throw CLIError.badData("\(error)") }
            let baseline: BaselineTable
            do {
                baseline = try BaselineTable.parse(text, keyColumns: MemoryBaseline.keyColumns, metrics: MemoryBaseline.metrics)
            } catch {
                throw CLIError.badData("\(path): \(error)")
            }
            guard !baseline.rows.isEmpty else {
                throw CLIError.badData("\(path): holds no configurations (only a header); it would pass any change")
            }
            let current = try MemoryBaseline.compute(baseline.rows, file: path, store: store, skipUnknownModels: true)
            var diffs = BaselineComparison.compare(baseline: baseline, current: current)
            let coverage = paths.coveragePath(store)
            if let coverage {
                diffs += BaselineComparison.uncovered(baseline: baseline, configurations: try paths.readConfigurations(coverage), file: coverage)
            }
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
            report.notes = [summary, coverage.map { "coverage checked: every configuration of \($0) must have a row" }
                ?? "coverage not checked: pass --configurations with the file this baseline was made from"]
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
    /// Errors are bad data (65) naming `file` and the row's line.
    static func compute(_ rows: [BaselineRow], file: String, store: ProfileStore, skipUnknownModels: Bool) throws -> BaselineTable {
        var table = BaselineTable(keyColumns: keyColumns, metrics: metrics)
        for row in rows {
            let key = row.key
            let field = Dictionary(uniqueKeysWithValues: zip(keyColumns, key))
            let at = "\(file):\(row.line): configuration \(key.joined(separator: ","))"
            func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int {
                // Plain digits only: Int("+5") is 5, and "+5" and "5" must not be two rows of one configuration.
                guard let v = Int(field[name]!), range.contains(v), String(v) == field[name]! else {
                    throw CLIError.badData("\(at): `\(name)` must be a whole number from \(range.lowerBound) to \(range.upperBound) in plain digits; received \"\(field[name]!)\"")
                }
                return v
            }
            func dtype(_ name: String) throws -> DType {
                guard let t = DType(rawValue: field[name]!) else {
                    throw CLIError.badData("\(at): `\(name)` must be one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")); received \"\(field[name]!)\"")
                }
                return t
            }
            let spec: ModelSpec
            do {
                spec = try store.loadModel(field["model"]!)
            } catch let e as UnknownProfileError {
                if skipUnknownModels { continue }
                // One line: the file and line first, then the unknown id and the known ones.
                throw CLIError.badData("\(at): " + e.description.replacingOccurrences(of: "\n", with: "; "))
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
