// Option groups shared by several commands (swift-argument-parser @OptionGroup).

import ArgumentParser
import CostModel
import Foundation
import ProfileStore
import Reporting

extension OutputFormat: ExpressibleByArgument {}
extension LatentAttentionForm: ExpressibleByArgument {}
extension AttentionKernel: ExpressibleByArgument {}
extension DType: ExpressibleByArgument {
    /// The canonical names and the aliases profiles accept (`bfloat16`, `half`, `float8_e4m3fn`...).
    public init?(argument: String) { self.init(name: argument) }
}

/// Where profiles come from.
struct ProfileOptions: ParsableArguments {
    @Option(name: .customLong("profiles"), help: ArgumentHelp(
        "The Profiles directory (default: $YOCOPROF_PROFILES, else the nearest Profiles/ above the working directory or the executable).",
        valueName: "dir"))
    var directory: String?

    func store() throws -> ProfileStore { try ProfileStore.locate(directory) }
}

/// How and where a report is written.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output format: table, csv, json or markdown (default: table on a terminal, csv otherwise).")
    var format: OutputFormat?

    @Option(name: .shortAndLong, help: ArgumentHelp(
        "Write the report to this file (replaced whole through a temporary; a device or FIFO is written through; default: standard output).",
        valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp(
        "Only these columns, comma-separated keys of the CSV header, in this order (every format; default: all in CSV and JSON, a narrow set that fits the terminal in tables).",
        valueName: "keys"))
    var columns: String?

    @Flag(help: "Tables: every column, not the narrow set that fits the terminal's width.")
    var wide = false

    var resolvedFormat: OutputFormat {
        format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .csv)
    }

    /// $COLUMNS, else the terminal's width, else 80.
    static func terminalWidth() -> Int {
        if let s = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(s), n > 0 { return n }
        var size = winsize()
        if isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }

    /// The report as `--columns` asks (unknown keys are a usage error naming the close ones).
    func selected(_ report: Report) throws -> Report {
        guard let columns else { return report }
        let keys = columns.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        let known = report.columns.map(\.key)
        if let bad = report.unknownKeys(keys).first {
            let guess = NameSuggestions.phrase(for: bad, in: known)
            throw CLIError.usage("--columns: this report has no column `\(bad)`\(guess.isEmpty ? "" : "; " + guess); its columns: \(known.joined(separator: ", "))")
        }
        guard !keys.isEmpty else { throw CLIError.usage("--columns needs at least one key") }
        // A key twice would be a JSON object with a duplicate key and a CSV header readers cannot map.
        if let twice = keys.enumerated().first(where: { keys[..<$0.offset].contains($0.element) })?.element {
            throw CLIError.usage("--columns: `\(twice)` is given twice; each column can be picked once")
        }
        return report.selecting(keys)
    }

    /// The format a report is rendered in (csv when written to a file without --format).
    var effectiveFormat: OutputFormat { output == nil ? resolvedFormat : (format ?? .csv) }

    /// The table layout for these flags: narrowed to the width only on a terminal (standard output
    /// that is one, or that states its width in $COLUMNS); a table written to a file or a pipe keeps
    /// every column and unwrapped notes, as the README says.
    var layout: TableLayout {
        let onTerminal = output == nil
            && (isatty(STDOUT_FILENO) != 0 || ProcessInfo.processInfo.environment["COLUMNS"] != nil)
        return onTerminal ? TableLayout(wide: wide, width: Self.terminalWidth()) : TableLayout(wide: true, width: nil)
    }

    func emit(_ report: Report) throws {
        try emit(text: try selected(report).rendered(as: effectiveFormat, layout: layout))
    }

    /// Already rendered text (commands that join several reports, such as `inspect`).
    func emit(text: String) throws {
        if let output {
            try AtomicFile.write(text, to: output)
        } else {
            try StandardOutput.write(text)
        }
    }
}

/// Storage formats per tensor class; each overrides the model profile's default.
struct DTypeOptions: ParsableArguments {
    @Option(help: "Store every tensor class in this dtype (default: the model profile's dtype per class).")
    var dtype: DType?
    @Option(name: .customLong("weight-dtype"), help: "Dtype of the weights (default: --dtype, else the profile's).")
    var weights: DType?
    @Option(name: .customLong("kv-dtype"), help: "Dtype of the KV cache (default: --dtype, else the profile's).")
    var kvCache: DType?
    @Option(name: .customLong("state-dtype"), help: "Dtype of the recurrent states (gated retention; fixed-state mixers' conv windows, and their recurrent state unless the model states its own, e.g. Nemotron-H's fp32 SSM state) (default: --dtype, else the profile's).")
    var state: DType?
    @Option(name: .customLong("activation-dtype"), help: "Dtype of the prefill activations (default: --dtype, else the profile's).")
    var activations: DType?
    @Option(name: .customLong("weight-format"), help: ArgumentHelp(
        "A quantised weight format with its scales, for a what-if: \(WeightFormat.grammar). Embeddings, norms and the output head stay in the 16-bit dtype (default: the config's quantization_config, else none).",
        valueName: "format"), transform: StorageFormats.weight)
    var weightFormat: WeightFormat?
    @Option(name: .customLong("kv-format"), help: ArgumentHelp(
        "A quantised KV-cache format with its scales: \(KVFormat.grammar) (default: none, the KV dtype alone).",
        valueName: "format"), transform: StorageFormats.kv)
    var kvFormat: KVFormat?

    func plan(for model: ModelSpec) throws -> DTypePlan {
        var p = dtype.map(DTypePlan.uniform) ?? model.dtypes
        // A plain dtype flag is a what-if without the checkpoint's quantised format.
        if let weights { p.weights = weights; p.weightStorage = nil }
        if let kvCache { p.kvCache = kvCache; p.kvFormat = nil }
        if let state { p.state = state }
        if let activations { p.activations = activations }
        if let weightFormat {
            let storage = WeightStorage(format: weightFormat, notConverted: model.dtypes.weightStorage?.notConverted ?? [],
                                        convertsOutputHead: model.dtypes.weightStorage?.convertsOutputHead ?? false)
            if let kind = model.unquantisedLayerKind(for: storage) {
                throw CLIError.usage("--weight-format \(weightFormat.name): a quantised format on \(kind) (\(model.id)) is not modelled yet")
            }
            p.weightStorage = storage
        }
        if let kvFormat { p.kvFormat = kvFormat; p.kvCache = kvFormat.elementDType }
        return p
    }
}

/// The prefill chunk: how many tokens of each prompt are in flight at once. It sets the activation
/// estimate only (docs/CONVENTIONS.md). Serving engines chunk long prefills (2K-16K tokens), so
/// every command defaults to 4K; `whole` models an unchunked prefill.
struct PrefillChunkOption: ParsableArguments {
    static let defaultTokens = 4096

    @Option(name: .customLong("prefill-chunk"), help: ArgumentHelp(
        "Tokens of each prompt prefilled at once, for the activation memory (default 4K; `whole` = the whole prompt).",
        valueName: "tokens|whole"))
    var text: String = "4K"

    /// nil for `whole`.
    func tokens() throws -> Int? {
        if ["whole", "none", "all"].contains(text.lowercased()) { return nil }
        let c = try Quantities.tokens(text)
        guard c >= 1 else { throw ValidationError("--prefill-chunk must be at least 1 token or `whole`; received \(text)") }
        return c
    }

    func validate() throws { _ = try tokens() }
}

/// Parsing of the quantised-format flags (usage errors name the grammar).
enum StorageFormats {
    static func weight(_ text: String) throws -> WeightFormat {
        guard let f = WeightFormat(name: text) else { throw ValidationError("--weight-format: `\(text)` is not a format; give one of \(WeightFormat.grammar)") }
        return f
    }

    static func kv(_ text: String) throws -> KVFormat {
        guard let f = KVFormat(name: text) else { throw ValidationError("--kv-format: `\(text)` is not a format; give one of \(KVFormat.grammar)") }
        return f
    }
}
