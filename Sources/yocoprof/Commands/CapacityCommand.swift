// `yocoprof capacity`: inversions of the memory model (Capacity.swift). Answers are exact integers:
// the answer fits and one more token (or sequence) does not; `limited_by` names the constraint.

import ArgumentParser
import CostModel
import Foundation
import ProfileStore
import Reporting

struct CapacityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Longest context, largest batch, or smallest memory for a model.",
        discussion: """
            Which question is answered depends on the flags:
              --memory SIZE | --hardware H              longest context (batch --batch)
              --memory SIZE | --hardware H --context N  largest batch at N (+ --generate)
              --context N [--batch B]                   smallest memory, and the smallest
                                                        deployment holding it (device,
                                                        count, layout)
              --context N --generate G --ttft S --tpot S [--hardware H]
                                                        the largest batch within both
                                                        latency targets on H (or on a
                                                        layout of H), or without H the
                                                        smallest deployment serving
                                                        --batch within them
            --tp/--pp/--layout/--devices with --hardware answer the largest batch per
            device of that deployment (docs/PARALLELISM.md).
            --kv-only budgets the KV cache alone (the paper's "KV memory"; the constant
            gated-retention state is reported beside it), --kv-and-state the cache and the
            state together; otherwise weights, caches, state, activations and (with
            --hardware) the runtime reserve all count.

            With --engine vllm|vllm-0.11.1|vllm-v0|sglang the answer is the engine's
            start-up KV pool (tokens, blocks, maximum concurrency at --max-model-len), as
            its log prints it (docs/FORMATS.md); vllm-0.11.1 also holds Kimi-Linear's
            delta-attention state pages, sglang Qwen3-Next's mamba pool
            (docs/research/engine-rules.md §9).

            Examples:
              yocoprof capacity --model yoco-65b --memory 1GiB --kv-only
              yocoprof capacity --model transformer-3b --hardware h100-sxm-80gb \\
                  --context 32K --generate 1024
              yocoprof capacity --model llama-3-8b --context 128K --batch 8
              yocoprof capacity --model llama-3.1-70b --context 32K --batch 8
              yocoprof capacity --model llama-3.1-70b --hardware h100-sxm-80gb \\
                  --context 32K --tp 4
              yocoprof capacity --model llama-3.1-8b --hardware h100-sxm-80gb \\
                  --context 8K --generate 512 --ttft 2 --tpot 0.05
              yocoprof capacity --model llama-3.1-8b --engine vllm-v0 \\
                  --device-memory 23.58GiB --gpu-memory-utilization 0.9 \\
                  --engine-reserve 2.42GiB --max-model-len 20000
              yocoprof capacity --model llama-3.1-8b --engine vllm \\
                  --kv-cache-memory 112.61GiB --max-model-len 40000
              yocoprof capacity --model Kimi-Linear-48B/config.json \\
                  --engine vllm-0.11.1 --tp 2 --kv-cache-memory 2.30GiB \\
                  --max-model-len 120000
              yocoprof capacity --model deepseek-v2-lite --engine vllm --tp 2 \\
                  --pp 2 --stage-kv-cache-memory 12.13GiB,11.33GiB \\
                  --block-size 16 --max-model-len 1024
            """)

    @Option(help: ArgumentHelp("Model profile id, or a path to a profile or a Hugging Face config.json.", valueName: "id|path"))
    var model: String

    @Option(help: ArgumentHelp("Memory budget with a unit: 1GiB, 80GB, 81559MiB (a bare number is bytes).", valueName: "size"),
            transform: MemoryBudget.init(parsing:))
    var memory: MemoryBudget?

    @Option(help: ArgumentHelp("Hardware profile whose capacity is the budget.", valueName: "id"))
    var hardware: String?

    @Option(help: ArgumentHelp("Prompt tokens: asks for the largest batch (or, alone, the smallest memory).", valueName: "tokens"),
            transform: Quantities.tokens)
    var context: Int?

    @Option(help: ArgumentHelp("Generated tokens held in the cache after the prompt (with --context; default 0).", valueName: "tokens"),
            transform: Quantities.tokens)
    var generate: Int = 0

    @Option(help: ArgumentHelp("Sequences served at once (for the longest-context and smallest-memory questions).", valueName: "n"))
    var batch: Int = 1

    @Flag(name: .customLong("kv-only"), help: "Budget the KV cache alone (the paper's \"KV memory\"); a constant gRet state is reported, not budgeted.")
    var kvOnly = false

    @Flag(name: .customLong("kv-and-state"), help: "Budget the KV cache and the recurrent state together.")
    var kvAndState = false

    @Option(help: ArgumentHelp("Time-to-first-token target in seconds (prefill of the batch + the first decode step).", valueName: "seconds"))
    var ttft: Double?

    @Option(help: ArgumentHelp("Time-per-output-token target in seconds (mean decode step over --generate tokens).", valueName: "seconds"))
    var tpot: Double?

    @OptionGroup var prefill: PrefillChunkOption
    @OptionGroup var engineOptions: EngineOptions

    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var parallel: ParallelOptions
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if engineOptions.engine != .exact { return try validateEngine() }
        for (name, v) in [("--ttft", ttft), ("--tpot", tpot)] {
            if let v, !(v > 0 && v <= 1e6) { throw ValidationError("\(name) must be above 0 and at most 1e6 seconds; received \(v)") }
        }
        if ttft != nil || tpot != nil {
            if context == nil { throw ValidationError("--ttft and --tpot need --context (and --generate for --tpot)") }
            if tpot != nil && generate < 1 { throw ValidationError("--tpot needs --generate of at least 1 token") }
            if memory != nil || kvOnly || kvAndState { throw ValidationError("--ttft and --tpot budget the whole device (--hardware or none), not --memory, --kv-only or --kv-and-state") }
            if hardware != nil && batch != 1 { throw ValidationError("--batch does not apply when asking for the largest batch within the targets on --hardware") }
            if hardware == nil && parallel.isGiven { throw ValidationError("--tp/--pp/--layout/--devices need --hardware (without it the smallest deployment is searched)") }
        } else if parallel.isGiven && (hardware == nil || context == nil || kvOnly || kvAndState) {
            throw ValidationError("--tp/--pp/--layout/--devices apply to the largest batch on --hardware at --context (every memory counted); the smallest deployment is searched without them")
        }
        if memory != nil && hardware != nil {
            throw ValidationError("give either --memory or --hardware as the budget, not both")
        }
        if memory == nil && hardware == nil && context == nil {
            throw ValidationError("give a budget (--memory SIZE or --hardware H) or a --context")
        }
        if let memory, memory.bytes <= 0 { throw ValidationError("--memory must be positive; received \(memory.text)") }
        guard (1...Limits.maxBatch).contains(batch) else {
            throw ValidationError("--batch must be between 1 and \(Limits.maxBatch); received \(batch)")
        }
        if context == nil && generate != 0 { throw ValidationError("--generate needs --context") }
        if context != nil && (memory != nil || hardware != nil) && batch != 1 {
            throw ValidationError("--batch does not apply when asking for the largest batch (--context with --memory or --hardware)")
        }
        if let context, context + generate > Limits.maxContextTokens {
            throw ValidationError("--context plus --generate must be at most \(Limits.maxContextTokens) tokens")
        }
        if kvOnly && kvAndState { throw ValidationError("give --kv-only or --kv-and-state, not both") }
        if memory == nil && hardware == nil && (kvOnly || kvAndState) {
            throw ValidationError("--kv-only and --kv-and-state apply to a budget (--memory or --hardware)")
        }
    }

    func run() throws {
        let store = try profiles.store()
        let spec = try store.loadModel(model)
        let prefillChunk = try prefill.tokens()
        let plan = try dtypes.plan(for: spec)
        if engineOptions.engine != .exact { return try runEngine(spec: spec, plan: plan, store: store) }
        let scope: CapacityScope = kvOnly ? .kvCacheOnly : kvAndState ? .cacheAndState : .everything
        let hw = try hardware.map { try store.loadHardware($0) }
        if let warning = memory?.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let budget = memory?.bytes ?? hw?.memoryBytes
        let overhead = hw?.runtimeOverheadBytes ?? 0
        let common: [Column] = [Column("model", .text), Column("scope", .text), Column("budget_bytes", .bytes)]
        let commonRow: [Value] = [.text(spec.id), .text(scope.rawValue), budget.map(Value.int) ?? .null]

        if ttft != nil || tpot != nil, let context {
            try targetsReport(spec, store: store, hardware: hw, context: context, plan: plan, prefillChunk: prefillChunk)
        } else if let hw, let context, let layout = try parallel.resolved() {
            try layout.checked(for: spec, on: hw, plan: plan)
            let q = EstimateQuery(promptTokens: context, generatedTokens: generate, batch: .max, dtypes: plan, prefillChunkTokens: prefillChunk)
            let (fit, m) = try spec.deploymentFit(q, layout: layout, on: hw, dtypes: plan)
            var report = Report(
                title: "Largest batch: \(spec.id) at \(context) + \(generate) tokens on \(layout.devices) x \(hw.id) (\(layout))",
                columns: common + [Column("context_tokens", .tokens), Column("generated_tokens", .tokens),
                                   Column("max_batch", .count), Column("limited_by", .text),
                                   Column("used_bytes", .bytes), Column("fits", .text),
                                   Column("layout", .text), Column("devices", .count), Column("memory_binding_stage", .count)],
                notes: notes("memory per device: the busiest device (pipeline stage \(m.bindingStage)) against one \(hw.id); the batch is one replica's"),
                isSingle: true)
            report.append(commonRow + [.int(Int128(context)), .int(Int128(generate)), .int(Int128(fit.maxBatch)),
                                       .text(fit.limitedBy.rawValue), .int(m.perDevice.totalBytes), .bool(fit.maxBatch >= 1),
                                       .text(layout.description), .int(Int128(layout.devices)), .int(Int128(m.bindingStage))],
                          inapplicable: EstimateColumns.inapplicable(spec, plan))
            try output.emit(report)
        } else if let budget, let context {
            let a = spec.maxBatch(budgetBytes: budget, promptTokens: context, generatedTokens: generate, dtypes: plan,
                                  scope: scope, prefillChunkTokens: prefillChunk, runtimeOverheadBytes: overhead)
            var report = Report(
                title: "Largest batch: \(spec.id) at \(context) + \(generate) tokens",
                columns: common + [Column("context_tokens", .tokens), Column("generated_tokens", .tokens),
                                   Column("max_batch", .count), Column("limited_by", .text),
                                   Column("used_bytes", .bytes), Column("next_batch_bytes", .bytes),
                                   Column("state_bytes_per_sequence", .bytes), Column("fits", .text)],
                notes: notes(a.fits ? nil : FitText.capacity(a, unit: "sequence")), isSingle: true)
            report.append(commonRow + [.int(Int128(context)), .int(Int128(generate)), .int(Int128(a.value)),
                                       .text(a.limitedBy.rawValue), .int(a.usedBytes), a.nextBytes.map(Value.int) ?? .null,
                                       .int(spec.stateBytes(batch: 1, dtype: plan.state)), .bool(a.fits)],
                          inapplicable: EstimateColumns.inapplicable(spec, plan))
            try output.emit(report)
        } else if let budget {
            let a = spec.maxContext(budgetBytes: budget, batch: batch, dtypes: plan, scope: scope,
                                    prefillChunkTokens: prefillChunk, runtimeOverheadBytes: overhead)
            var report = Report(
                title: "Longest context: \(spec.id), batch \(batch)",
                columns: common + [Column("batch", .count), Column("max_context_tokens", .tokens),
                                   Column("limited_by", .text), Column("used_bytes", .bytes),
                                   Column("next_token_bytes", .bytes), Column("state_bytes", .bytes), Column("fits", .text),
                                   Column("memory_max_context_tokens", .tokens), Column("model_context_limit_tokens", .tokens)],
                notes: notes(a.limitedBy == .toolLimit
                             ? "memory does not bind below the tool's limit of \(Limits.maxContextTokens) tokens"
                             : a.limitedBy == .modelContextLimit
                             ? "memory would hold \(a.memoryValue ?? a.value) tokens; the model's own limit (max_position_embeddings) is \(a.value)"
                             : a.fits ? nil : FitText.capacity(a, unit: "token")),
                isSingle: true)
            report.append(commonRow + [.int(Int128(batch)), .int(Int128(a.value)), .text(a.limitedBy.rawValue),
                                       .int(a.usedBytes), a.nextBytes.map(Value.int) ?? .null,
                                       .int(spec.stateBytes(batch: batch, dtype: plan.state)), .bool(a.fits),
                                       .int(Int128(a.memoryValue ?? a.value)), spec.maxPositionEmbeddings.map { .int(Int128($0)) } ?? .null],
                          inapplicable: EstimateColumns.inapplicable(spec, plan))
            try output.emit(report)
        } else if let context {
            let m = spec.memory(MemoryQuery(batch: batch, promptTokens: context, generatedTokens: generate,
                                            dtypes: plan, prefillChunkTokens: prefillChunk))
            // The smallest deployment whose busiest device holds it (runtime reserve included): one device
            // when one holds it, else the fewest devices of the smallest kind (SmallestDeployment.swift);
            // calibrated CPU hosts (host-*) describe this machine, not a deployment target.
            let devices = try store.allHardware().filter { !$0.id.hasPrefix("host-") }
            let query = MemoryQuery(batch: batch, promptTokens: context, generatedTokens: generate, dtypes: plan, prefillChunkTokens: prefillChunk)
            let choice = spec.smallestDeployment(query, among: devices)
            // When none holds it, what binds on the largest device alone: the same rule as the largest batch.
            let largest = devices.max { $0.memoryBytes < $1.memoryBytes }
            let binding = choice != nil ? nil : largest.map { hw in
                spec.maxBatch(budgetBytes: hw.memoryBytes, promptTokens: context, generatedTokens: generate, dtypes: plan,
                              scope: .everything, prefillChunkTokens: prefillChunk, runtimeOverheadBytes: hw.runtimeOverheadBytes).limitedBy
            }
            let none = largest.map { "fits no deployment of the hardware profiles: it needs \(Units.bytes(m.totalBytes)) and the largest device, \($0.id), holds \(Units.bytes($0.memoryBytes - $0.runtimeOverheadBytes)) usable; no layout of up to one node of any profile spreads it enough" }
            var extra: String? = choice == nil ? none : nil
            if let c = choice, c.layout.devices > 1 {
                extra = "no single device holds it: \(c.layout.devices) x \(c.hardware.id) as \(c.layout), \(Units.bytes(c.perDeviceBytes)) on the busiest device (pipeline stage \(c.memory.bindingStage))"
            }
            try output.emit(Report(
                title: "Smallest memory: \(spec.id), batch \(batch) at \(context) + \(generate) tokens",
                columns: [Column("model", .text), Column("batch", .count), Column("context_tokens", .tokens),
                          Column("generated_tokens", .tokens), Column("min_memory_bytes", .bytes),
                          Column("smallest_hardware", .text), Column("fits", .text), Column("limited_by", .text),
                          Column("devices", .count), Column("layout", .text), Column("per_device_bytes", .bytes)],
                rows: [[.text(spec.id), .int(Int128(batch)), .int(Int128(context)), .int(Int128(generate)),
                        .int(m.totalBytes), choice.map { .text($0.hardware.id) } ?? .null, .bool(choice != nil),
                        binding.map { .text($0.rawValue) } ?? .null,
                        choice.map { .int(Int128($0.layout.devices)) } ?? .null, choice.map { .text($0.layout.description) } ?? .null,
                        choice.map { .int($0.perDeviceBytes) } ?? .null]],
                notes: notes(extra), isSingle: true))
        }
    }

    /// `--ttft`/`--tpot`: the largest batch within the targets on --hardware (one device or the
    /// layout), or the smallest deployment serving --batch within them.
    private func targetsReport(_ spec: ModelSpec, store: ProfileStore, hardware hw: HardwareSpec?, context: Int, plan: DTypePlan, prefillChunk: Int?) throws {
        let targets = ServiceTargets(timeToFirstTokenSeconds: ttft, timePerOutputTokenSeconds: tpot)
        let q = EstimateQuery(promptTokens: context, generatedTokens: generate, batch: .max, dtypes: plan, prefillChunkTokens: prefillChunk)
        let answer: TargetAnswer?
        var title: String
        if let hw {
            let layout = try parallel.resolved() ?? .single
            try layout.checked(for: spec, on: hw, plan: plan)
            do { answer = try spec.largestBatch(meeting: targets, on: hw, q, layout: layout) } catch { throw error.cliError }
            title = "Largest batch within the targets: \(spec.id) on \(layout.devices) x \(hw.id) (\(layout))"
        } else {
            let devices = try store.allHardware().filter { !$0.id.hasPrefix("host-") }
            answer = spec.smallestDeployment(meeting: targets, batch: batch, q, among: devices)
            title = "Smallest deployment within the targets: \(spec.id), batch \(batch)"
        }
        title += " at \(context) + \(generate) tokens"
        var n = ["ttft = prefill of the batch + the first decode step; tpot = decode seconds / generated tokens (the roofline of `estimate`)",
                 "limited_by: ttft or tpot when a target stops one more sequence, else the memory constraint"]
        if answer == nil { n.insert("no deployment of the hardware profiles (up to one node each) serves batch \(batch) within the targets", at: 0) }
        func seconds(_ v: Double?) -> Value { v.map(Value.double) ?? .null }
        try output.emit(Report(
            title: title,
            columns: [Column("model", .text), Column("hardware", .text), Column("layout", .text), Column("devices", .count),
                      Column("context_tokens", .tokens), Column("generated_tokens", .tokens),
                      Column("ttft_target_seconds", .seconds), Column("tpot_target_seconds", .seconds),
                      Column("max_batch", .count), Column("limited_by", .text),
                      Column("ttft_seconds", .seconds), Column("tpot_seconds", .seconds), Column("fits", .text)],
            rows: [[.text(spec.id), answer.map { .text($0.hardwareID) } ?? .null, answer.map { .text($0.layout.description) } ?? .null,
                    answer.map { .int(Int128($0.layout.devices)) } ?? .null, .int(Int128(context)), .int(Int128(generate)),
                    seconds(ttft), seconds(tpot), .int(Int128(answer?.maxBatch ?? 0)), answer.map { .text($0.limitedBy) } ?? .null,
                    seconds(answer?.timeToFirstTokenSeconds), seconds(answer?.timePerOutputTokenSeconds), .bool((answer?.maxBatch ?? 0) >= 1)]],
            notes: n, isSingle: true))
    }

    private func notes(_ extra: String?) -> [String] {
        var n = ["context counts every token held in the cache (prompt + generated)"]
        if kvOnly { n.append("--kv-only: the recurrent state (constant in context) is reported, not budgeted; use --kv-and-state to budget it") }
        if !kvOnly && !kvAndState { n.append("activations are the estimated prefill peak (docs/CONVENTIONS.md)") }
        if let extra { n.insert(extra, at: 0) }
        return n
    }
}
