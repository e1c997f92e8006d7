// `--engine` and the serving engine's start-up inputs (CostModel/Engine/): the KV pool a vLLM or
// SGLang start-up log reports, from the same inputs the engine takes or logs.

import ArgumentParser
import CostModel
import Foundation

extension ServingEngine: ExpressibleByArgument {}

struct EngineOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Serving engine whose KV-pool rules answer: exact (the memory model, default), vllm (\(ServingEngine.vllm.version)), vllm-0.11.1 (\(ServingEngine.vllm0111.version); also Kimi-Linear's delta-attention state pages), vllm-v0 (\(ServingEngine.vllmV0.version)), sglang (\(ServingEngine.sglang.version)).",
        valueName: "engine"))
    var engine: ServingEngine = .exact

    @Option(name: .customLong("max-model-len"), help: ArgumentHelp(
        "Request length for the maximum concurrency (vLLM max_model_len, SGLang context_len; default: the model's max_position_embeddings).",
        valueName: "tokens"), transform: Quantities.tokens)
    var maxModelLen: Int?

    @Option(name: [.customLong("gpu-memory-utilization"), .customLong("mem-fraction-static")], help: ArgumentHelp(
        "Fraction of device memory the engine takes (vLLM gpu_memory_utilization, default 0.9; SGLang mem_fraction_static, default from its table by device memory).",
        valueName: "fraction"))
    var memoryFraction: Double?

    @Option(name: .customLong("engine-reserve"), help: ArgumentHelp(
        "Memory the engine holds besides weights and KV: vLLM's activation peak + non_torch_memory from its log (default: this tool's activation estimate for the profile run, nothing for non-torch); SGLang's other start-up memory (default 0). Fractions of GiB/MiB/GB round to whole bytes (logs print 2 decimals).",
        valueName: "size"), transform: Quantities.loggedBytes)
    var reserve: Int128?

    @Option(name: .customLong("device-memory"), help: ArgumentHelp(
        "Device memory as the log prints it (vLLM total_gpu_memory, SGLang free memory at start), in place of --memory or --hardware; fractions of GiB/MiB/GB round to whole bytes.",
        valueName: "size"), transform: Quantities.loggedBytes)
    var deviceMemory: Int128?

    @Option(name: .customLong("kv-cache-memory"), help: ArgumentHelp(
        "The KV budget directly (vLLM --kv-cache-memory, or the log's \"Available KV cache memory\"); device memory, fraction, weights and reserve are then not used.",
        valueName: "size"), transform: Quantities.loggedBytes)
    var kvCacheMemory: Int128?

    @Option(name: .customLong("stage-kv-cache-memory"), help: ArgumentHelp(
        "With --pp: each stage's KV budget, comma-separated in stage order (a rank of each stage's logged \"Available KV cache memory\"), e.g. 12.13GiB,11.33GiB.",
        valueName: "size,size"), transform: { try $0.split(separator: ",").map { try Quantities.loggedBytes(String($0)) } })
    var stageKVCacheMemory: [Int128]?

    @Option(name: .customLong("block-size"), help: ArgumentHelp("Tokens per KV block (vLLM, default 16) or page (SGLang, default 1).", valueName: "tokens"))
    var blockSize: Int?

    @Option(name: .customLong("max-num-batched-tokens"), help: ArgumentHelp(
        "vLLM V1 max_num_batched_tokens: sizes a sliding window's blocks per request and the default reserve (default 8192; needs --engine vllm).",
        valueName: "tokens"), transform: Quantities.tokens)
    var maxBatchedTokens: Int?

    /// vLLM V1's default max_num_batched_tokens.
    static let defaultMaxBatchedTokens = 8192

    @Option(name: .customLong("draft-layers"), help: ArgumentHelp(
        "KV layers a speculative-decoding drafter adds to the pool (EAGLE: 1), with the target's attention geometry (vLLM; default 0).",
        valueName: "n"))
    var draftLayers: Int = 0

    @Option(name: .customLong("max-mamba-cache-size"), help: ArgumentHelp(
        "SGLang max_mamba_cache_size: requests whose Gated DeltaNet state the pool holds (Qwen3-Next; default 512, SGLang's default without --max-running-requests).",
        valueName: "requests"))
    var maxMambaCacheSize: Int?

    @Option(name: .customLong("mamba-ssm-dtype"), help: ArgumentHelp(
        "SGLang --mamba-ssm-dtype for the recurrent state: fp32 (default) or bf16.", valueName: "dtype"))
    var mambaSSMDType: DType?

    /// Some engine input was given (they need --engine).
    var anyEngineInput: Bool {
        maxModelLen != nil || memoryFraction != nil || deviceMemory != nil || reserve != nil || kvCacheMemory != nil || stageKVCacheMemory != nil || blockSize != nil
            || maxBatchedTokens != nil || draftLayers != 0 || maxMambaCacheSize != nil || mambaSSMDType != nil
    }

    func validate() throws {
        if engine == .exact && anyEngineInput {
            throw ValidationError("--max-model-len, --gpu-memory-utilization, --device-memory, --engine-reserve, --kv-cache-memory, --stage-kv-cache-memory, --block-size, --max-mamba-cache-size, --mamba-ssm-dtype, --max-num-batched-tokens and --draft-layers need --engine vllm|vllm-0.11.1|vllm-v0|sglang")
        }
        if let f = memoryFraction, !(f > 0 && f <= 1) { throw ValidationError("--gpu-memory-utilization must be in (0, 1]; received \(f)") }
        if let b = blockSize, b < 1 { throw ValidationError("--block-size must be at least 1; received \(b)") }
        if draftLayers < 0 { throw ValidationError("--draft-layers must be 0 or more; received \(draftLayers)") }
        if (maxMambaCacheSize != nil || mambaSSMDType != nil) && engine != .exact && engine != .sglang {
            throw ValidationError("--max-mamba-cache-size and --mamba-ssm-dtype are SGLang's inputs; they need --engine sglang")
        }
        if let n = maxMambaCacheSize, n < 0 { throw ValidationError("--max-mamba-cache-size must be 0 or more; received \(n)") }
        if let d = mambaSSMDType, d != .fp32 && d != .bf16 { throw ValidationError("--mamba-ssm-dtype must be fp32 or bf16 (SGLang's choices); received \(d.rawValue)") }
        if kvCacheMemory != nil && stageKVCacheMemory != nil { throw ValidationError("give --kv-cache-memory (every stage) or --stage-kv-cache-memory (one per stage), not both") }
        if let m = maxModelLen, m < 1 { throw ValidationError("--max-model-len must be at least 1; received \(m)") }
    }

    func settings(model: ModelSpec, deviceMemoryBytes: Int128) -> EngineSettings {
        EngineSettings(engine: engine, deviceMemoryBytes: deviceMemoryBytes, memoryFraction: memoryFraction, reserveBytes: reserve,
                       kvCacheMemoryBytes: kvCacheMemory, blockTokens: blockSize,
                       maxModelLen: maxModelLen ?? model.maxPositionEmbeddings ?? 0, maxBatchedTokens: maxBatchedTokens ?? Self.defaultMaxBatchedTokens,
                       draftLayers: draftLayers, stageKVCacheMemoryBytes: stageKVCacheMemory,
                       stateRequests: maxMambaCacheSize, stateDType: mambaSSMDType)
    }
}
