// Host (CPU) work an engine does per step, beside the GPU's (issue 15): Reports/published/suite/
// engine-host.csv, each figure with its source, keyed by engine prefix and version range.
//
// A step of a serving engine is the GPU's forward pass plus the engine's own host work: the
// scheduler choosing the next batch, building its inputs, turning sampled tokens into outputs.
// Each component is `serial` (the GPU waits for it: it adds to the step) or `overlapped` (the
// engine runs it beside the next forward pass, as vLLM 0.6's asynchronous output processor does:
// the step takes max(GPU, host)). An overlapped component runs serially under eager launches for
// an engine whose table says so in the note; the pricing keeps that rule in `seconds(gpuStep:)`.
//
// A component measured at several batches is read by log2 interpolation of the batch, clamped
// at the ends; a component whose source states no batch applies at every batch. Nothing here is
// fitted to the published suite's rows.

import CostModel

/// One component of an engine's per-step host time (one row of engine-host.csv).
public struct EngineHostComponent: Sendable, Hashable {
    public enum Overlap: String, Sendable, Hashable {
        /// The GPU waits: the component adds to every step.
        case serial
        /// Runs beside the next forward pass: a step takes max(GPU step, component).
        case overlapped
    }
    public var id: String
    public var enginePrefix: String
    /// Versions in [versionMin, versionBelow), compared part by part (0.4.2 is in [0.4, 0.6)).
    public var versionMin: [Int]
    public var versionBelow: [Int]
    public var component: String
    /// nil: the source states no batch (applies at every batch).
    public var batch: Int?
    public var hostSecondsPerStep: Double
    public var overlap: Overlap
    public var source: String
}

/// The per-step host time of one engine version at one batch, from its components.
public struct EngineHostStep: Sendable, Hashable {
    /// Seconds the GPU waits for the host every step.
    public var serialSeconds: Double
    /// Seconds the host works beside the GPU every step (hidden while the GPU step is longer).
    public var overlappedSeconds: Double
    /// The rows of engine-host.csv read (their ids).
    public var componentIDs: [String]

    public static let none = EngineHostStep(serialSeconds: 0, overlappedSeconds: 0, componentIDs: [])

    /// Wall seconds of one step whose GPU work takes `gpuStep` seconds.
    public func seconds(gpuStep: Double) -> Double { serialSeconds + max(gpuStep, overlappedSeconds) }
}

public enum EngineHostOverhead {
    /// The numeric version at the start of `text` ("0.6.3 (PyTorch 2.4.0 ...)" -> [0, 6, 3]); nil
    /// when it does not start with one ("main at buildkite ...").
    public static func version(_ text: String) -> [Int]? {
        let head = text.split(separator: " ").first.map(String.init) ?? ""
        let parts = head.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.map { $0! }
    }

    /// Part-by-part order, a missing part read as 0 (0.6 == 0.6.0).
    static func less(_ a: [Int], _ b: [Int]) -> Bool {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0, y = i < b.count ? b[i] : 0
            if x != y { return x < y }
        }
        return false
    }

    /// engine-host.csv -> components, every field typed.
    public static func components(csv text: String, file: String) throws(PublishedSuiteError) -> [EngineHostComponent] {
        let cols = ["version_min", "version_below", "component", "batch", "host_ms_per_step", "overlap", "value_kind", "source", "note"]
        var out: [EngineHostComponent] = []
        for (line, f) in try PublishedSuite.engineTable(text, file: file, columns: cols) {
            func fail(_ field: String, _ constraint: String) -> PublishedSuiteError {
                PublishedSuiteError(file: file, line: line, field: field, constraint: constraint, value: f[field]!)
            }
            guard let lo = version(f["version_min"]!) else { throw fail("version_min", "must be a version such as 0.4") }
            guard let hi = version(f["version_below"]!), less(lo, hi) else { throw fail("version_below", "must be a version above version_min") }
            var batch: Int?
            if !f["batch"]!.isEmpty {
                guard let b = Int(f["batch"]!), b >= 1 else { throw fail("batch", "must be empty or an integer of at least 1") }
                batch = b
            }
            guard let ms = Double(f["host_ms_per_step"]!), ms.isFinite, ms >= 0 else { throw fail("host_ms_per_step", "must be a number of at least 0") }
            guard let overlap = EngineHostComponent.Overlap(rawValue: f["overlap"]!) else { throw fail("overlap", "must be serial or overlapped") }
            guard !f["source"]!.isEmpty else { throw fail("source", "must name where the figure comes from") }
            guard !f["value_kind"]!.isEmpty else { throw fail("value_kind", "must say what kind of value it is") }
            out.append(EngineHostComponent(id: f["row_id"]!, enginePrefix: f["engine_prefix"]!, versionMin: lo, versionBelow: hi,
                                           component: f["component"]!, batch: batch, hostSecondsPerStep: ms / 1000,
                                           overlap: overlap, source: f["source"]!))
        }
        return out
    }

    /// The host step of `engine` at `versionText` and `batch`; `eager`: the engine launches
    /// without CUDA graphs, which turns vLLM 0.6's asynchronous output processor off (its warning
    /// 'since, enforce-eager is enabled, async output processor cannot be used', vllm#10295), so
    /// overlapped components run serially. `.none` when the version is not a number or no
    /// component matches.
    public static func step(_ components: [EngineHostComponent], engine: String, versionText: String, batch: Int, eager: Bool) -> EngineHostStep {
        guard let v = version(versionText) else { return .none }
        let matching = components.filter { engine.hasPrefix($0.enginePrefix) && !less(v, $0.versionMin) && less(v, $0.versionBelow) }
        var serial = 0.0, overlapped = 0.0, ids: [String] = []
        // One figure per component name: the batch points of a component are one curve.
        var names: [String] = []
        for c in matching where !names.contains(c.component) { names.append(c.component) }
        for name in names {
            let points = matching.filter { $0.component == name }
            let value: Double
            let pointed = points.filter { $0.batch != nil }.sorted { $0.batch! < $1.batch! }
            if pointed.isEmpty {
                value = points.map(\.hostSecondsPerStep).max() ?? 0
            } else {
                // The curves' one interpolation rule (EfficiencyCurves.swift): linear in log2(batch), flat beyond the ends.
                value = EfficiencyCurve(pointed.map { EfficiencyPoint(x: Double($0.batch!), value: $0.hostSecondsPerStep, source: $0.id) })
                    .value(at: Double(batch))
            }
            ids += points.map(\.id)
            if points[0].overlap == .overlapped && !eager { overlapped += value } else { serial += value }
        }
        return EngineHostStep(serialSeconds: serial, overlappedSeconds: overlapped, componentIDs: ids)
    }
}
