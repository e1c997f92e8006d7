// How a serving engine sizes its KV pool at start-up, and what it then logs: the tokens the pool
// holds and the maximum concurrency at `max_model_len` (docs/research/engine-rules.md, with the
// source lines of each release).
//
// Legend: M device memory (vLLM: total; SGLang: free at start), u the memory fraction, W the weights
// as the engine loads them, R the reserve (vLLM: activation peak + non-torch; SGLang: other start-up
// memory), bs the block (page) size, n the KV layers (each slot that owns K/V, drafter layers
// included; layers reading another's slot own none), page = bs * Hkv/rank * (dk + dv) * bytes.
//   budget    vLLM V0/V1: M*u - W - R          SGLang: M*u - W - R (its rest_memory: free memory
//             after loading minus M*(1-u))     given: --kv-cache-memory
//             R defaults: defaultReserveBytes (stated there)
//   V0        blocks = floor(budget / (page * n)); tokens = blocks * bs;
//             concurrency = blocks * bs / max_model_len (the log's plain ratio, no rounding)
//   V1        one spec type: blocks = floor(budget / page / n); tokens = blocks * bs;
//             concurrency = blocks / ceil(max_model_len / bs) (each request whole blocks)
//             full + sliding/chunked, one page size: group = fewest layers of a type, groups =
//             sum ceil(count / group); blocks = floor(budget / page / group); tokens =
//             floor(blocks / groups) * bs; per request = sum over groups of its blocks at
//             max_model_len (full ceil(mml/bs); sliding ceil(min(W-1+mbt, mml)/bs)+1; chunked
//             ceil(min(C+mbt, mml)/bs)); concurrency = blocks / per request
//   SGLang    cell = sum over full-attention slots of Hkv/rank * (dk + dv) * bytes;
//             tokens = floor(budget / cell), rounded down to whole pages; concurrency =
//             tokens / (ceil(max_model_len / page) * page)
// Weights as the engine loads them: one tensor-parallel rank's parameters (Deployment/; with the
// plan's format applied to the rank's matrices) plus the RoPE cos/sin
// cache, max_position_embeddings x dk in the 16-bit dtype, one per model (vLLM registers it as a
// non-persistent buffer and shares it between layers: rotary_embedding.py 0.6.4 l.95-119, 943-975);
// reproduces vLLM's "Loading model weights took 14.9888 GB" for Llama-3.1-8B exactly.
// Latent attention (MLA): one latent of r + dr elements per token and layer, replicated on every
// tensor-parallel rank, as a full-attention layer of that width: vLLM V1 page = bs * (r + dr) *
// bytes (kv_cache_interface.py MLA coef 1, l.58-70; block 64 by default, FlashMLA), SGLang cell =
// (r + dr) * layers * bytes (model_runner.py l.1092-1133).
// Fixed-state layers, vLLM 0.11.1 (HybridAttentionMambaModelConfig in model_executor/models/
// config.py l.313-440, MambaSpec in v1/kv_cache_interface.py l.242-263, kv_cache_utils.py
// l.974-999 and 1056): m = one request's state in one layer on this rank (Kimi delta attention:
// kda_state_shape / kda_state_dtype, mamba_utils.py l.84-90, 196-226: 3 convs of (K - 1) x h dh/tp
// in the model dtype + h/tp x dh x dh in float32), a1 = the attention page of one token;
//   bs = align * ceil(m / (align * a1)), align 64 with MLA (not CUTLASS MLA) else 16, unless the
//        user's block is larger; the state page padded to bs * a1 = page
//   the state layers are one more spec type of the grouping above; a state group needs one page
//        per request (its block is max_model_len without prefix caching); tokens = floor(blocks /
//        groups) * min(bs, max_model_len); "Add N padding layers" = groups * group - layers
// Reproduces vllm-28228 (Kimi-Linear, tp 2): 75,840 tokens, 2.48x at 120,000 (EngineLogTests).
// SGLang 0.5.2, Qwen3-Next's Gated DeltaNet (model_runner.py l.1092-1133, configs/qwen3_next.py
// l.285-326): state pool = max_mamba_cache_size (default 512) x per request (conv in bf16 +
// recurrent in --mamba-ssm-dtype, float32 by default, over the linear layers); tokens =
// floor((budget - state pool) / cell over the full-attention layers). Sourced; no published log.
// Not modelled, refused by name: fixed-state layers under vLLM 0.10.1.1 and V0, fixed-state kinds
// other than KDA (vLLM 0.11.1) and GDN (SGLang), prefix caching on hybrids,
// latent attention on V0 0.6.4 (it pads the head to 256), slots of different page sizes, integer
// KV formats, SGLang's sliding-window pool and drafter.

/// Why an engine rule cannot answer for this model or these settings.
public struct EngineRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    public var engine: ServingEngine
    public var constraint: String
    public var description: String { "\(engine.version): \(constraint)" }
}

/// What an engine's start-up sizing gives.
public struct EnginePool: Sendable, Hashable {
    public var engine: ServingEngine
    public var memoryFraction: Double?
    /// W: weights as the engine loads them (nil when the KV budget was given).
    public var engineWeightBytes: Int128?
    /// R (nil when the KV budget was given).
    public var reserveBytes: Int128?
    /// The KV budget: what vLLM logs as "Available KV cache memory" (V0: kv_cache_size).
    public var kvBudgetBytes: Int128
    public var blockTokens: Int
    /// KV layers holding blocks (drafter layers included).
    public var kvLayers: Int
    /// Bytes of one block over every KV layer (vLLM's cache block size; SGLang: a page of cells).
    public var blockBytes: Int128
    /// vLLM's "# GPU blocks" (SGLang: pages).
    public var blocks: Int128
    /// "GPU KV cache size: N tokens" (SGLang: max_total_num_tokens).
    public var tokens: Int128
    public var maxModelLen: Int
    /// Blocks one request of max_model_len needs (per the engine's rule).
    public var blocksPerRequest: Int128
    /// "Maximum concurrency for max_model_len tokens per request".
    public var maxConcurrency: Double
    /// Fixed-state layers holding one state page per request (vLLM 0.11.1 hybrids; 0 otherwise).
    public var stateLayers: Int = 0
    /// One request's state in one such layer on this rank, before padding to the attention page.
    public var stateBytesPerRequest: Int128 = 0
    /// Layers vLLM adds to fill each layer type's last group ("Add N padding layers").
    public var paddingLayers: Int = 0
    /// SGLang's mamba pool: max_mamba_cache_size x one request's state over every state layer,
    /// taken from the budget before the KV cells.
    public var statePoolBytes: Int128 = 0
}

extension ModelSpec {
    /// The RoPE cos/sin cache the engine allocates beside the weights: max_position_embeddings x dk
    /// in the 16-bit dtype; none with learned positions or without attention.
    public func ropeCacheBytes(plan: DTypePlan) -> Int128 {
        guard positionEmbeddingRows == 0, let a = primaryAttention, let positions = maxPositionEmbeddings else { return 0 }
        return plan.weights.bytes(elements: Int128(positions) * Int128(a.headDim))
    }

    /// R when none is given. vLLM: this tool's prefill-activation estimate (Memory.swift) for the
    /// profile run's tokens at batch 1 (V1: max_num_batched_tokens; V0 without chunked prefill:
    /// max(max_model_len, 2048), 0.6.4 config.py) and nothing for non-torch memory; the engine
    /// measures both, so pass its logged figures for an exact answer. SGLang: 0 (its activations and
    /// CUDA graphs live in 1 - mem_fraction_static).
    public func defaultReserveBytes(_ s: EngineSettings, plan: DTypePlan) -> Int128 {
        switch s.engine {
        case .exact, .sglang: return 0
        case .vllm, .vllm0111: return activationBytes(batch: 1, promptTokens: s.maxBatchedTokens, chunkTokens: nil, dtype: plan.activations)
        case .vllmV0: return activationBytes(batch: 1, promptTokens: max(s.maxModelLen, 2048), chunkTokens: nil, dtype: plan.activations)
        }
    }

    /// The KV pool an engine builds at start-up for this model on one device.
    public func enginePool(_ s: EngineSettings, plan: DTypePlan) throws(EngineRuleError) -> EnginePool {
        let e = s.engine
        func refuse(_ why: String) -> EngineRuleError { EngineRuleError(engine: e, constraint: why) }
        guard e != .exact else { throw refuse("the exact memory model has no pool; pick vllm, vllm-0.11.1, vllm-v0 or sglang") }
        guard s.maxModelLen >= 1 else { throw refuse("max_model_len must be at least 1") }
        guard s.tensorParallel >= 1 else { throw refuse("tensor parallelism must be at least 1") }
        guard s.pipelineParallel == 1 else { throw refuse("pipeline parallelism: one stage's pool is enginePool's answer; enginePipelinePool builds every stage's") }
        if case .integer = plan.kvFormat { throw refuse("integer KV formats are not a cache dtype of this release (fp8 only)") }
        let bytesPerElement: Int128 = plan.kvFormat != nil ? 1 : Int128(plan.kvCache.bits / 8)
        guard plan.kvFormat != nil || plan.kvCache.bits % 8 == 0 else { throw refuse("kv dtype \(plan.kvCache.rawValue) is not a cache dtype of this release") }

        // One tensor-parallel rank (Deployment/: heads, KV heads, FFN and vocabulary split; KV heads
        // replicated when TP exceeds them), whose KV layers with their span and per-token bytes follow.
        do { try ParallelLayout(tensor: s.tensorParallel).check(for: self) } catch { throw refuse("tensor parallelism \(s.tensorParallel): \(error.description)") }
        let rank = tensorShard(s.tensorParallel)
        var layers: [(span: AttentionSpan, bytesPerToken: Int128, count: Int)] = []
        var latent = false
        // Fixed-state layers (vLLM 0.11.1 only): the state one request keeps per layer on this rank.
        var stateLayers = 0
        var stateBytes: Int128 = 0
        for run in rank.cacheRuns {
            switch run.kind {
            case .keyValue(let g):
                layers.append((g.span, Int128(g.heads) * Int128(g.keyDim + g.valueDim) * bytesPerElement, run.count))
            case .latent(let elements):
                // One latent of r + dr per token and layer, whole on every rank (vLLM's
                // get_num_kv_heads is 1 for MLA; SGLang's MLA pool has no head axis).
                guard e != .vllmV0 else { throw refuse("latent-attention (MLA) layers: this release pads DeepSeek-V2's head to 256 and keeps per-head K/V (config.py l.577-581), a layout not modelled") }
                latent = true
                layers.append((.full, Int128(elements) * bytesPerElement, run.count))
            case .fixedState(let st) where e == .sglang:
                // SGLang 0.5.2's hybrid GDN (Qwen3-Next, is_hybrid_gdn): configs/qwen3_next.py
                // hybrid_gdn_params l.285-315 and mamba_cache_per_req l.317-326: the conv state
                // (2 nk dk + nv dv)/tp x (K - 1) in bfloat16, the recurrent nv/tp x dk x dv in
                // --mamba-ssm-dtype (float32 by default), per linear layer.
                guard st.kind == .gatedDeltaNet else {
                    throw refuse("\(st.kind.rawValue) layers: this release's mamba pool serves Qwen3-Next's Gated DeltaNet only (is_hybrid_gdn); not modelled")
                }
                let ssm = s.stateDType ?? .fp32
                let bytes = DType.bf16.bytes(elements: st.convElements) + ssm.bytes(elements: st.recurrentElements)
                guard stateLayers == 0 || bytes == stateBytes else { throw refuse("fixed-state layers of different state sizes are not modelled") }
                stateBytes = bytes
                stateLayers += run.count
            case .fixedState(let st):
                guard e == .vllm0111 else {
                    throw refuse("fixed-state (recurrent) layers: this release's state pages (MambaSpec padded to the attention page with 16-token alignment in vLLM 0.10.1.1; a per-sequence state cache in V0) are checked against no published log; Kimi delta attention is modelled under vllm-0.11.1, Qwen3-Next's Gated DeltaNet under sglang")
                }
                guard st.kind == .kimiDelta else {
                    throw refuse("\(st.kind.rawValue) layers: vLLM 0.11.1's state page for this kind (mamba_utils.py MambaStateShapeCalculator; its ssm dtype from mamba_ssm_cache_dtype or the model) is reproduced by no published start-up log; only Kimi delta attention is")
                }
                // kda_state_dtype (mamba_utils.py): the three conv states in the model dtype
                // (mamba_cache_dtype auto), the recurrent state always in float32; kda_state_shape:
                // conv (K - 1) x h dh / tp for each of q, k, v, recurrent h / tp x dh x dh.
                let bytes = plan.activations.bytes(elements: st.convElements) + DType.fp32.bytes(elements: st.recurrentElements)
                guard stateLayers == 0 || bytes == stateBytes else { throw refuse("fixed-state layers of different state sizes are not modelled") }
                stateBytes = bytes
                stateLayers += run.count
            default:
                // Gated retention (YOCO): the refusal as before this engine version modelled any state page.
                throw refuse("fixed-state (recurrent) layers: the engine's state pages (vLLM's MambaSpec padded to the attention page, with the attention block raised to match; SGLang's mamba pool of max_mamba_cache_size requests) are not modelled")
            }
        }
        if latent, !layers.allSatisfy({ $0.bytesPerToken == layers[0].bytesPerToken }) {
            throw refuse("latent-attention layers beside K/V layers of another page size are not modelled")
        }
        if s.draftLayers > 0 {
            guard e != .sglang else { throw refuse("the speculative drafter's pool is not modelled for this engine") }
            guard stateLayers == 0 else { throw refuse("a speculative drafter on a model with fixed-state layers (vLLM 0.11.1 raises NotImplementedError except for qwen3_next, mamba/abstract.py)") }
            guard let full = layers.first(where: { $0.span == .full }) else { throw refuse("a drafter needs a full-attention layer to copy") }
            layers.append((.full, full.bytesPerToken, s.draftLayers))
        }
        guard let perToken = layers.first?.bytesPerToken else {
            throw refuse(stateLayers > 0 ? "a model of fixed-state layers only (no attention page to align the state page to) is not modelled" : "the model keeps no K/V cache")
        }
        guard layers.allSatisfy({ $0.bytesPerToken == perToken }) else {
            throw refuse("KV layers of different page sizes (head counts or dims differ) are not modelled")
        }
        let n = layers.reduce(0) { $0 + $1.count }
        // vLLM V1 forces block 64 on latent attention (FlashMLA, before Blackwell; platforms/cuda.py
        // l.142-177): pass --block-size for other backends (16 with Triton MLA, 128 with CUTLASS MLA).
        var bs = s.blockTokens ?? (latent && (e == .vllm || e == .vllm0111) ? 64 : e.defaultBlockTokens)
        guard bs >= 1 else { throw refuse("block size must be at least 1") }
        // vLLM 0.11.1 hybrids (HybridAttentionMambaModelConfig, model_executor/models/config.py):
        // the attention block is raised to the smallest multiple of the kernel alignment (64 for
        // MLA outside CUTLASS MLA, else 16) whose page holds one state page, unless the user's is
        // larger; the state page is padded to the attention page. This is the rule without prefix
        // caching (models lacking SupportsMambaPrefixCaching, Kimi-Linear among them, have it
        // turned off), where a state group's block is max_model_len (mamba_block_size).
        if stateLayers > 0 && e == .vllm0111 {
            let align = Int128(latent ? 64 : 16)
            let hybrid = Int(align * ((stateBytes + align * perToken - 1) / (align * perToken)))
            if s.blockTokens == nil || s.blockTokens! < hybrid { bs = hybrid }
        }

        // The budget.
        var fraction: Double?, weights: Int128?, reserve: Int128?
        let budget: Int128
        if let given = s.kvCacheMemoryBytes {
            budget = given
        } else {
            let u = s.memoryFraction ?? e.defaultMemoryFraction(deviceMemoryBytes: s.deviceMemoryBytes, parallelSize: s.tensorParallel)
            guard u > 0 && u <= 1 else { throw refuse("the memory fraction must be in (0, 1]; received \(u)") }
            fraction = u
            let w = rank.weightBytes(plan: plan).values.reduce(0, +) + ropeCacheBytes(plan: plan)
            let r = s.reserveBytes ?? rank.defaultReserveBytes(s, plan: plan)
            weights = w
            reserve = r
            // M * u in whole bytes (the engines compute it in floating point; a byte is below their rounding).
            budget = Int128((Double(s.deviceMemoryBytes) * u).rounded(.down)) - w - r
        }
        let cdiv = { (a: Int128, b: Int128) in (a + b - 1) / b }
        let mml = Int128(s.maxModelLen), bsL = Int128(bs)
        let page = bsL * perToken  // one layer, one block
        let positive = max(0, budget)

        switch e {
        case .exact:
            throw refuse("unreachable")
        case .vllmV0:
            let blocks = positive / (page * Int128(n))
            return EnginePool(engine: e, memoryFraction: fraction, engineWeightBytes: weights, reserveBytes: reserve,
                              kvBudgetBytes: budget, blockTokens: bs, kvLayers: n, blockBytes: page * Int128(n),
                              blocks: blocks, tokens: blocks * bsL, maxModelLen: s.maxModelLen, blocksPerRequest: cdiv(mml, bsL),
                              maxConcurrency: Double(blocks * bsL) / Double(mml))
        case .vllm, .vllm0111:
            // Layers grouped by spec type (full, each window, each chunk; nil: the fixed-state layers).
            var types: [(span: AttentionSpan?, count: Int)] = []
            for l in layers {
                if let i = types.firstIndex(where: { $0.span == l.span }) { types[i].count += l.count } else { types.append((l.span, l.count)) }
            }
            if stateLayers > 0 { types.append((nil, stateLayers)) }
            func blocksAt(_ span: AttentionSpan?) -> Int128 {
                switch span {
                case .full: cdiv(mml, bsL)
                case .sliding(let w): cdiv(min(Int128(w) - 1 + Int128(s.maxBatchedTokens), mml), bsL) + 1
                case .chunked(let c): cdiv(min(Int128(c) + Int128(s.maxBatchedTokens), mml), bsL)
                // MambaSpec.max_memory_usage_bytes: cdiv(max_model_len, mamba_block_size) pages, and
                // mamba_block_size is max_model_len without prefix caching: one page per request.
                case nil: 1
                }
            }
            let group = types.count == 1 ? n : types.map(\.count).min()!
            let groupsPerType = types.map { (Int128($0.count) + Int128(group) - 1) / Int128(group) }
            let groups = groupsPerType.reduce(0, +)
            // Layers added to fill each type's last group ("Add N padding layers", kv_cache_utils.py).
            let padding = zip(types, groupsPerType).reduce(0) { $0 + Int($1.1) * group - $1.0.count }
            let blocks = positive / page / Int128(group)
            // "GPU KV cache size": blocks // groups x the smallest group block (a state group's block
            // is max_model_len, so the attention block unless max_model_len is smaller).
            let minBlock = stateLayers > 0 ? min(bsL, mml) : bsL
            let tokens = types.count == 1 ? blocks * bsL : blocks / groups * minBlock
            // kv_cache_utils get_max_concurrency_for_kv_cache_config: L x sum over groups of the
            // group's max memory, divided by page x L, rounded up.
            let perRequest = zip(types, groupsPerType).reduce(Int128(0)) { $0 + $1.1 * blocksAt($1.0.span) }
            return EnginePool(engine: e, memoryFraction: fraction, engineWeightBytes: weights, reserveBytes: reserve,
                              kvBudgetBytes: budget, blockTokens: bs, kvLayers: n, blockBytes: page * Int128(group),
                              blocks: blocks, tokens: tokens, maxModelLen: s.maxModelLen, blocksPerRequest: perRequest,
                              maxConcurrency: Double(blocks) / Double(perRequest),
                              stateLayers: stateLayers, stateBytesPerRequest: stateBytes, paddingLayers: padding)
        case .sglang:
            guard layers.allSatisfy({ $0.span == .full }) else {
                throw refuse("the sliding-window pool (swa_full_tokens_ratio) is not modelled")
            }
            let cell = perToken * Int128(n)
            // rest_memory -= max_mamba_cache_size x mamba_cache_per_req (model_runner.py
            // l.1126-1131), then the full-attention cell divides what is left.
            let requests = Int128(s.stateRequests ?? 512)
            let statePool = requests * stateBytes * Int128(stateLayers)
            let pages = max(0, positive - statePool) / cell / bsL
            let tokens = pages * bsL
            let perRequest = cdiv(mml, bsL)
            return EnginePool(engine: e, memoryFraction: fraction, engineWeightBytes: weights, reserveBytes: reserve,
                              kvBudgetBytes: budget, blockTokens: bs, kvLayers: n, blockBytes: cell * bsL,
                              blocks: pages, tokens: tokens, maxModelLen: s.maxModelLen, blocksPerRequest: perRequest,
                              maxConcurrency: Double(pages) / Double(perRequest),
                              stateLayers: stateLayers, stateBytesPerRequest: stateBytes, statePoolBytes: statePool)
        }
    }
}
