// Option groups shared by several commands (swift-argument-parser @OptionGroup).

import ArgumentParser
import CostModel
import Foundation
import ProfileStore
import Reporting

extension OutputFormat: ExpressibleByArgument {}
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
        "Write the report to this file instead of standard output (a regular file is replaced whole through a temporary; a device or FIFO is written through).",
        valueName: "file"))
    var output: String?

    var resolvedFormat: OutputFormat {
        format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .csv)
    }

    func emit(_ report: Report) throws {
        let text = report.rendered(as: output == nil ? resolvedFormat : (format ?? .csv))
        if let output {
            try AtomicFile.write(text, to: output)
        } else {
            try StandardOutput.write(text)
        }
    }
}

/// Storage formats per tensor class; each overrides the model profile's default.
struct DTypeOptions: ParsableArguments {
    @Option(help: "Store every tensor class in this dtype (fp32, bf16, fp16, fp8, int8, int4).")
    var dtype: DType?
    @Option(name: .customLong("weight-dtype"), help: "Dtype of the weights.")
    var weights: DType?
    @Option(name: .customLong("kv-dtype"), help: "Dtype of the KV cache.")
    var kvCache: DType?
    @Option(name: .customLong("state-dtype"), help: "Dtype of the gated-retention state.")
    var state: DType?
    @Option(name: .customLong("activation-dtype"), help: "Dtype of the prefill activations.")
    var activations: DType?

    func plan(for model: ModelSpec) -> DTypePlan {
        var p = dtype.map(DTypePlan.uniform) ?? model.dtypes
        if let weights { p.weights = weights }
        if let kvCache { p.kvCache = kvCache }
        if let state { p.state = state }
        if let activations { p.activations = activations }
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
