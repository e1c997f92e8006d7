// The memory model: exact integer bytes by component (BRIEF §3, "Memory").
//
// Legend: B batch, N prompt tokens, G generated tokens, T = N + G tokens held per sequence,
// c prefill chunk (tokens of each prompt processed at once; c = N when unchunked).
// Counts:
//   weights      parameter count per class * bytes of the weight dtype, or a quantised format
//                with its scales (Storage/WeightStorage.swift)
//   KV cache     B * sum over cache slots of positions(T) * Hkv * (dk + dv) * bytes(kv dtype)
//                (latent attention: T * (r + dr) per layer);
//                a slot shared by several layers (YOCO's K̂/V̂, CLA pairs, Gemma 3n) is counted once;
//                a quantised KV format adds its scales (Storage/KVFormat.swift)
//   state        B * (gRet layers) * hR * dR * dR * bytes(state dtype), independent of T, plus for
//                each fixed-state layer (K - 1) * conv channels * bytes(state dtype) and
//                heads * keyDim * valueDim * bytes(its own state dtype, else the plan's)
//   activations  an estimate of the peak live set during prefill (assumption, see below)
//   overhead     the runtime's reserve, from the hardware profile (0 without one)
// Activation assumption: B * c tokens are in flight; each holds the residual stream (d), the
// normed input (d) and the larger of the widest mixer workspace and the feed-forward workspace (gated:
// 2F, gate and up, the product formed in place; two-matrix MLP: F), all in the activation dtype;
// plus fp32 logits for the last position of each sequence (B * V * 4 bytes). Mixer workspace:
// attention q and output (H*dk + H*dv) and, when the layer projects its own, k and v
// (Hkv*dk + Hkv*dv); gated retention q, k, v, gate, output (5*hR*dR) and the decays (hR); YOCO
// cross layers run on the last position only during prefill, so they count 1 token; a fixed-state
// mixer its projections' outputs and its inner output (projectionWidth + I). A wider-input attention
// (Zamba2's shared blocks) adds its concatenated input (2d), and such a model keeps the original
// embedding (d) live through the stack.
// Attention score tiles and BLAS scratch are not counted (kilobytes to a few MiB).

/// The inputs of a memory query.
public struct MemoryQuery: Sendable, Hashable {
    public var batch: Int
    public var promptTokens: Int
    public var generatedTokens: Int
    public var dtypes: DTypePlan
    /// Tokens of each prompt processed per prefill step; nil = the whole prompt at once.
    public var prefillChunkTokens: Int?
    /// Runtime reserve (CUDA context, allocator pools) from the hardware profile.
    public var runtimeOverheadBytes: Int128

    public init(
        batch: Int = 1, promptTokens: Int, generatedTokens: Int = 0, dtypes: DTypePlan,
        prefillChunkTokens: Int? = nil, runtimeOverheadBytes: Int128 = 0
    ) {
        self.batch = batch
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.dtypes = dtypes
        self.prefillChunkTokens = prefillChunkTokens
        self.runtimeOverheadBytes = runtimeOverheadBytes
    }

    /// T: tokens held per sequence at the end of generation.
    public var contextTokens: Int128 { Int128(promptTokens) + Int128(generatedTokens) }
}

/// Memory by component, in bytes.
public struct MemoryBreakdown: Sendable, Hashable {
    public var weightBytesByClass: [WeightClass: Int128]
    public var kvCacheBytes: Int128
    public var stateBytes: Int128
    public var activationBytes: Int128
    public var runtimeOverheadBytes: Int128

    public var weightBytes: Int128 { weightBytesByClass.values.reduce(0, +) }
    public var totalBytes: Int128 {
        weightBytes + kvCacheBytes + stateBytes + activationBytes + runtimeOverheadBytes
    }
    /// KV cache and recurrent state: what `--kv-only` budgets.
    public var cacheBytes: Int128 { kvCacheBytes + stateBytes }
}

extension ModelSpec {
    /// Bytes of every weight class in `dtype`.
    public func weightBytes(dtype: DType) -> [WeightClass: Int128] {
        parameterCount.byClass.mapValues { dtype.bytes(elements: $0) }
    }

    /// KV-cache bytes for `batch` sequences holding `tokens` tokens each.
    public func kvCacheBytes(batch: Int, tokens: Int128, dtype: DType) -> Int128 {
        let perSequence = cacheRuns.reduce(Int128(0)) { acc, run in
            run.kind.isState ? acc : acc + Int128(run.count) * dtype.bytes(elements: run.kind.elements(tokens: tokens))
        }
        return Int128(batch) * perSequence
    }

    /// Recurrent-state bytes for `batch` sequences.
    public func stateBytes(batch: Int, dtype: DType) -> Int128 {
        let perSequence = cacheRuns.reduce(Int128(0)) { acc, run in
            run.kind.isState ? acc + Int128(run.count) * run.kind.bytes(tokens: 0, kv: dtype, state: dtype) : acc
        }
        return Int128(batch) * perSequence
    }

    /// Elements of mixer workspace per token for one block (see the legend above).
    static func mixerWorkspaceElementsPerToken(_ mixer: Mixer) -> Int128 {
        switch mixer {
        case .attention(let a):
            // q and the output; k and v unless they live in another layer's (or the shared) slot
            let own = a.writesOwnSlot ? Int128(a.keyWidth + a.valueWidth) : 0
            // + the concatenated input of a wider-input attention (Zamba2's [hidden, embedding], 2d)
            return Int128(a.queryWidth + a.outputWidth) + own + (a.outputGate ? Int128(a.outputWidth) : 0) + Int128(a.inputWidth ?? 0)
        case .gatedRetention(let g):
            return 5 * Int128(g.innerWidth) + Int128(g.heads)
        case .fixedState(let m):
            return m.projectionWidth + Int128(m.innerWidth)
        case .identity:
            return 0
        case .latentAttention(let m):
            return m.workspaceElementsPerToken(m.prefillForm)
        }
    }

    /// Estimated peak activation bytes of a prefill (assumption documented at the top of this file).
    public func activationBytes(batch: Int, promptTokens: Int, chunkTokens: Int?, dtype: DType) -> Int128 {
        activationBytes(batch: batch, promptTokens: promptTokens, chunkTokens: chunkTokens, dtype: dtype,
                        runsPresent: nil, sharedProjection: true, logits: true)
    }

    /// The same estimate over part of the stack (a pipeline stage): only the runs with
    /// `runsPresent[r]` (nil: every run), the K̂/V̂ projection when `sharedProjection`, and the
    /// logits when `logits`.
    func activationBytes(batch: Int, promptTokens: Int, chunkTokens: Int?, dtype: DType,
                         runsPresent: [Bool]?, sharedProjection: Bool, logits withLogits: Bool) -> Int128 {
        guard promptTokens > 0, batch > 0 else { return 0 }
        let chunk = Int128(min(promptTokens, chunkTokens ?? promptTokens))
        let d = Int128(hiddenSize)
        var widest: Int128 = 0  // elements live per in-flight token, over all layers run on every token
        var lastOnly: Int128 = 0  // cross layers: run on the last position only
        let exit = firstCrossRun ?? runs.count
        // Zamba2 keeps the original embedding live through the stack for its shared blocks' input.
        let embeddingCopy = runs.contains { $0.block.mixer.attention?.inputWidth != nil } ? d : 0
        for (r, run) in runs.enumerated() where runsPresent?[r] ?? true {
            let ffn = Int128(run.block.feedForward.workspaceElementsPerToken)
            let width = 2 * d + embeddingCopy + max(Self.mixerWorkspaceElementsPerToken(run.block.mixer), ffn)
            if r >= exit { lastOnly = max(lastOnly, width) } else { widest = max(widest, width) }
        }
        if let s = sharedKV, sharedProjection {
            // The K̂/V̂ projection runs over all N tokens: normed input and the two projections.
            widest = max(widest, 2 * d + 2 * Int128(s.width))
        }
        let B = Int128(batch)
        let live = max(dtype.bytes(elements: B * chunk * widest), dtype.bytes(elements: B * lastOnly))
        let logits = withLogits ? B * Int128(vocabSize) * 4 : 0
        return live + logits
    }

    /// The whole breakdown for one query.
    public func memory(_ q: MemoryQuery) -> MemoryBreakdown {
        MemoryBreakdown(
            weightBytesByClass: weightBytes(plan: q.dtypes),
            kvCacheBytes: kvCacheBytes(batch: q.batch, tokens: q.contextTokens, plan: q.dtypes),
            stateBytes: stateBytes(batch: q.batch, dtype: q.dtypes.state),
            activationBytes: activationBytes(
                batch: q.batch, promptTokens: q.promptTokens, chunkTokens: q.prefillChunkTokens,
                dtype: q.dtypes.activations),
            runtimeOverheadBytes: q.runtimeOverheadBytes)
    }
}
