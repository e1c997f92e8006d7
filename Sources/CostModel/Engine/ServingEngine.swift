// The serving engines whose KV-pool rules are modelled, each pinned to the release whose source was
// read (docs/research/engine-rules.md), and the inputs their start-up sizing takes. The rules
// themselves are in EnginePool.swift.

/// A serving engine and the release whose memory rules are modelled.
public enum ServingEngine: String, CaseIterable, Sendable, Hashable {
    /// No engine: the exact token count of the memory model (the default everywhere).
    case exact
    /// vLLM's V0 engine as released in 0.6.4.post1 (`worker/worker.py` determine_num_available_blocks).
    case vllmV0 = "vllm-v0"
    /// vLLM's V1 engine as released in 0.10.1.1 (`v1/worker/gpu_worker.py`, `v1/core/kv_cache_utils.py`).
    case vllm
    /// vLLM's V1 engine as released in 0.11.1: the 0.10.1.1 pool rules plus its hybrid rule for
    /// fixed-state layers (`model_executor/models/config.py` HybridAttentionMambaModelConfig), modelled
    /// for Kimi delta attention (the one hybrid whose published log reproduces).
    case vllm0111 = "vllm-0.11.1"
    /// SGLang 0.5.2 (`srt/model_executor/model_runner.py` profile_max_num_token).
    case sglang

    /// The release whose source the rules are read from.
    public var version: String {
        switch self {
        case .exact: "yocoprof memory model (no engine)"
        case .vllmV0: "vLLM 0.6.4.post1 (V0 engine)"
        case .vllm: "vLLM 0.10.1.1 (V1 engine)"
        case .vllm0111: "vLLM 0.11.1 (V1 engine)"
        case .sglang: "SGLang 0.5.2"
        }
    }

    /// The default block (vLLM) or page (SGLang) size in tokens.
    public var defaultBlockTokens: Int {
        switch self {
        case .exact, .sglang: 1
        case .vllmV0, .vllm, .vllm0111: 16
        }
    }

    /// The memory fraction the engine takes when none is given: vLLM's `gpu_memory_utilization`
    /// default 0.9 (0.6.4 engine/arg_utils.py; 0.10.1.1 config/cache.py); SGLang's
    /// `mem_fraction_static` default from its table of reserved MiB by device memory
    /// (server_args.py l.449-498), rounded to 3 decimals as the source rounds it.
    public func defaultMemoryFraction(deviceMemoryBytes: Int128, parallelSize: Int) -> Double {
        switch self {
        case .exact: return 1
        case .vllmV0, .vllm, .vllm0111: return 0.9
        case .sglang:
            let gib = Double(deviceMemoryBytes) / Double(1 << 30)
            let p = Double(parallelSize)
            let reservedMiB: Double
            if gib < 35 { reservedMiB = (2.8 + p / 10) * 1024 }
            else if gib < 90 { reservedMiB = (9.5 + p / 2) * 1024 }
            else if gib < 160 { reservedMiB = (12 + p / 2) * 1024 }
            else { reservedMiB = 32 * 1024 }
            let mib = gib * 1024
            return ((mib - reservedMiB) / mib * 1000).rounded() / 1000
        }
    }
}

/// What an engine's start-up sizing takes besides the model.
public struct EngineSettings: Sendable, Hashable {
    public var engine: ServingEngine
    /// vLLM: the device's total memory (`torch.cuda.mem_get_info` total); SGLang: the free memory at
    /// start, before the weights load.
    public var deviceMemoryBytes: Int128
    /// `gpu_memory_utilization` (vLLM) or `mem_fraction_static` (SGLang); nil: the engine's default.
    public var memoryFraction: Double?
    /// Memory the engine holds besides weights and the KV pool. vLLM: the profiled activation peak
    /// plus non-torch memory (NCCL, cuBLAS workspaces), what its log prints as activation peak and
    /// non_torch_memory. SGLang: memory taken at start besides the weights (its activations and
    /// CUDA graphs live in 1 - mem_fraction_static). nil: `defaultReserveBytes`.
    public var reserveBytes: Int128?
    /// The KV budget given directly (vLLM >= 0.11's `--kv-cache-memory`, or the "Available KV cache
    /// memory" a log prints); when set, device memory, fraction, weights and reserve are not used.
    public var kvCacheMemoryBytes: Int128?
    /// Block (page) size in tokens; nil: the engine's default.
    public var blockTokens: Int?
    /// `max_model_len` (SGLang `context_len`): the request length for the maximum concurrency.
    public var maxModelLen: Int
    /// vLLM V1's `max_num_batched_tokens`: sizes a sliding window's or a chunk's per-request blocks.
    public var maxBatchedTokens: Int
    /// Tensor-parallel ranks: KV heads per rank = max(1, Hkv / tp) (replicated when TP > Hkv).
    public var tensorParallel: Int
    /// SGLang's `max_mamba_cache_size`: requests whose state the mamba pool holds (nil: its
    /// `--max-running-requests`, else 512; model_runner.py l.312-318).
    public var stateRequests: Int?
    /// SGLang's `--mamba-ssm-dtype` for the recurrent state (nil: float32, server_args.py l.396).
    public var stateDType: DType?
    /// Pipeline stages (`enginePipelinePool`; `enginePool` answers one stage and needs 1).
    public var pipelineParallel: Int
    /// Each stage's KV budget (a rank of each stage's logged "Available KV cache memory"), in place
    /// of `kvCacheMemoryBytes` for all stages; nil: that, or the budget from device memory.
    public var stageKVCacheMemoryBytes: [Int128]?
    /// Full-attention KV layers a speculative-decoding drafter adds to the pool (EAGLE heads: 1),
    /// with the geometry of the target's first full-attention slot.
    public var draftLayers: Int

    public init(engine: ServingEngine, deviceMemoryBytes: Int128, memoryFraction: Double? = nil, reserveBytes: Int128? = nil,
                kvCacheMemoryBytes: Int128? = nil, blockTokens: Int? = nil, maxModelLen: Int, maxBatchedTokens: Int = 8192,
                tensorParallel: Int = 1, draftLayers: Int = 0, pipelineParallel: Int = 1, stageKVCacheMemoryBytes: [Int128]? = nil,
                stateRequests: Int? = nil, stateDType: DType? = nil) {
        self.engine = engine
        self.deviceMemoryBytes = deviceMemoryBytes
        self.memoryFraction = memoryFraction
        self.reserveBytes = reserveBytes
        self.kvCacheMemoryBytes = kvCacheMemoryBytes
        self.blockTokens = blockTokens
        self.maxModelLen = maxModelLen
        self.maxBatchedTokens = maxBatchedTokens
        self.tensorParallel = tensorParallel
        self.draftLayers = draftLayers
        self.pipelineParallel = pipelineParallel
        self.stageKVCacheMemoryBytes = stageKVCacheMemoryBytes
        self.stateRequests = stateRequests
        self.stateDType = stateDType
    }
}
