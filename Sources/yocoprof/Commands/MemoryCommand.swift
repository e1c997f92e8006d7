// `yocoprof memory`: the memory breakdown of one configuration (Memory.swift has the formulas).

import ArgumentParser
import CostModel
import Reporting

/// The workload shape shared by memory-like commands.
struct WorkloadOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Prompt tokens per sequence (32K = 32,768; default 4K).", valueName: "tokens"),
            transform: Quantities.tokens)
    var context: Int = 4096

    @Option(help: ArgumentHelp("Tokens generated after the prompt; the KV cache holds context + generate (default 0).", valueName: "tokens"),
            transform: Quantities.tokens)
    var generate: Int = 0

    @Option(help: ArgumentHelp("Sequences served at once.", valueName: "n"))
    var batch: Int = 1

    @OptionGroup var prefill: PrefillChunkOption

    func validate() throws {
        guard (1...Limits.maxBatch).contains(batch) else {
            throw ValidationError("--batch must be between 1 and \(Limits.maxBatch); received \(batch)")
        }
        if context + generate > Limits.maxContextTokens {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens; received \(context + generate)")
        }
    }
}

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Memory breakdown: weights, KV cache, recurrent state, activations, total.",
        discussion: """
            KV is counted at context + generate tokens; a cache shared by several layers (YOCO's \
            K̂/V̂) is counted once. Activations are an estimate of the prefill peak (docs/CONVENTIONS.md).

            Examples:
              yocoprof memory --model yoco-3b --context 1M --generate 1024
              yocoprof memory --model transformer-3b --context 128K --batch 4 \\
                  --kv-dtype fp8
              yocoprof memory --model path/to/config.json --context 32K \\
                  --hardware h100-sxm-80gb
            """)

    @Option(help: ArgumentHelp("Model profile id, or a path to a profile or a Hugging Face config.json.", valueName: "id|path"))
    var model: String

    @OptionGroup var workload: WorkloadOptions

    @Option(help: ArgumentHelp("Hardware profile: adds its runtime reserve and reports the headroom (default: none, no reserve).", valueName: "id"))
    var hardware: String?

    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var parallel: ParallelOptions
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try profiles.store()
        let spec = try store.loadModel(model)
        let hw = try hardware.map { try store.loadHardware($0) }
        let plan = dtypes.plan(for: spec)
        let query = MemoryQuery(
            batch: workload.batch, promptTokens: workload.context, generatedTokens: workload.generate,
            dtypes: plan, prefillChunkTokens: try workload.prefill.tokens(),
            runtimeOverheadBytes: hw?.runtimeOverheadBytes ?? 0)
        let layout = try parallel.resolved()
        try layout?.checked(for: spec, on: hw)
        // With a layout every figure is the busiest device's (the binding pipeline stage).
        let deployment = try layout.map { try spec.deploymentMemory(query, layout: $0) }
        let m = deployment?.perDevice ?? spec.memory(query)
        var columns = [
            Column("model", .text), Column("batch", .count), Column("context_tokens", .tokens),
            Column("generated_tokens", .tokens), Column("weight_dtype", .text), Column("kv_dtype", .text),
            Column("state_dtype", .text), Column("activation_dtype", .text),
        ]
        var row: [Value] = [
            .text(spec.id), .int(Int128(workload.batch)), .int(Int128(workload.context)),
            .int(Int128(workload.generate)), .text(plan.weightFormatName), .text(plan.kvFormatName),
            .text(plan.state.rawValue), .text(plan.activations.rawValue),
        ]
        // A weight class the model has none of (retention in a Transformer) and a state it does not
        // keep are left out of tables; CSV and JSON keep them as 0.
        var inapplicable = EstimateColumns.inapplicable(spec, plan)
        for c in WeightClass.allCases {
            columns.append(Column("weight_\(c.rawValue)_bytes", .bytes))
            row.append(.int(m.weightBytesByClass[c] ?? 0))
            if (m.weightBytesByClass[c] ?? 0) == 0 { inapplicable.insert("weight_\(c.rawValue)_bytes") }
        }
        columns += [
            Column("weight_bytes", .bytes), Column("kv_cache_bytes", .bytes),
            Column("kv_cache_bytes_per_token", .bytes), Column("state_bytes", .bytes),
            Column("activation_bytes", .bytes), Column("runtime_overhead_bytes", .bytes),
            Column("total_bytes", .bytes),
        ]
        row += [
            .int(m.weightBytes), .int(m.kvCacheBytes), .int(spec.kvBytesPerToken(dtype: plan.kvCache)),
            .int(m.stateBytes), .int(m.activationBytes), .int(m.runtimeOverheadBytes), .int(m.totalBytes),
        ]
        columns += [Column("parameters", .count), Column("model_context_limit_tokens", .tokens)]
        row += [.int(spec.parameterCount.total), spec.maxPositionEmbeddings.map { .int(Int128($0)) } ?? .null]
        var notes = [
            "activation_bytes estimates the prefill peak: \(workload.batch) x \(min(workload.context, try workload.prefill.tokens() ?? workload.context)) tokens in flight (--prefill-chunk; docs/CONVENTIONS.md)",
        ]
        if let limit = spec.maxPositionEmbeddings, workload.context + workload.generate > limit {
            notes.insert("\(workload.context + workload.generate) tokens run past the model's own context limit of \(limit) (max_position_embeddings)", at: 0)
        }
        if let deployment {
            columns += [Column("layout", .text), Column("devices", .count), Column("memory_binding_stage", .count),
                        Column("deployment_total_bytes", .bytes)]
            row += [.text(deployment.layout.description), .int(Int128(deployment.layout.devices)),
                    .int(Int128(deployment.bindingStage)), .int(deployment.totalBytes)]
            notes.insert("--\(deployment.layout): every column but deployment_total_bytes is the busiest device's (pipeline stage \(deployment.bindingStage)); KV heads are replicated when tp exceeds them (docs/PARALLELISM.md)", at: 0)
        }
        if let hw, let layout {
            let q = EstimateQuery(promptTokens: workload.context, generatedTokens: workload.generate, batch: .fixed(workload.batch),
                                  dtypes: plan, prefillChunkTokens: try workload.prefill.tokens())
            let (fit, _) = try spec.deploymentFit(q, layout: layout, on: hw, dtypes: plan)
            columns += [Column("hardware", .text), Column("hardware_memory_bytes", .bytes), Column("fits", .text), Column("headroom_bytes", .bytes),
                        Column("max_batch", .count), Column("limited_by", .text)]
            row += [.text(hw.id), .int(hw.memoryBytes), .bool(fit.fits), .int(hw.memoryBytes - m.totalBytes),
                    .int(Int128(fit.maxBatch)), .text(fit.limitedBy.rawValue)]
            if !fit.fits { notes.insert(FitText.batch(fit, batchIsMax: false, device: hw.id), at: 0) }
        } else if let hw {
            // The batch question answered as `estimate` does: the largest batch at this context, and what binds.
            let a = spec.maxBatch(budgetBytes: hw.memoryBytes, promptTokens: workload.context, generatedTokens: workload.generate,
                                  dtypes: plan, scope: .everything, prefillChunkTokens: try workload.prefill.tokens(),
                                  runtimeOverheadBytes: hw.runtimeOverheadBytes)
            let fit = BatchFit(fits: m.totalBytes <= hw.memoryBytes, batch: workload.batch, maxBatch: a.value, limitedBy: a.limitedBy,
                               requiredBytes: m.totalBytes, budgetBytes: hw.memoryBytes)
            columns += [Column("hardware", .text), Column("hardware_memory_bytes", .bytes), Column("fits", .text), Column("headroom_bytes", .bytes),
                        Column("max_batch", .count), Column("limited_by", .text)]
            row += [.text(hw.id), .int(hw.memoryBytes), .bool(fit.fits), .int(hw.memoryBytes - m.totalBytes),
                    .int(Int128(a.value)), .text(a.limitedBy.rawValue)]
            if !fit.fits { notes.insert(FitText.batch(fit, batchIsMax: false, device: hw.id), at: 0) }
        }
        if [plan.weights, plan.kvCache].contains(where: { [.int4, .int8, .fp8].contains($0) }) {
            notes.append("quantisation scales and zero points are not counted")
        }
        var report = Report(title: "Memory: \(spec.id)", columns: columns, notes: notes, isSingle: true)
        report.append(row, inapplicable: inapplicable)
        try output.emit(report)
    }
}
