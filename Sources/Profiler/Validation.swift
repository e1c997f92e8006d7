// Predicted against measured (issue 6): each measured run is set beside the cost model's prediction
// for the same model, batch, context and generated tokens on the calibrated host profile.
//
// Metrics and how they are compared:
//   kv_cache_bytes, state_bytes                   exact: the counting allocator vs Memory.swift
//   prefill/decode matmul FLOPs, prefill other      exact: the SDE counters read through PAPI vs
//   FLOPs, attention pairs                          Prefill.swift / Decode.swift (kernel tiling)
//   hardware FLOP counter                          relative error against executed FLOPs, tolerance
//                                                  `hardwareFlopTolerance`, or unavailable(reason)
//   prefill_seconds, decode_tokens_per_second      relative error of the roofline prediction
//   prefill_seconds.<op>, decode_seconds.<op>     relative, per cost-model operator (OperatorBreakdown.swift):
//                                                  the kernels' lap times joined by OperatorID, with
//                                                  each side's share of its phase total
//   prefill/decode_experts_touched (MoE models)    relative: the experts the kernel ran per pass
//                                                  (SDE EXPERTS_TOUCHED) against the uniform-routing
//                                                  expectation E (1 - (1 - k/E)^rows) per MoE layer
//                                                  (seeded random routers are not uniform: a gap
//                                                  here is the routing assumption, not an error)
// The host profile must come from `calibrate` (microbenchmarks only), never from these runs.

import CostModel
import HardwareCounters
import Kernels

/// One configuration of a validation suite.
public struct ValidationCase: Sendable, Hashable {
    public var model: ModelSpec
    public var batch: Int
    public var contextTokens: Int
    public var generatedTokens: Int
    public var repeats: Int

    public init(model: ModelSpec, batch: Int = 1, contextTokens: Int, generatedTokens: Int, repeats: Int) {
        self.model = model
        self.batch = batch
        self.contextTokens = contextTokens
        self.generatedTokens = generatedTokens
        self.repeats = repeats
    }

    public var request: ProfileRequest {
        ProfileRequest(model: model, batch: batch, contextTokens: contextTokens, generatedTokens: generatedTokens, repeats: repeats)
    }
}

/// Named suites. `default`: every host architecture at 1K, 4K and 16K prompt tokens, each followed
/// by a decode run; `quick`: short contexts for a smoke test; `paper-160m`: the paper's smallest
/// scaling-curve pair (yoco-160m, transformer-160m: d 768, 12 layers) run in fp32 at 1K, 4K and 8K.
public enum ValidationSuite: String, CaseIterable, Sendable {
    case `default`, quick
    case paper160m = "paper-160m"

    /// The models a suite runs when none are named (nil: every host-* profile).
    public var defaultModelIDs: [String]? {
        switch self {
        case .default, .quick: nil
        // Weights ~0.96 GB in fp32 each (with the untied 100,288 x 768 head and embedding); the
        // Transformer's fp32 KV cache at 8K + 32 tokens is 12 x 2 x 768 x 4 B x 8,224 = 606 MB: far
        // inside 24 GiB, and MemoryGuard checks every run before it allocates.
        case .paper160m: ["transformer-160m", "yoco-160m"]
        }
    }

    public func cases(models: [ModelSpec]) -> [ValidationCase] {
        switch self {
        case .default:
            // Five repeats where runs are short (medians on a shared machine); fewer at 16K keep the
            // suite near a minute on 2 cores.
            return [(1024, 32, 5), (4096, 32, 5), (16384, 32, 3)].flatMap { n, g, r in
                models.map { ValidationCase(model: $0, contextTokens: n, generatedTokens: g, repeats: r) }
            }
        case .quick:
            return [(256, 8, 2), (1024, 8, 2)].flatMap { n, g, r in
                models.map { ValidationCase(model: $0, contextTokens: n, generatedTokens: g, repeats: r) }
            }
        case .paper160m:
            // Three repeats (an 8K prefill of the 160M Transformer is tens of seconds on 2 cores).
            return [(1024, 32, 3), (4096, 32, 3), (8192, 32, 3)].flatMap { n, g, r in
                models.map { ValidationCase(model: $0, contextTokens: n, generatedTokens: g, repeats: r) }
            }
        }
    }
}

public enum ComparisonKind: String, Sendable, Hashable {
    /// Must be equal; any difference fails validation.
    case exact
    /// Reported as a relative error against a target.
    case relative
}

/// One metric of one case, predicted beside measured.
public struct ValidationRecord: Sendable, Hashable {
    public var modelID: String
    public var architecture: String
    public var batch: Int
    public var contextTokens: Int
    public var generatedTokens: Int
    public var metric: String
    public var unit: String
    public var kind: ComparisonKind
    public var predicted: Double?
    public var measured: Double?
    /// Exact integer texts for exact metrics (Doubles would round large counts).
    public var predictedText: String
    public var measuredText: String
    /// (measured - predicted) / predicted for relative metrics (RelativeError.swift).
    public var relativeError: Double?
    /// "match", "mismatch", "ok", "outside_tolerance" or "unavailable: reason".
    public var status: String
    /// The min and max of the repeats (timed metrics), in the metric's unit.
    public var measuredMin: Double? = nil
    public var measuredMax: Double? = nil
    /// Per-operator rows: the operator's share of its phase, measured and predicted.
    public var measuredShare: Double? = nil
    public var predictedShare: Double? = nil
    /// Per-operator rows: where the prediction charged the operator's bytes (memory level, working
    /// set, read rate; OperatorBreakdown.swift).
    public var memory: ChargedMemory? = nil

    /// Whether the prediction lies inside the repeats' min-max band (nil without a band).
    public var predictionInBand: Bool? {
        guard let lo = measuredMin, let hi = measuredMax, let p = predicted else { return nil }
        return lo <= p && p <= hi
    }
}

public enum Validator {
    /// A hardware FLOP counter within this fraction of the executed FLOPs is consistent (FMA and
    /// vector-width accounting differ between CPUs; a 2x miss means the event counts differently).
    public static let hardwareFlopTolerance = 0.10

    /// The cost model's tiling of the CPU attention kernel: it clips each key range to the keys its
    /// query tile sees (pairs of key tile 1) and walks it in key tiles of its own size
    /// (docs/KERNELS.md). A single query row (YOCO's last-position cross layers) walks blocks of its
    /// own size, split over the workers at B = 1 (`DecodeChunks`), for the model's (cross layers')
    /// `heads` of `headDim`.
    public static func costModelTiling(_ t: AttentionKernelTiling = .default, heads: Int, headDim: Int) -> AttentionTiling {
        AttentionTiling(queryTile: t.queryTile, keyTile: t.keyTile, clipsKeys: true,
                        singleQueryKeyTile: CausalAttention.singleQueryKeyBlock(tiling: t, heads: heads),
                        singleQuerySplit: CausalAttention.singleQuerySplit(tiling: t, heads: heads, headDim: headDim))
    }

    /// The prediction for one case on `hardware` (fp32, the kernels' tiling).
    public struct Prediction: Sendable {
        public var prefill: PhaseCost
        public var prefillSeconds: Double
        /// The part of `prefillSeconds` outside every operator (first touch, BLAS wake-up).
        public var prefillRunFixedSeconds: Double
        public var decodeFlops: FlopCount
        public var decodeSeconds: Double
        public var decodeTokensPerSecond: Double?
        public var kvCacheBytes: Int128
        public var stateBytes: Int128
    }

    public static func predict(_ c: ValidationCase, hardware: HardwareSpec) throws(CostModelError) -> Prediction {
        let spec = c.model
        let dtypes = DTypePlan.uniform(.fp32)
        let rates = try RooflineRates(hardware: hardware, computeDType: .fp32)
        let prefill = spec.prefillCost(batch: c.batch, promptTokens: c.contextTokens, dtypes: dtypes, tiling: costModelTiling(heads: spec.heads, headDim: spec.headDim))
        let decodeSeconds = spec.decodeSeconds(batch: c.batch, promptTokens: c.contextTokens, generatedTokens: c.generatedTokens,
                                               dtypes: dtypes, rates: rates)
        let decodeFlops = spec.decodeFlops(batch: c.batch, promptTokens: c.contextTokens, generatedTokens: c.generatedTokens, dtypes: dtypes)
        let fixed = spec.prefillRunFixedSeconds(batch: c.batch, promptTokens: c.contextTokens, dtypes: dtypes, rates: rates)
        return Prediction(
            prefill: prefill, prefillSeconds: rates.seconds(prefill) + fixed, prefillRunFixedSeconds: fixed, decodeFlops: decodeFlops, decodeSeconds: decodeSeconds,
            decodeTokensPerSecond: c.generatedTokens > 0 && decodeSeconds > 0 ? Double(c.batch * c.generatedTokens) / decodeSeconds : nil,
            kvCacheBytes: spec.kvCacheBytes(batch: c.batch, tokens: Int128(c.contextTokens + c.generatedTokens), dtype: .fp32),
            stateBytes: spec.stateBytes(batch: c.batch, dtype: .fp32))
    }

    /// The SDE reading of `counter` in a phase, or why there is none.
    static func sde(_ counters: [MeasuredCounter], _ counter: SoftwareCounter) -> CounterReading {
        counters.first { $0.event == .software(counter) }?.reading ?? .unavailable(reason: "not measured")
    }

    /// Every metric of one measured run beside its prediction.
    public static func compare(_ c: ValidationCase, run: MeasuredRun, hardware: HardwareSpec) throws(CostModelError) -> [ValidationRecord] {
        let p = try predict(c, hardware: hardware)
        var out: [ValidationRecord] = []
        func record(_ metric: String, _ unit: String, _ kind: ComparisonKind, predicted: Double?, measured: Double?,
                    predictedText: String? = nil, measuredText: String? = nil, status: String? = nil) {
            var rel: Double?
            if let predicted, let measured { rel = RelativeError.of(measured: measured, predicted: predicted) }
            let st: String
            if let status {
                st = status
            } else if kind == .exact {
                st = (predictedText ?? "") == (measuredText ?? "") ? "match" : "mismatch"
            } else {
                st = "ok"
            }
            out.append(ValidationRecord(
                modelID: c.model.id, architecture: c.model.architectureName, batch: c.batch, contextTokens: c.contextTokens,
                generatedTokens: c.generatedTokens, metric: metric, unit: unit, kind: kind, predicted: predicted, measured: measured,
                predictedText: predictedText ?? predicted.map { "\($0)" } ?? "", measuredText: measuredText ?? measured.map { "\($0)" } ?? "",
                relativeError: kind == .relative ? rel : nil, status: st))
        }
        func exact(_ metric: String, _ unit: String, predicted: Int128, measured: CounterReading) {
            switch measured {
            case .value(let v):
                record(metric, unit, .exact, predicted: Double(predicted), measured: Double(v), predictedText: "\(predicted)", measuredText: "\(v)")
            case .unavailable(let reason):
                record(metric, unit, .exact, predicted: Double(predicted), measured: nil, predictedText: "\(predicted)", measuredText: "",
                       status: "unavailable: \(reason)")
            }
        }
        exact("kv_cache_bytes", "bytes", predicted: p.kvCacheBytes, measured: .value(Int64(run.kvCacheBytes)))
        exact("state_bytes", "bytes", predicted: p.stateBytes, measured: .value(Int64(run.stateBytes)))
        exact("prefill_matmul_flops", "flops", predicted: p.prefill.executedFlops.matmul, measured: sde(run.prefillCounters, .matmulFlops))
        exact("prefill_attention_pairs_executed", "pairs", predicted: p.prefill.executedAttentionPairs,
              measured: sde(run.prefillCounters, .attentionPairsExecuted))
        exact("prefill_attention_pairs_useful", "pairs", predicted: p.prefill.usefulAttentionPairs,
              measured: sde(run.prefillCounters, .attentionPairsUseful))
        if c.generatedTokens > 0 {
            exact("decode_matmul_flops", "flops", predicted: p.decodeFlops.matmul, measured: sde(run.decodeCounters, .matmulFlops))
        }
        exact("prefill_other_flops", "flops", predicted: p.prefill.executedFlops.other, measured: sde(run.prefillCounters, .otherFlops))
        // Hardware FLOP event: compared with the executed FLOPs when the machine counts it.
        let hw = run.prefillCounters.first { $0.event == .singlePrecisionFlops }?.reading ?? .unavailable(reason: "not measured")
        let executed = Double(p.prefill.executedFlops.total)
        switch hw {
        case .value(let v):
            let rel = (Double(v) - executed) / executed
            record("prefill_hardware_sp_flops", "flops", .relative, predicted: executed, measured: Double(v),
                   status: abs(rel) <= hardwareFlopTolerance ? "ok" : "outside_tolerance")
        case .unavailable(let reason):
            record("prefill_hardware_sp_flops", "flops", .relative, predicted: executed, measured: nil, status: "unavailable: \(reason)")
        }
        let moe = c.model.runs.compactMap { run in run.block.feedForward.experts.map { (run.count, $0) } }
        if !moe.isEmpty {
            func expected(rows: Int128) -> Double { moe.reduce(0) { $0 + Double($1.0) * $1.1.expectedExpertsTouched(rows: rows) } }
            func measured(_ reading: CounterReading, passes: Int) -> Double? {
                if case .value(let v) = reading, passes > 0 { return Double(v) / Double(passes) }
                return nil
            }
            // The readings are of the first repeat: one prefill pass and G decode steps.
            let prefillPasses = 1, decodeSteps = c.generatedTokens
            record("prefill_experts_touched", "experts", .relative, predicted: expected(rows: Int128(c.batch * c.contextTokens)),
                   measured: measured(sde(run.prefillCounters, .expertsTouched), passes: prefillPasses))
            if c.generatedTokens > 0 {
                record("decode_experts_touched_per_step", "experts", .relative, predicted: expected(rows: Int128(c.batch)),
                       measured: measured(sde(run.decodeCounters, .expertsTouched), passes: decodeSteps))
            }
        }
        record("prefill_seconds", "seconds", .relative, predicted: p.prefillSeconds, measured: run.prefillSeconds.median)
        out[out.count - 1].measuredMin = run.prefillSeconds.min
        out[out.count - 1].measuredMax = run.prefillSeconds.max
        if let tps = run.decodeTokensPerSecond, let predicted = p.decodeTokensPerSecond {
            record("decode_tokens_per_second", "tokens/s", .relative, predicted: predicted, measured: tps.median)
            out[out.count - 1].measuredMin = tps.min
            out[out.count - 1].measuredMax = tps.max
        }
        for o in try OperatorBreakdown.compare(c, run: run, hardware: hardware) {
            record("\(o.phase.rawValue)_seconds.\(o.name)", "seconds", .relative, predicted: o.predictedSeconds, measured: o.measuredSeconds)
            out[out.count - 1].measuredMin = o.id == nil ? nil : o.measuredMin
            out[out.count - 1].measuredMax = o.id == nil ? nil : o.measuredMax
            out[out.count - 1].measuredShare = o.measuredShare
            out[out.count - 1].predictedShare = o.predictedShare
            out[out.count - 1].memory = o.memory
        }
        return out
    }
}

/// Median and maximum absolute relative error per relative metric; counts of exact mismatches.
public struct ValidationSummary: Sendable {
    public struct Line: Sendable, Hashable {
        public var metric: String
        public var kind: ComparisonKind
        public var count: Int
        public var medianAbsError: Double?
        public var maxAbsError: Double?
        public var mismatches: Int
        public var unavailable: Int
        /// Rows whose prediction lies inside the repeats' min-max band, of those with a band.
        public var inBand: Int = 0
        public var withBand: Int = 0
    }

    public var lines: [Line]
    /// measured and predicted prefill speedup of each YOCO model over the Transformer at a context.
    public var speedups: [(model: String, baseline: String, context: Int, metric: String, measured: Double, predicted: Double)]

    public init(_ records: [ValidationRecord], transformerID: String?) {
        var order: [String] = []
        var groups: [String: [ValidationRecord]] = [:]
        for r in records {
            if groups[r.metric] == nil { order.append(r.metric) }
            groups[r.metric, default: []].append(r)
        }
        // Whole-run metrics first, then the per-operator rows of prefill and of decode, then the probe.
        func rank(_ m: String) -> Int {
            m.hasPrefix("prefill_seconds.") ? 1 : m.hasPrefix("decode_seconds.") ? 2 : m.hasPrefix("probe_") ? 3 : 0
        }
        order = order.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        lines = order.map { metric in
            let rs = groups[metric]!
            let errors = rs.compactMap { $0.relativeError.map(abs) }.sorted()
            return Line(metric: metric, kind: rs[0].kind, count: rs.count,
                        medianAbsError: errors.isEmpty ? nil : Spread(errors).median, maxAbsError: errors.last,
                        mismatches: rs.filter { $0.kind == .exact && $0.status == "mismatch" }.count,
                        unavailable: rs.filter { $0.status.hasPrefix("unavailable") }.count,
                        inBand: rs.filter { $0.predictionInBand == true }.count, withBand: rs.filter { $0.predictionInBand != nil }.count)
        }
        speedups = []
        guard let transformerID else { return }
        for metric in ["prefill_seconds", "decode_tokens_per_second"] {
            let rs = records.filter { $0.metric == metric }
            for base in rs where base.modelID == transformerID {
                for other in rs where other.modelID != transformerID && other.architecture.hasPrefix("yoco")
                    && other.contextTokens == base.contextTokens && other.batch == base.batch {
                    guard let bm = base.measured, let bp = base.predicted, let om = other.measured, let op = other.predicted,
                          bm > 0, bp > 0, om > 0, op > 0 else { continue }
                    // Prefill: time ratio (Transformer / YOCO); decode: rate ratio (YOCO / Transformer).
                    let measured = metric == "prefill_seconds" ? bm / om : om / bm
                    let predicted = metric == "prefill_seconds" ? bp / op : op / bp
                    speedups.append((other.modelID, transformerID, base.contextTokens, metric, measured, predicted))
                }
            }
        }
    }

    public var exactMismatches: Int { lines.reduce(0) { $0 + $1.mismatches } }
}
