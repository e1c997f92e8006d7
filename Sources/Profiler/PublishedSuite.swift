// The published-measurements suite (issue 15): each row of Reports/published/end-to-end.csv set
// beside the cost model's prediction for the same GPU, model, dtype, batch and lengths, with the
// metric computed as the row's engine defines it (Reports/published/README.md §2.1, the `note`
// column). Nothing is fitted to these rows: the GPU is priced by its kernel-level efficiency curves
// (Profiles/hardware/efficiency/), so the suite is a test, not a calibration.
//
// Which rows can be predicted is decided by data, never by row id: the engine table
// (suite/engines.csv: modelled or not, and why), the GPU and model tables (suite/gpus.csv,
// suite/models.csv: a row whose profile does not exist yet is skipped and says so), the GPU count
// (a row on several GPUs runs the engine's multi-GPU layout, `multi_gpu_layout` in engines.csv:
// tensor parallel over gpu_count ranks, priced by the deployment model's rank shard and its
// all-reduces, Sources/CostModel/Deployment/; a layout the deployment model refuses skips the row
// with its reason), the dtype (a row whose dtype has no efficiency
// curve is skipped with the cost model's own error), and memory (a batch that does not fit is
// skipped with the fit's figures). When a profile or a curve lands, its rows become usable.
//
// Metric formulas (B batch or concurrency, N input tokens, G output tokens; T_p(b, N) a prefill of b
// prompts, T_d(b, n) one decode step at batch b and context n; the first output token comes from
// the prefill, unless suite/first-token.csv says the engine samples it from a decode step, below):
//   first-token latency               T_p(B, N)
//   static-batch throughput (TRT-LLM) B G / (T_p(B, N) + sum_{t=1}^{G-1} T_d(B, N + t)) / GPUs
//   LMDeploy throughput (c requests)  c G / (c T_p(1, N) + sum_{t=1}^{G-1} T_d(c, N + t))  (prefills queue)
//   per-token latency P50             T_d(B, N + G/2)  (the median step)
//   generation speed (Qwen)           G / (T_p(1, N) + sum_{t=1}^{G-1} T_d(1, N + t))
//   end-to-end batch latency (vLLM)   T_p(B, N) + sum_{t=1}^{G-1} T_d(B, N + t)
// An engine and version that first-token.csv marks `decode_step` (LMDeploy TurboMind up to
// v0.1.0a1; EngineFirstToken.swift) prefills N - 1 tokens and samples the first token from a
// decode step at context N: T_p(b, N) above reads T_p(b, N - 1) + T_d(b, N), and the decode sums
// start at context N (G steps after the prefill, not G - 1).
// On tp GPUs, T_p and T_d are one rank's (the model sharded tp ways) plus the layout's
// communication (two all-reduces per layer, the embedding's, the logits' all-gather).
// Every engine step (each prefill, each decode step) adds the engine's host time per step, by
// engine and version (suite/engine-host.csv, EngineHostOverhead.swift): serial components in
// full, overlapped ones where they outlast the step's GPU time.
// A decode step T_d(b, n) is priced in the row's launch mode, except where the engine's CUDA
// graphs stop at a sequence length (suite/graph-capture.csv, EngineGraphCapture.swift: vLLM 0.4.2
// at 8192 tokens): a step whose n is past it is priced eager, with its host work serial.
// Times are read in the row's unit (s or ms; any other unit skips the row).
// Error: (measured - predicted) / predicted in the metric's own unit, the definition of every
// validation suite (RelativeError.swift, docs/VALIDATION.md): positive when the measured time
// or rate is above the prediction.

import CostModel
import Reporting

/// One row of end-to-end.csv.
public struct PublishedRow: Sendable, Hashable {
    public var id: String
    public var gpu: String
    public var gpuCount: Int
    public var engine: String
    public var engineVersion: String
    public var model: String
    public var dtype: String
    public var batch: String
    public var inputTokens: Int
    public var outputTokens: Int
    public var metric: String
    public var value: Double
    public var unit: String
    public var source: String
    public var note: String
    public var heldOut: Bool
}

/// A data file of the suite that does not read: names the file, line, field, constraint and value.
public struct PublishedSuiteError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var field: String
    public var constraint: String
    public var value: String
    public var description: String { "\(file): line \(line), `\(field)` \(constraint); received \"\(value)\"" }
}

/// The two groups the targets are stated for.
public enum PublishedGroup: String, CaseIterable, Sendable, Hashable {
    case prefillLatency = "prefill_latency"
    case decodeRate = "decode_rate"
}

/// How a row's metric is computed from prefill and decode times (formulas in the file header).
public enum PublishedFormula: String, Sendable, Hashable {
    case firstTokenLatency = "first_token_latency"
    case staticBatchThroughput = "static_batch_throughput"
    case concurrentThroughput = "concurrent_throughput"
    case perTokenLatencyP50 = "per_token_latency_p50"
    case generationSpeed = "generation_speed"
    case batchLatency = "batch_latency"

    /// The formula of a metric as end-to-end.csv words it; nil for one the suite cannot compute.
    public init?(metric: String) {
        if metric.hasPrefix("first_token_latency") { self = .firstTokenLatency }
        else if metric.hasPrefix("throughput_out_tok_per_s") && metric.contains("static batch") { self = .staticBatchThroughput }
        else if metric.hasPrefix("throughput_out_tok_per_s (generated tokens / total time") { self = .concurrentThroughput }
        else if metric.hasPrefix("per-token latency P50") { self = .perTokenLatencyP50 }
        else if metric.hasPrefix("generation speed tokens/s") { self = .generationSpeed }
        else if metric == "mean end-to-end batch latency ms" { self = .batchLatency }
        else { return nil }
    }

    public var group: PublishedGroup { self == .firstTokenLatency ? .prefillLatency : .decodeRate }
    /// True when the metric is a time (else a rate).
    public var isTime: Bool { [.firstTokenLatency, .perTokenLatencyP50, .batchLatency].contains(self) }
}

/// The row-to-profile tables (Reports/published/suite/*.csv).
public struct PublishedMaps: Sendable {
    public struct Engine: Sendable, Hashable {
        public var prefix: String
        public var modelled: Bool
        public var kernel: AttentionKernel?
        public var launchMode: LaunchMode?
        /// How the engine runs a row on several GPUs; nil: such rows are not predicted.
        public var multiGPU: MultiGPULayout?
        public var note: String
    }
    /// The multi-GPU layouts engines.csv can name.
    public enum MultiGPULayout: String, Sendable, Hashable {
        /// Tensor parallel over every GPU of the row (`tp`).
        case tensor = "tp"
    }
    /// published model name -> (profile id, note)
    public var models: [String: (id: String, note: String)]
    /// published GPU name -> (hardware id, note)
    public var gpus: [String: (id: String, note: String)]
    /// First matching prefix wins.
    public var engines: [Engine]
    /// Per-step host work by engine and version (suite/engine-host.csv, EngineHostOverhead.swift).
    public var hostComponents: [EngineHostComponent]
    /// The pass the first token comes from, by engine and version (suite/first-token.csv).
    public var firstTokenRules: [EngineFirstTokenRule]
    /// How long a decode sequence may grow and still replay the engine's CUDA graphs, by engine
    /// and version (suite/graph-capture.csv, EngineGraphCapture.swift).
    public var graphCaptureRules: [EngineGraphCaptureRule]
    /// The host time of issuing an eager decode step's kernels, by engine and version
    /// (suite/eager-dispatch.csv, EngineEagerDispatch.swift).
    public var eagerDispatchRules: [EngineEagerDispatchRule]

    public init(models: [String: (id: String, note: String)], gpus: [String: (id: String, note: String)], engines: [Engine],
                hostComponents: [EngineHostComponent] = [], firstTokenRules: [EngineFirstTokenRule] = [],
                graphCaptureRules: [EngineGraphCaptureRule] = [], eagerDispatchRules: [EngineEagerDispatchRule] = []) {
        self.models = models
        self.gpus = gpus
        self.engines = engines
        self.hostComponents = hostComponents
        self.firstTokenRules = firstTokenRules
        self.graphCaptureRules = graphCaptureRules
        self.eagerDispatchRules = eagerDispatchRules
    }

    public func engine(for name: String) -> Engine? { engines.first { name.hasPrefix($0.prefix) } }
}

/// One row with its prediction, or why it has none.
public struct PublishedRecord: Sendable {
    public var row: PublishedRow
    public var formula: PublishedFormula?
    public var hardwareID: String
    public var profileID: String
    public var attentionKernel: String
    public var launchMode: String
    /// The prediction in the row's unit.
    public var predicted: Double?
    /// (measured - predicted) / predicted (RelativeError.swift).
    public var error: Double?
    /// "ok" or "skipped: <reason>".
    public var status: String
    /// Where the predicted time goes (prefill, decode weights, decode attention, launches).
    public var breakdown: String
    public var group: PublishedGroup? { formula?.group }
}

public enum PublishedSuite {
    // MARK: Reading

    static func table(_ text: String, file: String, columns: [String]) throws(PublishedSuiteError) -> [(line: Int, fields: [String: String])] {
        let parsed: (records: [[String]], lines: [Int])
        do { parsed = try CSVReader.parseWithLines(text) } catch {
            throw PublishedSuiteError(file: file, line: error.line, field: "record", constraint: "must be RFC 4180 CSV (\(error.reason))", value: "")
        }
        guard let header = parsed.records.first else {
            throw PublishedSuiteError(file: file, line: 1, field: "header", constraint: "must exist", value: "")
        }
        for c in columns where !header.contains(c) {
            throw PublishedSuiteError(file: file, line: 1, field: c, constraint: "must be a column of the header", value: header.joined(separator: ","))
        }
        var out: [(Int, [String: String])] = []
        for (record, line) in zip(parsed.records, parsed.lines).dropFirst() {
            guard record.count == header.count else {
                throw PublishedSuiteError(file: file, line: line, field: "record", constraint: "must have \(header.count) fields", value: "\(record.count) fields")
            }
            out.append((line, Dictionary(uniqueKeysWithValues: zip(header, record))))
        }
        return out
    }

    /// The records of a per-engine table (engine-host.csv, first-token.csv): `row_id` present and
    /// unique, `engine_prefix` present, besides `columns`.
    static func engineTable(_ text: String, file: String, columns: [String]) throws(PublishedSuiteError) -> [(line: Int, fields: [String: String])] {
        let records = try table(text, file: file, columns: ["row_id", "engine_prefix"] + columns)
        var seen: Set<String> = []
        for (line, f) in records {
            guard !f["row_id"]!.isEmpty, seen.insert(f["row_id"]!).inserted else {
                throw PublishedSuiteError(file: file, line: line, field: "row_id", constraint: "must be present and unique", value: f["row_id"]!)
            }
            guard !f["engine_prefix"]!.isEmpty else {
                throw PublishedSuiteError(file: file, line: line, field: "engine_prefix", constraint: "must name the engine", value: "")
            }
        }
        return records
    }

    /// A `versions` field of a per-engine rule table (first-token.csv, graph-capture.csv): labels
    /// separated by ';', none empty or holding a space; nil when it is not.
    static func versionLabels(_ text: String) -> [String]? {
        let labels = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        return !labels.isEmpty && labels.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) ? labels : nil
    }
    static let versionLabelsConstraint = "must be version labels separated by ';' (such as 0.0;0.1.0a1)"

    /// Whether a row's engine_version names one of `labels`: its first word is a label, or starts
    /// with a label and a dot ("0.0" holds every 0.0.x, not 0.05).
    static func versionMatches(_ labels: [String], _ versionText: String) -> Bool {
        let head = versionText.split(separator: " ").first.map(String.init) ?? ""
        return labels.contains { head == $0 || head.hasPrefix($0 + ".") }
    }

    /// end-to-end.csv -> rows, every field typed.
    public static func rows(csv text: String, file: String) throws(PublishedSuiteError) -> [PublishedRow] {
        let cols = ["row_id", "gpu", "gpu_count", "engine", "engine_version", "model", "dtype", "batch_or_concurrency",
                    "input_tokens", "output_tokens", "metric", "value", "unit", "source", "note", "held_out"]
        var seen: Set<String> = []
        var out: [PublishedRow] = []
        for (line, f) in try table(text, file: file, columns: cols) {
            func int(_ k: String, min: Int) throws(PublishedSuiteError) -> Int {
                guard let v = Int(f[k]!), v >= min else { throw PublishedSuiteError(file: file, line: line, field: k, constraint: "must be an integer of at least \(min)", value: f[k]!) }
                return v
            }
            guard let value = Double(f["value"]!), value.isFinite, value > 0 else {
                throw PublishedSuiteError(file: file, line: line, field: "value", constraint: "must be a positive number", value: f["value"]!)
            }
            guard ["yes", "no"].contains(f["held_out"]!) else {
                throw PublishedSuiteError(file: file, line: line, field: "held_out", constraint: "must be yes or no", value: f["held_out"]!)
            }
            let id = f["row_id"]!
            guard !id.isEmpty, seen.insert(id).inserted else {
                throw PublishedSuiteError(file: file, line: line, field: "row_id", constraint: "must be present and unique", value: id)
            }
            if f["source"]!.isEmpty { throw PublishedSuiteError(file: file, line: line, field: "source", constraint: "must name where the row comes from", value: "") }
            out.append(PublishedRow(
                id: id, gpu: f["gpu"]!, gpuCount: try int("gpu_count", min: 1), engine: f["engine"]!, engineVersion: f["engine_version"]!,
                model: f["model"]!, dtype: f["dtype"]!, batch: f["batch_or_concurrency"]!, inputTokens: try int("input_tokens", min: 1),
                outputTokens: try int("output_tokens", min: 1), metric: f["metric"]!, value: value, unit: f["unit"]!,
                source: f["source"]!, note: f["note"]!, heldOut: f["held_out"]! == "yes"))
        }
        return out
    }

    /// The tables of Reports/published/suite/ (`engineHost`: engine-host.csv's text; nil: no host term;
    /// `firstToken`: first-token.csv's text; nil: every first token from the prefill;
    /// `graphCapture`: graph-capture.csv's text; nil: every step in the engine's launch mode;
    /// `eagerDispatch`: eager-dispatch.csv's text; nil: no host dispatch term for eager steps).
    public static func maps(models: String, gpus: String, engines: String, engineHost: String? = nil, firstToken: String? = nil,
                            graphCapture: String? = nil, eagerDispatch: String? = nil, directory: String) throws(PublishedSuiteError) -> PublishedMaps {
        func pairs(_ text: String, _ name: String, _ key: String, _ value: String) throws(PublishedSuiteError) -> [String: (id: String, note: String)] {
            var out: [String: (id: String, note: String)] = [:]
            for (line, f) in try table(text, file: directory + "/" + name, columns: [key, value, "note"]) {
                guard !f[key]!.isEmpty, !f[value]!.isEmpty, out[f[key]!] == nil else {
                    throw PublishedSuiteError(file: directory + "/" + name, line: line, field: key, constraint: "must be unique with a non-empty \(value)", value: f[key]!)
                }
                out[f[key]!] = (f[value]!, f["note"]!)
            }
            return out
        }
        let file = directory + "/engines.csv"
        var list: [PublishedMaps.Engine] = []
        for (line, f) in try table(engines, file: file, columns: ["engine_prefix", "modelled", "attention_kernel", "launch_mode", "multi_gpu_layout", "note"]) {
            guard ["yes", "no"].contains(f["modelled"]!) else { throw PublishedSuiteError(file: file, line: line, field: "modelled", constraint: "must be yes or no", value: f["modelled"]!) }
            let modelled = f["modelled"]! == "yes"
            let kernel = AttentionKernel(rawValue: f["attention_kernel"]!), launch = LaunchMode(rawValue: f["launch_mode"]!)
            if modelled && (kernel == nil || launch == nil) {
                throw PublishedSuiteError(file: file, line: line, field: "attention_kernel/launch_mode",
                                          constraint: "must be flash2|flash3|sdpa and cuda_graphs|eager for a modelled engine",
                                          value: f["attention_kernel"]! + "/" + f["launch_mode"]!)
            }
            let multi = f["multi_gpu_layout"]!
            guard multi.isEmpty || PublishedMaps.MultiGPULayout(rawValue: multi) != nil else {
                throw PublishedSuiteError(file: file, line: line, field: "multi_gpu_layout", constraint: "must be empty or tp", value: multi)
            }
            if !modelled && f["note"]!.isEmpty { throw PublishedSuiteError(file: file, line: line, field: "note", constraint: "must say why the engine is not modelled", value: "") }
            list.append(.init(prefix: f["engine_prefix"]!, modelled: modelled, kernel: kernel, launchMode: launch,
                              multiGPU: PublishedMaps.MultiGPULayout(rawValue: multi), note: f["note"]!))
        }
        let host = try engineHost.map { text throws(PublishedSuiteError) in
            try EngineHostOverhead.components(csv: text, file: directory + "/engine-host.csv")
        } ?? []
        let first = try firstToken.map { text throws(PublishedSuiteError) in
            try EngineFirstToken.rules(csv: text, file: directory + "/first-token.csv")
        } ?? []
        let graphs = try graphCapture.map { text throws(PublishedSuiteError) in
            try EngineGraphCapture.rules(csv: text, file: directory + "/graph-capture.csv")
        } ?? []
        let dispatch = try eagerDispatch.map { text throws(PublishedSuiteError) in
            try EngineEagerDispatch.rules(csv: text, file: directory + "/eager-dispatch.csv")
        } ?? []
        return PublishedMaps(models: try pairs(models, "models.csv", "published_model", "profile_id"),
                             gpus: try pairs(gpus, "gpus.csv", "published_gpu", "hardware_id"), engines: list, hostComponents: host,
                             firstTokenRules: first, graphCaptureRules: graphs, eagerDispatchRules: dispatch)
    }

    // MARK: Predicting

    /// The dtype a row runs in (its first word: fp16, bf16, fp8).
    static func dtype(_ text: String) -> DType? {
        DType(name: String(text.split(separator: " ").first ?? ""))
    }

    /// A row's launch mode: the engine's, unless the row's own settings (before any quoted table
    /// note) turn CUDA graphs off.
    static func launchMode(_ row: PublishedRow, engine: PublishedMaps.Engine) -> LaunchMode? {
        let own = row.note.components(separatedBy: "table note").first ?? row.note
        return own.contains("enforce_eager=True") ? .eager : engine.launchMode
    }

    /// Every row with its prediction or its reason for having none. `model` and `hardware` resolve
    /// profile ids (nil: no such profile).
    public static func run(
        _ rows: [PublishedRow], maps: PublishedMaps, model: (String) throws -> ModelSpec?, hardware: (String) throws -> HardwareSpec?
    ) rethrows -> [PublishedRecord] {
        var out: [PublishedRecord] = []
        for row in rows {
            var r = PublishedRecord(row: row, formula: PublishedFormula(metric: row.metric), hardwareID: maps.gpus[row.gpu]?.id ?? "",
                                    profileID: maps.models[row.model]?.id ?? "", attentionKernel: "", launchMode: "",
                                    predicted: nil, error: nil, status: "ok", breakdown: "")
            func skip(_ reason: String) { r.status = "skipped: " + reason; out.append(r) }
            guard let engine = maps.engine(for: row.engine) else { skip("engine `\(row.engine)` is not in suite/engines.csv"); continue }
            guard engine.modelled, let kernel = engine.kernel else { skip(engine.note); continue }
            guard let formula = r.formula else { skip("metric `\(row.metric)` has no formula in the suite"); continue }
            var layout = ParallelLayout.single
            if row.gpuCount > 1 {
                guard engine.multiGPU == .tensor else { skip("runs on \(row.gpuCount) GPUs and engines.csv names no multi-GPU layout for the engine"); continue }
                layout = ParallelLayout(tensor: row.gpuCount)
            }
            guard let hwID = maps.gpus[row.gpu]?.id else { skip("GPU `\(row.gpu)` is not in suite/gpus.csv"); continue }
            guard let hw = try hardware(hwID) else { skip("no hardware profile `\(hwID)`"); continue }
            guard let m = maps.models[row.model] else { skip("model `\(row.model)` is not in suite/models.csv"); continue }
            guard let spec = try model(m.id) else { skip("no model profile `\(m.id)`" + (m.note.isEmpty ? "" : " (\(m.note))")); continue }
            guard let batch = Int(row.batch), batch >= 1 else { skip("batch `\(row.batch)` is not a number"); continue }
            guard let dt = dtype(row.dtype) else { skip("dtype `\(row.dtype)` is not one the cost model has"); continue }
            guard let launch = launchMode(row, engine: engine) else { skip("engine has no launch mode"); continue }
            // CUDA graphs up to a sequence length: the steps past it run eager (graph-capture.csv)
            let graphLimit = launch == .cudaGraphs
                ? EngineGraphCapture.limit(maps.graphCaptureRules, engine: row.engine, versionText: row.engineVersion) : nil
            r.attentionKernel = kernel.rawValue
            r.launchMode = launch.rawValue + (graphLimit.map { "; eager past \($0) tokens" } ?? "")
            do {
                func host(eager: Bool) -> EngineHostStep {
                    EngineHostOverhead.step(maps.hostComponents, engine: row.engine, versionText: row.engineVersion, batch: batch, eager: eager)
                }
                let first = EngineFirstToken.pass(maps.firstTokenRules, engine: row.engine, versionText: row.engineVersion)
                // The host seconds of issuing one eager decode step (nil: no rule, or a model the rule was not counted for)
                let dispatch = EngineEagerDispatch.rule(maps.eagerDispatchRules, engine: row.engine, versionText: row.engineVersion)?
                    .stepSeconds(spec, tensorParallel: layout.tensor)
                let p = try predict(row, formula: formula, spec: spec, hardware: hw, dtype: dt, batch: batch, kernel: kernel,
                                    launch: launch, layout: layout, host: host(eager: launch == .eager), firstToken: first,
                                    graphSequenceLimit: graphLimit, eagerHost: host(eager: true), eagerDispatchSeconds: dispatch)
                r.predicted = p.value
                r.breakdown = p.breakdown
                r.error = RelativeError.of(measured: row.value, predicted: p.value)
            } catch {
                skip(error.description)
                continue
            }
            out.append(r)
        }
        return out
    }

    struct Prediction {
        var value: Double
        var breakdown: String
    }

    /// Seconds of a prefill and of decode steps, with the parts they are made of.
    struct Timeline {
        var prefill = 0.0, prefillAttention = 0.0, weights = 0.0, attention = 0.0, communication = 0.0, launches = 0.0
        /// The engine's host work the GPU waits for (EngineHostOverhead.swift).
        var host = 0.0
        /// Eager steps' wait for the host to issue their kernels, beyond the GPU's own time (EngineEagerDispatch.swift).
        var dispatch = 0.0
        var total: Double { prefill + weights + attention + communication + host + dispatch }
        func shares() -> String {
            guard total > 0 else { return "" }
            func pct(_ x: Double) -> String { "\(Int((100 * x / total).rounded()))%" }
            return "prefill \(pct(prefill)) (attention \(pct(prefillAttention))), decode weights and other \(pct(weights)), decode attention \(pct(attention))"
                + (communication > 0 ? ", communication \(pct(communication))" : "") + (host > 0 ? ", engine host \(pct(host))" : "")
                + (dispatch > 0 ? ", eager dispatch \(pct(dispatch))" : "")
                + "; launches \(pct(launches))"
        }
    }

    /// Units per second of a time metric (s: 1, ms: 1000); nil for any other unit.
    static func unitsPerSecond(_ unit: String) -> Double? { ["s": 1, "ms": 1000][unit] }

    /// GPUs a rate is divided over (tokens/s: 1, tokens/s/GPU: the row's GPUs); nil for another unit.
    static func rateDivisor(_ row: PublishedRow) -> Int? { ["tokens/s": 1, "tokens/s/GPU": row.gpuCount][row.unit] }

    static func predict(
        _ row: PublishedRow, formula: PublishedFormula, spec: ModelSpec, hardware hw: HardwareSpec, dtype: DType, batch b: Int,
        kernel: AttentionKernel, launch: LaunchMode, layout: ParallelLayout = .single, host: EngineHostStep = .none,
        firstToken: FirstTokenPass = .prefill, graphSequenceLimit: Int? = nil, eagerHost: EngineHostStep = .none,
        eagerDispatchSeconds: Double? = nil
    ) throws(CostModelError) -> Prediction {
        let plan = DTypePlan.uniform(dtype)
        let n = row.inputTokens, g = row.outputTokens
        let perSecond = unitsPerSecond(row.unit), divisor = rateDivisor(row)
        guard formula.isTime ? perSecond != nil : divisor != nil else {
            throw .invalidQuery(SpecError(field: "unit", constraint: formula.isTime ? "must be s or ms for a time metric" : "must be tokens/s or tokens/s/GPU for a rate", value: row.unit))
        }
        let query = EstimateQuery(promptTokens: n, generatedTokens: g, batch: .fixed(b), dtypes: plan, attentionKernel: kernel, launchMode: launch)
        // The memory check and the rates: the batch holding N + G tokens on the device (on every
        // device of the layout), then the model one device computes.
        let rates: RooflineRates
        let rank: ModelSpec
        if layout.isSingleDevice {
            rates = try spec.estimate(on: hw, query).rates
            rank = spec
        } else {
            do { try spec.validate() } catch { throw .invalidSpec(id: spec.id, error) }
            do { try spec.checkDeployment(layout, on: hw) } catch { throw .invalidQuery(error) }
            let fit: BatchFit
            do { (fit, _) = try spec.deploymentFit(query, layout: layout, on: hw, dtypes: plan) } catch { throw .invalidQuery(error) }
            guard fit.fits else {
                throw .batchDoesNotFit(requested: b, maxBatch: fit.maxBatch, limitedBy: fit.limitedBy, requiredBytes: fit.requiredBytes, budgetBytes: fit.budgetBytes)
            }
            rates = try RooflineRates(hardware: hw, computeDType: dtype, attentionKernel: kernel, launchMode: launch)
            rank = spec.tensorShard(layout.tensor)
        }
        // The prompt tokens the prefill runs: N, or N - 1 when a decode step samples the first
        // token (EngineFirstToken.swift); that step is then the first of the decode sum, at context N.
        let prefillTokens = firstToken == .decodeStep ? n - 1 : n
        let firstDecodeContext = firstToken == .decodeStep ? n : n + 1
        // The layout's communication: one prefill of `batch` prompts, and one decode step (its
        // all-reduces do not depend on the context).
        func communication(batch: Int) -> (prefill: Double, step: Double) {
            guard !layout.isSingleDevice else { return (0, 0) }
            let timing = spec.deploymentTiming(layout: layout, batch: batch, promptTokens: max(prefillTokens, 1), generatedTokens: 1, dtypes: plan,
                                               tiling: query.tiling, rates: rates)
            return (timing.stages.reduce(0) { $0 + $1.prefillCommunicationSeconds }, timing.stages.reduce(0) { $0 + $1.decodeCommunicationSeconds })
        }
        let launchSeconds = rates.curves?.launchSeconds ?? rates.overheadSeconds
        // The decode steps past the engine's CUDA-graph limit run eager: the eager launch cost, and
        // `eagerHost` (the host work with the overlap eager mode turns off, EngineHostOverhead.swift).
        let eagerRates = graphSequenceLimit == nil ? rates
            : try RooflineRates(hardware: hw, computeDType: dtype, attentionKernel: kernel, launchMode: .eager)
        var t = Timeline()
        // The engine's host time over `steps` steps whose GPU work totals `gpu` seconds: the serial
        // part every step, the overlapped part where it outlasts the mean GPU step (`pastGraphs`:
        // steps past the CUDA-graph limit, whose host work is eager's).
        func hostSeconds(steps: Int, gpu: Double, pastGraphs: Bool = false) -> Double {
            guard steps > 0 else { return 0 }
            let h = pastGraphs ? eagerHost : host
            return Double(steps) * (h.seconds(gpuStep: gpu / Double(steps)) - gpu / Double(steps))
        }
        // An eager step's wait for its host to issue the kernels, beyond the GPU's `gpuStep` seconds:
        // the step's device time is max(GPU step, dispatch) (EngineEagerDispatch.swift).
        func dispatchWait(gpuStep: Double, eager: Bool) -> Double {
            guard eager, let d = eagerDispatchSeconds else { return 0 }
            return max(0, d - gpuStep)
        }
        func prefill(_ batch: Int, times: Int = 1) {
            guard prefillTokens > 0 else { return }  // a 1-token prompt whose one token a decode step takes
            let phase = rank.prefillCost(batch: batch, promptTokens: prefillTokens, dtypes: plan)
            // the element-wise kernels, where the profile prices them apart (Roofline+Elementwise.swift)
            let rows = Int128(batch) * Int128(prefillTokens)
            let elementwise = rates.elementwiseSeconds(rank, rows: rows, earlyExitRows: Int128(batch), dtype: plan.activations)
            let elementwiseLaunches = rates.curves?.elementwiseLaunches(rank, rows: rows, earlyExitRows: Int128(batch), dtype: plan.activations) ?? 0
            let gpu = rates.seconds(phase) + elementwise + communication(batch: batch).prefill
            // the engines of eager-dispatch.csv (vLLM) capture no prefill in a CUDA graph: a prefill is
            // issued eager, its calls counted as a decode step's
            let wait = dispatchWait(gpuStep: gpu, eager: true)
            t.dispatch += Double(times) * wait
            t.host += Double(times) * hostSeconds(steps: 1, gpu: gpu + wait)
            t.prefill += Double(times) * (rates.seconds(phase) + elementwise)
            t.prefillAttention += Double(times) * phase.operators.filter { $0.attention != nil }.reduce(0) { $0 + rates.seconds($1) }
            t.launches += Double(times) * Double(phase.operatorLaunches + elementwiseLaunches) * launchSeconds
            t.communication += Double(times) * communication(batch: batch).prefill
        }
        // Decode steps at contexts lo...hi (the sequence each step holds, its new token included),
        // priced at `stepRates`. The dispatch wait is read at the steps' mean GPU time, as the
        // host overlap is.
        func decode(_ batch: Int, from lo: Int, to hi: Int, rates stepRates: RooflineRates, pastGraphs: Bool) {
            guard hi >= lo else { return }
            let steps = hi - lo + 1
            let launchSeconds = stepRates.curves?.launchSeconds ?? stepRates.overheadSeconds
            var gpu = Double(steps) * communication(batch: batch).step
            for op in rank.decodeOperators(batch: batch, dtypes: plan) {
                let s = op.seconds(from: Int128(lo), to: Int128(hi), rates: stepRates)
                if op.attendsContext { t.attention += s } else { t.weights += s }
                gpu += s
                t.launches += Double(op.fixed.count * steps) * launchSeconds
            }
            let elementwise = Double(steps) * stepRates.elementwiseSeconds(rank, rows: Int128(batch), dtype: plan.activations)
            t.weights += elementwise
            gpu += elementwise
            t.launches += Double(steps * (stepRates.curves?.elementwiseLaunches(rank, rows: Int128(batch), dtype: plan.activations) ?? 0)) * launchSeconds
            t.communication += Double(steps) * communication(batch: batch).step
            let wait = Double(steps) * dispatchWait(gpuStep: gpu / Double(steps), eager: pastGraphs || launch == .eager)
            t.dispatch += wait
            t.host += hostSeconds(steps: steps, gpu: gpu + wait, pastGraphs: pastGraphs)
        }
        // `steps` decode steps from context `firstDecodeContext` on: in the row's launch mode up to
        // the CUDA-graph limit, eager past it.
        func decode(_ batch: Int, steps: Int) {
            guard steps > 0 else { return }
            let lo = firstDecodeContext, hi = firstDecodeContext + steps - 1
            let lastGraphed = graphSequenceLimit.map { min(hi, $0) } ?? hi
            decode(batch, from: lo, to: lastGraphed, rates: rates, pastGraphs: false)
            decode(batch, from: max(lo, lastGraphed + 1), to: hi, rates: eagerRates, pastGraphs: true)
        }
        // Decode steps after the prefill for `tokens` output tokens.
        func steps(_ tokens: Int) -> Int { firstToken == .decodeStep ? tokens : tokens - 1 }
        let value: Double
        switch formula {
        case .firstTokenLatency:
            prefill(b)
            decode(b, steps: steps(1))
            value = t.total * perSecond!
        case .staticBatchThroughput:
            prefill(b)
            decode(b, steps: steps(g))
            value = Double(b * g) / t.total / Double(divisor!)
        case .concurrentThroughput:
            prefill(1, times: b)
            decode(b, steps: steps(g))
            value = Double(b * g) / t.total / Double(divisor!)
        case .perTokenLatencyP50:
            let context = n + g / 2, pastGraphs = graphSequenceLimit.map { context > $0 } == true
            let stepRates = pastGraphs ? eagerRates : rates
            let step = rank.decodeStepCost(batch: b, context: context, dtypes: plan)
            t.weights = stepRates.seconds(step) + stepRates.elementwiseSeconds(rank, rows: Int128(b), dtype: plan.activations)
            t.launches = Double(step.operatorLaunches + (stepRates.curves?.elementwiseLaunches(rank, rows: Int128(b), dtype: plan.activations) ?? 0))
                * (stepRates.curves?.launchSeconds ?? stepRates.overheadSeconds)
            t.communication = communication(batch: b).step
            t.dispatch = dispatchWait(gpuStep: t.weights + t.communication, eager: pastGraphs || launch == .eager)
            t.host = hostSeconds(steps: 1, gpu: t.weights + t.communication + t.dispatch, pastGraphs: pastGraphs)
            value = t.total * perSecond!
        case .generationSpeed:
            prefill(1)
            decode(1, steps: steps(g))
            value = Double(g) / t.total / Double(divisor!)
        case .batchLatency:
            prefill(b)
            decode(b, steps: steps(g))
            value = t.total * perSecond!
        }
        return Prediction(value: value, breakdown: t.shares())
    }

    // MARK: Summary

    public struct Line: Sendable, Hashable {
        public var group: PublishedGroup
        /// "all", "not held out", "held out"
        public var subset: String
        public var rows: Int
        public var medianAbsError: Double?
        public var maxAbsError: Double?
        public var worstRow: String?
    }

    public static let medianTarget = 0.15
    public static let maxTarget = 0.35

    public static func summary(_ records: [PublishedRecord]) -> [Line] {
        var out: [Line] = []
        for group in PublishedGroup.allCases {
            for (subset, keep) in [("all", { (_: PublishedRecord) in true }), ("not held out", { !$0.row.heldOut }), ("held out", { $0.row.heldOut })] {
                let rs = records.filter { $0.group == group && $0.error != nil && keep($0) }
                let errs = rs.map { abs($0.error!) }.sorted()
                let worst = rs.max { abs($0.error!) < abs($1.error!) }
                out.append(Line(group: group, subset: subset, rows: rs.count, medianAbsError: errs.isEmpty ? nil : Spread(errs).median,
                                maxAbsError: errs.last, worstRow: worst?.row.id))
            }
        }
        return out
    }
}
