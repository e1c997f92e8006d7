// `capacity --engine vllm|vllm-0.11.1|vllm-v0|sglang`: the KV pool the engine builds at start-up and what its
// log prints (CostModel/Engine/EnginePool.swift), per device of a tensor-parallel group with --tp, per stage with --pp.

import ArgumentParser
import CostModel
import Foundation
import ProfileStore
import Reporting

extension CapacityCommand {
    func validateEngine() throws {
        if [memory != nil, hardware != nil, engineOptions.deviceMemory != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --memory, --hardware or --device-memory as the device memory")
        }
        if memory == nil && hardware == nil && engineOptions.deviceMemory == nil && engineOptions.kvCacheMemory == nil
            && engineOptions.stageKVCacheMemory == nil {
            throw ValidationError("--engine needs the device memory (--memory SIZE, --device-memory SIZE or --hardware H) or the KV budget (--kv-cache-memory SIZE)")
        }
        if context != nil || generate != 0 || batch != 1 || kvOnly || kvAndState {
            throw ValidationError("--engine answers the start-up KV pool at --max-model-len; --context, --generate, --batch, --kv-only and --kv-and-state do not apply")
        }
    }

    func runEngine(spec: ModelSpec, plan: DTypePlan, store: ProfileStore) throws {
        let hw = try hardware.map { try store.loadHardware($0) }
        let device = memory?.bytes ?? engineOptions.deviceMemory ?? hw?.memoryBytes ?? 0
        var s = engineOptions.settings(model: spec, deviceMemoryBytes: device)
        // One device of a tensor-parallel group (--tp, --layout): every rank holds the same pool;
        // with --pp each stage's ranks their own, and the engine keeps the smallest (EnginePipeline.swift).
        let layout = try parallel.resolved() ?? .single
        guard layout.expert == 1 else {
            throw CLIError.usage("--engine models tensor- and pipeline-parallel ranks (--tp, --pp); expert parallelism is not modelled for engine pools")
        }
        s.tensorParallel = layout.tensor
        s.pipelineParallel = layout.pipeline
        if engineOptions.stageKVCacheMemory != nil && layout.pipeline == 1 {
            throw CLIError.usage("--stage-kv-cache-memory needs --pp 2 or more (one budget per stage); use --kv-cache-memory for one stage")
        }
        guard s.maxModelLen >= 1 else {
            throw CLIError.usage("--max-model-len is needed: \(spec.id) states no max_position_embeddings to default to")
        }
        let pipeline: EnginePipelinePool
        do {
            pipeline = try spec.enginePipelinePool(s, plan: plan)
        } catch {
            throw CLIError.usage("--engine \(s.engine.rawValue) for \(spec.id): \(error.description); refusing rather than guessing")
        }
        let pool = pipeline.deployment
        let budgetGiven = engineOptions.kvCacheMemory != nil || engineOptions.stageKVCacheMemory != nil
        var notes = ["rules of \(pool.engine.version) (docs/research/engine-rules.md); weights as the engine loads them include the RoPE cos/sin cache"]
        if pool.kvBudgetBytes <= 0 { notes.insert("the weights and the reserve leave no memory for the KV pool", at: 0) }
        if pool.statePoolBytes > 0 {
            notes.append("the mamba pool of \(engineOptions.maxMambaCacheSize ?? 512) requests (max_mamba_cache_size) x \(pool.stateBytesPerRequest) B x \(pool.stateLayers) Gated DeltaNet layers = \(pool.statePoolBytes) B comes off the budget before the KV cells")
        }
        if pipeline.stages.count > 1 {
            notes.append("each stage's ranks build the pool of their own layers; every worker keeps the smallest block count, stage \(pipeline.bindingStage)'s (the \"all\" row)")
        }
        if !budgetGiven && engineOptions.reserve == nil {
            notes.append(pool.engine == .sglang
                         ? "reserve 0: SGLang keeps activations and CUDA graphs in 1 - mem_fraction_static"
                         : "reserve is this tool's activation estimate for the profile run; pass --engine-reserve (activation peak + non_torch_memory from the log) to reproduce a log")
        }
        var columns = [Column("model", .text), Column("engine", .text), Column("engine_version", .text),
                       Column("weight_format", .text), Column("kv_format", .text),
                       Column("device_memory_bytes", .bytes), Column("memory_fraction", .ratio),
                       Column("engine_weight_bytes", .bytes), Column("reserve_bytes", .bytes),
                       Column("kv_budget_bytes", .bytes), Column("block_size_tokens", .tokens), Column("kv_layers", .count),
                       Column("block_bytes", .bytes), Column("gpu_blocks", .count), Column("kv_pool_tokens", .tokens),
                       Column("max_model_len_tokens", .tokens), Column("blocks_per_request", .count),
                       Column("max_concurrency", .ratio), Column("log_line", .text)]
        func row(_ p: EnginePool) -> [Value] {
            [.text(spec.id), .text(p.engine.rawValue), .text(p.engine.version),
             .text(plan.weightFormatName), .text(plan.kvFormatName),
             budgetGiven ? .null : .int(device), p.memoryFraction.map(Value.double) ?? .null,
             p.engineWeightBytes.map(Value.int) ?? .null, p.reserveBytes.map(Value.int) ?? .null,
             .int(p.kvBudgetBytes), .int(Int128(p.blockTokens)), .int(Int128(p.kvLayers)),
             .int(p.blockBytes), .int(p.blocks), .int(p.tokens), .int(Int128(p.maxModelLen)),
             .int(p.blocksPerRequest), .double(p.maxConcurrency), .text(Self.logLine(p))]
        }
        var rows = [row(pool)]
        if pipeline.stages.count > 1 {
            // One row per stage (its layers), then the deployment: the binding stage's pool.
            columns.insert(contentsOf: [Column("stage", .text), Column("stage_layers", .text)], at: 0)
            // A stage's workers log only their budget; the pool lines come from the unified (binding) count.
            rows = zip(pipeline.stages, pipeline.stageLayers).enumerated().map { k, sp in
                var r: [Value] = [.text(String(k)), .text("\(sp.1.lowerBound)-\(sp.1.upperBound - 1)")] + row(sp.0)
                r[r.count - 1] = .text(String(format: "Available KV cache memory: %.2f GiB", Double(sp.0.kvBudgetBytes) / Double(1 << 30)))
                return r
            } + [[.text("all"), .text("0-\(spec.layers - 1)")] + row(pool)]
        }
        let report = Report(
            title: "Engine KV pool: \(spec.id) on \(pool.engine.version)" + (pipeline.stages.count > 1 ? " over \(pipeline.stages.count) pipeline stages" : ""),
            columns: columns, rows: rows, notes: notes, isSingle: pipeline.stages.count == 1)
        try output.emit(report)
    }

    /// The start-up lines the engine prints for this pool, in its own format.
    static func logLine(_ p: EnginePool) -> String {
        let conc = String(format: "%.2fx", p.maxConcurrency)
        // vLLM formats with `{:,}`: thousands separated by commas.
        let grouped = { (n: Int128) -> String in
            var digits = String(n), out = ""
            while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
            return digits + out
        }
        switch p.engine {
        case .vllm, .vllm0111:
            let padding = p.paddingLayers > 0 ? "Add \(p.paddingLayers) padding layers; " : ""
            return padding + "GPU KV cache size: \(grouped(p.tokens)) tokens; Maximum concurrency for \(grouped(Int128(p.maxModelLen))) tokens per request: \(conc)"
        case .vllmV0:
            return "# GPU blocks: \(p.blocks); Maximum concurrency for \(p.maxModelLen) tokens per request: \(conc)"
        case .sglang:
            return "KV Cache is allocated. #tokens: \(p.tokens)"
        case .exact:
            return ""
        }
    }
}
