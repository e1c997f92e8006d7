// How far an engine's CUDA graphs reach into a long decode, by engine and version (issue 15):
// Reports/published/suite/graph-capture.csv, each rule with its source.
//
// vLLM captures its decode step as CUDA graphs for sequences up to `max_seq_len_to_capture`
// (default 8192); a decode step whose longest sequence is longer runs the model in eager PyTorch
// (0.4.2: `use_captured_graph = ... and max_seq_len <= self.max_seq_len_to_capture`,
// vllm/worker/model_runner.py line 515). 0.6.3 has the same test, but its model-input builder
// passes the encoder's length (0 for a decoder-only model) in place of the decode length (line
// 835, the typo vllm PR #9285 fixed), so every decode step of a decoder-only model replays its
// graph. A rule names the versions it holds for by label; an engine and version no rule names
// keeps the launch mode engines.csv gives it at every step.

/// One row of graph-capture.csv.
public struct EngineGraphCaptureRule: Sendable, Hashable {
    public var id: String
    public var enginePrefix: String
    /// Version labels, matched as first-token.csv's are (PublishedSuite.versionMatches).
    public var versions: [String]
    /// The longest sequence (prompt + tokens so far) a decode step may hold and still replay its
    /// CUDA graph; nil: no limit (every decode step replays it).
    public var maxSequenceTokensCaptured: Int?
    public var source: String
}

public enum EngineGraphCapture {
    /// graph-capture.csv -> rules, every field typed.
    public static func rules(csv text: String, file: String) throws(PublishedSuiteError) -> [EngineGraphCaptureRule] {
        var out: [EngineGraphCaptureRule] = []
        for (line, f) in try PublishedSuite.engineTable(text, file: file, columns: ["versions", "max_seq_len_to_capture", "source", "note"]) {
            func fail(_ field: String, _ constraint: String) -> PublishedSuiteError {
                PublishedSuiteError(file: file, line: line, field: field, constraint: constraint, value: f[field]!)
            }
            guard let versions = PublishedSuite.versionLabels(f["versions"]!) else { throw fail("versions", PublishedSuite.versionLabelsConstraint) }
            let limitText = f["max_seq_len_to_capture"]!
            let limit: Int?
            if limitText == "none" { limit = nil } else {
                guard let n = Int(limitText), n >= 1 else { throw fail("max_seq_len_to_capture", "must be a positive integer (tokens) or none") }
                limit = n
            }
            guard !f["source"]!.isEmpty else { throw fail("source", "must name where the rule comes from") }
            out.append(EngineGraphCaptureRule(id: f["row_id"]!, enginePrefix: f["engine_prefix"]!, versions: versions,
                                              maxSequenceTokensCaptured: limit, source: f["source"]!))
        }
        return out
    }

    /// The longest decode sequence `engine` at `versionText` replays as a CUDA graph: the first
    /// rule that names both, else nil (no limit).
    public static func limit(_ rules: [EngineGraphCaptureRule], engine: String, versionText: String) -> Int? {
        let rule = rules.first { engine.hasPrefix($0.enginePrefix) && PublishedSuite.versionMatches($0.versions, versionText) }
        return rule?.maxSequenceTokensCaptured
    }
}
