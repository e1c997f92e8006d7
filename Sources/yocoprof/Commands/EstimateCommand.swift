// `yocoprof estimate`: the full prediction for one model on one device (Estimate.swift; the formulas
// are in docs/COMPUTE.md). Also the pieces `sweep` and `plot` share: the batch argument, the kernel
// options, the estimate columns and the mapping of cost-model errors to exit codes.

import ArgumentParser
import CostModel
import Reporting

/// `--batch N` or `--batch max`.
enum BatchArgument: ExpressibleByArgument, Hashable, CustomStringConvertible {
    case fixed(Int)
    case max

    init?(argument: String) {
        let s = argument.trimmingCharacters(in: " ").lowercased()
        if s == "max" { self = .max; return }
        guard let n = Int(s.filter { $0 != "_" }) else { return nil }
        self = .fixed(n)
    }

    var choice: BatchChoice {
        switch self {
        case .fixed(let n): .fixed(n)
        case .max: .max
        }
    }

    var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .max: "max"
        }
    }

    func validated() throws -> BatchArgument {
        if case .fixed(let n) = self, !(1...Limits.maxBatch).contains(n) {
            throw ValidationError("--batch must be `max` or between 1 and \(Limits.maxBatch); received \(n)")
        }
        return self
    }
}

/// How the computation runs: compute dtype, attention tiles, prefill chunk (memory).
struct KernelOptions: ParsableArguments {
    @Option(name: .customLong("compute-dtype"), help: ArgumentHelp(
        "Dtype the arithmetic runs in; selects the hardware peak (default: the activation dtype).", valueName: "dtype"))
    var computeDType: DType?

    @Option(name: .customLong("attention-tile"), help: ArgumentHelp(
        "Query x key tile of the prefill attention kernel: whole key tiles are executed (default 128x128).", valueName: "BrxBc"))
    var attentionTile: String = "128x128"

    @Option(name: .customLong("attention-kernel"), help: ArgumentHelp(
        "Prefill attention kernel priced from the GPU's efficiency curves: flash2, flash3 or sdpa (default: the hardware profile's, stated in the notes; GPU profiles with curves only).",
        valueName: "kernel"))
    var attentionKernel: AttentionKernel?

    @Option(name: .customLong("cuda-graphs"), help: ArgumentHelp(
        "Kernel launches captured in CUDA graphs (on) or one by one (off); GPU profiles with curves only (default on).", valueName: "on|off"))
    var cudaGraphs: String = "on"

    @OptionGroup var prefill: PrefillChunkOption

    @Option(name: .customLong("mla-form"), help: ArgumentHelp(
        "Latent attention (DeepSeek): compute it naive (up-project K and V per position) or absorbed (attend in the latent space) in both phases (default: naive prefill, absorbed decode, as vLLM and SGLang run it).",
        valueName: "naive|absorbed"))
    var mlaForm: LatentAttentionForm?

    @Option(name: .customLong("experts-touched"), help: ArgumentHelp(
        "Mixtures of experts: the fraction (0 < f <= 1) of a layer's experts one pass reads, measured or assumed, instead of uniform routing's E (1 - (1 - k/E)^rows) (at least k, at most the rows x k picks of the pass).",
        valueName: "fraction"))
    var expertsTouched: Double?

    /// The model as these options price it: the latent-attention form and the expert routing.
    func shaped(_ spec: ModelSpec) -> ModelSpec {
        var s = spec
        if let f = mlaForm { s = s.withLatentForm(f) }
        if let t = expertsTouched { s = s.withExpertRouting(.measuredFraction(t)) }
        return s
    }

    func launchMode() throws -> LaunchMode {
        switch cudaGraphs {
        case "on": return .cudaGraphs
        case "off": return .eager
        default: throw ValidationError("--cuda-graphs must be on or off; received \(cudaGraphs)")
        }
    }

    /// The notes line saying how a GPU with efficiency curves is priced (nil for other hardware).
    func curvesNote(_ hw: HardwareSpec) -> String? {
        guard let c = hw.efficiencyCurves else { return nil }
        let k = attentionKernel ?? c.defaultAttentionKernel
        let how = attentionKernel == nil ? "the default for \(hw.id)" : "--attention-kernel"
        return "priced by published kernel efficiencies (\(c.file) beside the profile): prefill attention \(k.rawValue) (\(how)); launches \(cudaGraphs == "on" ? "in CUDA graphs" : "without CUDA graphs")"
    }

    func tiling() throws -> AttentionTiling {
        let parts = attentionTile.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let br = parts[0], let bc = parts[1], br >= 1, bc >= 1 else {
            throw ValidationError("--attention-tile must look like 128x128 (two positive integers); received \(attentionTile)")
        }
        return AttentionTiling(queryTile: br, keyTile: bc)
    }

    func chunk() throws -> Int? { try prefill.tokens() }

    func validate() throws {
        _ = try tiling()
        if let t = expertsTouched, !(t > 0 && t <= 1) {
            throw ValidationError("--experts-touched must be a fraction in (0, 1]; received \(t)")
        }
        _ = try launchMode()
    }

    func query(context: Int, generate: Int, batch: BatchArgument, plan: DTypePlan) throws -> EstimateQuery {
        EstimateQuery(promptTokens: context, generatedTokens: generate, batch: batch.choice, dtypes: plan,
                      computeDType: computeDType, tiling: try tiling(), prefillChunkTokens: try chunk(),
                      attentionKernel: attentionKernel, launchMode: try launchMode())
    }
}

/// The columns of an estimate row (BRIEF §4 keys first, then the detail behind them).
enum EstimateColumns {
    static let columns: [Column] = [
        Column("model", .text), Column("hardware", .text), Column("context_tokens", .tokens),
        Column("generated_tokens", .tokens), Column("batch", .count), Column("batch_mode", .text),
        Column("prefill_flops", .flops), Column("prefill_seconds", .seconds),
        Column("decode_tokens_per_second", .tokensPerSecond), Column("throughput_tokens_per_second", .tokensPerSecond),
        Column("memory_bytes", .bytes),
        Column("limited_by", .text), Column("compute_dtype", .text), Column("prefill_chunk_tokens", .tokens),
        Column("prefill_matmul_flops", .flops), Column("prefill_other_flops", .flops),
        Column("prefill_executed_flops", .flops), Column("prefill_bytes", .bytes),
        Column("attention_pairs_useful", .count), Column("attention_pairs_executed", .count),
        Column("decode_step_flops", .flops), Column("decode_step_bytes", .bytes), Column("decode_step_seconds", .seconds),
        Column("decode_flops", .flops), Column("decode_seconds", .seconds), Column("total_seconds", .seconds),
        Column("time_to_first_token_seconds", .seconds),
        Column("weight_bytes", .bytes), Column("kv_cache_bytes", .bytes), Column("state_bytes", .bytes),
        Column("activation_bytes", .bytes), Column("runtime_overhead_bytes", .bytes),
        Column("memory_capacity_bytes", .bytes),
        Column("fits", .text), Column("max_batch", .count),
    ]

    /// Figures of the model itself, after every other column of `estimate` (sweep's schema, pinned by
    /// its tests with `status` last, leaves them out: `inspect` and `memory` show them per model).
    static let modelColumns: [Column] = [Column("parameters", .count), Column("active_parameters", .count), Column("model_context_limit_tokens", .tokens)]

    static func modelRow(_ spec: ModelSpec) -> [Value] {
        [.int(spec.parameterCount.total), .int(spec.parameterCount.active), spec.maxPositionEmbeddings.map { .int(Int128($0)) } ?? .null]
    }

    /// What a table shows by default, most important first (the rest: --wide or --columns).
    static let summaryKeys = [
        "model", "context_tokens", "batch", "fits", "throughput_tokens_per_second", "memory_bytes", "prefill_seconds",
        "decode_tokens_per_second", "limited_by", "hardware", "generated_tokens",
    ]

    /// One row. A point that does not fit keeps every figure that does not depend on running it
    /// (memory at its batch, FLOPs, bytes moved, the largest batch and what binds); its times are null.
    static func row(_ o: EstimateOutcome, prefillChunk: Int?) -> [Value] {
        let f = o.figures, e = o.estimate
        func seconds(_ pick: (Estimate) -> Double?) -> Value { e.flatMap(pick).map(Value.double) ?? .null }
        return [
            .text(f.modelID), .text(f.hardwareID), .int(Int128(f.promptTokens)), .int(Int128(f.generatedTokens)),
            .int(Int128(f.fit.batch)), .text(f.batchIsMax ? "max" : "given"),
            .int(f.prefill.flops.total), seconds(\.prefillSeconds),
            seconds(\.decodeTokensPerSecond), seconds(\.throughputTokensPerSecond),
            .int(f.memory.totalBytes),
            .text(f.fit.limitedBy.rawValue), .text(f.computeDType.rawValue),
            .int(Int128(min(f.promptTokens, prefillChunk ?? f.promptTokens))),
            .int(f.prefill.flops.matmul), .int(f.prefill.flops.other), .int(f.prefill.executedFlops.total),
            .int(f.prefill.bytes), .int(f.prefill.usefulAttentionPairs), .int(f.prefill.executedAttentionPairs),
            .int(f.firstDecodeStep.flops.total), .int(f.firstDecodeStep.bytes), seconds(\.firstDecodeStepSeconds),
            .int(f.decodeFlops.total), seconds(\.decodeSeconds), seconds(\.totalSeconds),
            seconds(\.timeToFirstTokenSeconds),
            .int(f.memory.weightBytes), .int(f.memory.kvCacheBytes), .int(f.memory.stateBytes),
            .int(f.memory.activationBytes), .int(f.memory.runtimeOverheadBytes), .int(f.fit.budgetBytes),
            .bool(f.fit.fits), .int(Int128(f.fit.maxBatch)),
        ]
    }

    /// A note when prompt + generated tokens run past the model's own context limit.
    static func limitNote(_ spec: ModelSpec, tokens: Int) -> String? {
        guard let limit = spec.maxPositionEmbeddings, tokens > limit else { return nil }
        return "\(spec.id): \(tokens) tokens run past the model's own context limit of \(limit) (max_position_embeddings); the figures extrapolate the architecture"
    }

    /// Keys that do not apply to this model's rows in tables: the recurrent state of a model that has none.
    static func inapplicable(_ spec: ModelSpec, _ plan: DTypePlan) -> Set<String> {
        spec.stateBytes(batch: 1, dtype: plan.state) == 0 ? ["state_bytes", "state_bytes_per_sequence", "state_dtype"] : []
    }

    static let notes = [
        "throughput = batch x generated tokens / (prefill of batch prompts + decode of the generated tokens at that batch); decode rate = batch x generated / decode seconds (null when nothing is generated)",
        "latency: roofline per operator, max(FLOPs / (peak x compute efficiency), bytes / (bandwidth x memory efficiency)) + launch overhead; prefill time uses executed attention tiles (docs/COMPUTE.md)",
        "batch max = the largest batch whose memory (weights, KV at context + generated, state, prefill activations, runtime reserve) fits the device; max_batch and limited_by answer it for every row",
        "a point that does not fit is reported with fits = false, its memory and FLOPs at its batch, and no times",
    ]
}

extension CostModelError {
    /// The command-line error and exit code for a cost-model error.
    var cliError: CLIError {
        switch self {
        case .invalidQuery: .usage(description)
        case .invalidSpec: .badData(description)
        case .missingPeakFlops: .usage(description)
        case .batchDoesNotFit: .failure(description)
        case .missingEfficiencyCurve, .noEfficiencyCurves: .usage(description)
        }
    }
}

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Prefill FLOPs and time, decode rate, throughput and memory for one model on one device.",
        discussion: """
            Throughput is batch x generated tokens divided by the time to prefill the batch's prompts \
            and decode the generated tokens at that batch; --batch max takes the largest batch that \
            fits the device. Formulas and assumptions: docs/COMPUTE.md. GPU profiles with efficiency \
            curves (A100/H100/H200 SXM) price each operator from published kernel measurements \
            (docs/GPU-EFFICIENCY.md); --attention-kernel and --cuda-graphs choose the curves.

            Examples:
              yocoprof estimate --model yoco-3b --hardware h100-sxm-80gb \\
                  --context 512K --generate 1024 --batch max
              yocoprof estimate --model transformer-3b --hardware h100-sxm-80gb \\
                  --context 32K --generate 1024 --batch 8 --format json
              yocoprof estimate --model transformer-3b --hardware a100-sxm-80gb \\
                  --context 128K --generate 1 --attention-kernel sdpa --cuda-graphs off
            """)

    @Option(help: ArgumentHelp("Model profile id, or a path to a profile or a Hugging Face config.json.", valueName: "id|path"))
    var model: String

    @Option(help: ArgumentHelp("Hardware profile id or path.", valueName: "id|path"))
    var hardware: String

    @Option(help: ArgumentHelp("Prompt tokens per sequence (32K = 32,768).", valueName: "tokens"), transform: Quantities.tokens)
    var context: Int

    @Option(help: ArgumentHelp("Tokens generated per sequence after the prompt.", valueName: "tokens"), transform: Quantities.tokens)
    var generate: Int

    @Option(help: ArgumentHelp("Sequences served at once, or `max` for the largest batch that fits.", valueName: "n|max"))
    var batch: BatchArgument = .max

    @OptionGroup var kernel: KernelOptions
    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var parallel: ParallelOptions
    @OptionGroup var price: PriceOption
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try batch.validated()
        guard context >= 1 else { throw ValidationError("--context must be at least 1 token; received \(context)") }
        if context + generate > Limits.maxContextTokens {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens; received \(context + generate)")
        }
    }

    func run() throws {
        let store = try profiles.store()
        let spec = kernel.shaped(try store.loadModel(model))
        let hw = try store.loadHardware(hardware)
        let plan = try dtypes.plan(for: spec)
        let q = try kernel.query(context: context, generate: generate, batch: batch, plan: plan)
        let layout = try parallel.resolved()
        try layout?.checked(for: spec, on: hw, plan: plan)
        let o: EstimateOutcome
        var deployment: DeploymentEstimate?
        do {
            if let layout {
                deployment = try spec.assess(on: hw, q, layout: layout)
                o = deployment!.outcome
            } else {
                o = try spec.assess(on: hw, q)
            }
        } catch { throw error.cliError }
        var notes = EstimateColumns.notes
        if generate == 0 { notes.insert("nothing is generated: throughput is 0 and the decode rate is undefined (null)", at: 0) }
        if let note = EstimateColumns.limitNote(spec, tokens: context + generate) { notes.insert(note, at: 0) }
        if let note = kernel.curvesNote(hw) { notes.insert(note, at: 0) }
        let fit = o.fit
        if !fit.fits { notes.insert(FitText.batch(fit, batchIsMax: batch == .max, device: hw.id), at: 0) }
        let verdict = fit.fits ? "batch \(fit.batch)\(batch == .max ? " (max)" : "")" : "does not fit"
        var columns = EstimateColumns.columns + EstimateColumns.modelColumns
        var row = EstimateColumns.row(o, prefillChunk: q.prefillChunkTokens) + EstimateColumns.modelRow(spec)
        if let deployment {
            columns += DeploymentColumns.columns
            row += DeploymentColumns.row(deployment)
            notes += DeploymentColumns.notes
        }
        let usd = price.resolved(hw)
        if let usd {
            columns += DeploymentColumns.costColumns
            row += DeploymentColumns.costRow(o, devices: layout?.devices ?? 1, replicas: layout?.data ?? 1, pricePerDeviceHour: usd)
        }
        var report = Report(
            title: "Estimate: \(spec.id) on \(layout.map { "\($0.devices) x \(hw.id) (\($0))" } ?? hw.id), \(context) + \(generate) tokens, \(verdict)",
            columns: columns, notes: notes, isSingle: true)
        report.append(row, inapplicable: EstimateColumns.inapplicable(spec, plan))
        try output.emit(report)
    }
}
