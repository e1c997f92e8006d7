// The host time an engine spends issuing an eager decode step's kernels from Python (issue 15):
// Reports/published/suite/eager-dispatch.csv, each rule with its source.
//
// A decode step that does not replay a CUDA graph (vLLM 0.4.2 past `max_seq_len_to_capture`,
// EngineGraphCapture.swift) runs the engine's model code in eager PyTorch: every kernel is issued
// by a Python call that goes through the module code, the dispatcher and the launch. The GPU runs
// ahead of the host, but it cannot finish the step before the host has issued the last kernel, so
// the step's device time is max(GPU step, calls x host seconds per call). The calls are counted
// from the engine's model code, per decoder block (more at tensor parallel > 1: the all-reduces)
// and per step; the host seconds per call from a published eager decode that was host bound.
// A model whose blocks are not all attention + dense feed-forward (the block the count was read
// for) gets no dispatch term: its rule returns nil.

import CostModel

/// One row of eager-dispatch.csv.
public struct EngineEagerDispatchRule: Sendable, Hashable {
    public var id: String
    public var enginePrefix: String
    /// Version labels, matched as graph-capture.csv's are (PublishedSuite.versionMatches).
    public var versions: [String]
    /// Kernel-launching calls per decoder block (attention + dense feed-forward).
    public var callsPerBlock: Int
    /// Further calls per block when the model is tensor parallel (its all-reduces).
    public var callsPerBlockTensorParallel: Int
    /// Calls per step outside the blocks (embedding, final norm, head).
    public var callsPerStep: Int
    public var hostSecondsPerCall: Double
    public var source: String

    /// Host seconds to issue one eager decode step of `spec` (one rank's blocks at tensor parallel
    /// `tensorParallel`); nil when a block is not attention + dense feed-forward.
    public func stepSeconds(_ spec: ModelSpec, tensorParallel: Int) -> Double? {
        var blocks = 0
        for run in spec.runs {
            guard case .attention = run.block.mixer else { return nil }
            switch run.block.feedForward {
            case .gated, .mlp: blocks += run.count
            case .experts, .identity: return nil
            }
        }
        let perBlock = callsPerBlock + (tensorParallel > 1 ? callsPerBlockTensorParallel : 0)
        return Double(blocks * perBlock + callsPerStep) * hostSecondsPerCall
    }
}

public enum EngineEagerDispatch {
    /// eager-dispatch.csv -> rules, every field typed.
    public static func rules(csv text: String, file: String) throws(PublishedSuiteError) -> [EngineEagerDispatchRule] {
        let cols = ["versions", "ops_per_block", "ops_per_block_tp", "ops_per_step", "host_us_per_op", "source", "note"]
        var out: [EngineEagerDispatchRule] = []
        for (line, f) in try PublishedSuite.engineTable(text, file: file, columns: cols) {
            func fail(_ field: String, _ constraint: String) -> PublishedSuiteError {
                PublishedSuiteError(file: file, line: line, field: field, constraint: constraint, value: f[field]!)
            }
            guard let versions = PublishedSuite.versionLabels(f["versions"]!) else { throw fail("versions", PublishedSuite.versionLabelsConstraint) }
            func count(_ field: String) throws(PublishedSuiteError) -> Int {
                guard let n = Int(f[field]!), n >= 0 else { throw fail(field, "must be an integer of at least 0 (calls)") }
                return n
            }
            let perBlock = try count("ops_per_block"), tp = try count("ops_per_block_tp"), perStep = try count("ops_per_step")
            guard perBlock >= 1 else { throw fail("ops_per_block", "must be at least 1 (calls per block)") }
            guard let us = Double(f["host_us_per_op"]!), us.isFinite, us > 0 else { throw fail("host_us_per_op", "must be a positive number (microseconds)") }
            guard !f["source"]!.isEmpty else { throw fail("source", "must name where the figures come from") }
            out.append(EngineEagerDispatchRule(id: f["row_id"]!, enginePrefix: f["engine_prefix"]!, versions: versions,
                                               callsPerBlock: perBlock, callsPerBlockTensorParallel: tp, callsPerStep: perStep,
                                               hostSecondsPerCall: us / 1e6, source: f["source"]!))
        }
        return out
    }

    /// The rule for `engine` at `versionText`: the first that names both, else nil (no dispatch term).
    public static func rule(_ rules: [EngineEagerDispatchRule], engine: String, versionText: String) -> EngineEagerDispatchRule? {
        rules.first { engine.hasPrefix($0.enginePrefix) && PublishedSuite.versionMatches($0.versions, versionText) }
    }
}
