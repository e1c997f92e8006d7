// Which pass produces a request's first output token, by engine and version (issue 15):
// Reports/published/suite/first-token.csv, each rule with its source.
//
// Most engines sample the first token from the prefill's last logits, so a first-token latency is
// one prefill of N tokens and G output tokens take G - 1 decode steps after it. FasterTransformer-
// style engines do not: LMDeploy's TurboMind up to v0.1.0a1 runs the context decoder over N - 1
// prompt tokens and feeds the last prompt token to the first generation step ("-1 since we skip
// last token", LlamaBatch.cc), so the first token costs a prefill of N - 1 tokens plus one decode
// step at context N, and G output tokens take G decode steps. A rule names the versions it holds
// for by label (a row's engine_version starts with one); an engine and version no rule names
// gets the prefill reading.

/// The pass a request's first output token comes from.
public enum FirstTokenPass: String, Sendable, Hashable {
    /// Sampled from the prefill of all N prompt tokens.
    case prefill
    /// The prefill covers N - 1 prompt tokens; a decode step over the last one samples the token.
    case decodeStep = "decode_step"
}

/// One row of first-token.csv.
public struct EngineFirstTokenRule: Sendable, Hashable {
    public var id: String
    public var enginePrefix: String
    /// Version labels ("0.1.0a1", or "0.0" for every 0.0.x; PublishedSuite.versionMatches).
    public var versions: [String]
    public var pass: FirstTokenPass
    public var source: String
}

public enum EngineFirstToken {
    /// first-token.csv -> rules, every field typed.
    public static func rules(csv text: String, file: String) throws(PublishedSuiteError) -> [EngineFirstTokenRule] {
        var out: [EngineFirstTokenRule] = []
        for (line, f) in try PublishedSuite.engineTable(text, file: file, columns: ["versions", "first_token", "source", "note"]) {
            func fail(_ field: String, _ constraint: String) -> PublishedSuiteError {
                PublishedSuiteError(file: file, line: line, field: field, constraint: constraint, value: f[field]!)
            }
            guard let versions = PublishedSuite.versionLabels(f["versions"]!) else { throw fail("versions", PublishedSuite.versionLabelsConstraint) }
            guard let pass = FirstTokenPass(rawValue: f["first_token"]!) else { throw fail("first_token", "must be prefill or decode_step") }
            guard !f["source"]!.isEmpty else { throw fail("source", "must name where the rule comes from") }
            out.append(EngineFirstTokenRule(id: f["row_id"]!, enginePrefix: f["engine_prefix"]!, versions: versions, pass: pass,
                                            source: f["source"]!))
        }
        return out
    }

    /// The first-token pass of `engine` at `versionText`: the first rule that names both, else
    /// `.prefill`.
    public static func pass(_ rules: [EngineFirstTokenRule], engine: String, versionText: String) -> FirstTokenPass {
        let rule = rules.first { engine.hasPrefix($0.enginePrefix) && PublishedSuite.versionMatches($0.versions, versionText) }
        return rule?.pass ?? .prefill
    }
}
