// The full prediction of `yocoprof estimate` (BRIEF §4): prefill FLOPs and seconds, decode rate,
// throughput, memory and the batch, for one model on one device.
//
// Throughput (BRIEF §3 default): B * G generated tokens divided by the time to prefill B prompts of
// N tokens and then decode G tokens at batch B (steps at contexts N+1 ... N+G):
//   throughput = B G / (prefill_seconds(B, N) + sum_{n=N+1}^{N+G} step_seconds(B, n))
//   decode tokens/s = B G / sum_{n=N+1}^{N+G} step_seconds(B, n)   (nil when G = 0: no decode runs)
// With `batch max`, B is the largest batch whose memory (weights, KV at N+G, state, prefill
// activations, runtime reserve) fits the device's capacity. Zero generated tokens give throughput 0.

/// The batch of an estimate: a given number of sequences or the largest that fits.
public enum BatchChoice: Sendable, Hashable {
    case fixed(Int)
    case max
}

/// The inputs of an estimate.
public struct EstimateQuery: Sendable, Hashable {
    /// N
    public var promptTokens: Int
    /// G
    public var generatedTokens: Int
    public var batch: BatchChoice
    /// Storage formats; nil = the model's defaults.
    public var dtypes: DTypePlan?
    /// The dtype the arithmetic runs in (selects the peak); nil = the activation dtype.
    public var computeDType: DType?
    /// Tile sizes of the prefill attention kernel.
    public var tiling: AttentionTiling
    /// Prefill chunk for the activation estimate (memory only); nil = whole prompt.
    public var prefillChunkTokens: Int?
    /// Prefill attention kernel on hardware with efficiency curves; nil = the profile's default.
    public var attentionKernel: AttentionKernel?
    /// Kernel launches with or without CUDA graphs (hardware with efficiency curves only).
    public var launchMode: LaunchMode = .cudaGraphs

    public init(
        promptTokens: Int, generatedTokens: Int, batch: BatchChoice = .fixed(1), dtypes: DTypePlan? = nil,
        computeDType: DType? = nil, tiling: AttentionTiling = .flash128, prefillChunkTokens: Int? = nil,
        attentionKernel: AttentionKernel? = nil, launchMode: LaunchMode = .cudaGraphs
    ) {
        self.attentionKernel = attentionKernel
        self.launchMode = launchMode
        self.promptTokens = promptTokens
        self.generatedTokens = generatedTokens
        self.batch = batch
        self.dtypes = dtypes
        self.computeDType = computeDType
        self.tiling = tiling
        self.prefillChunkTokens = prefillChunkTokens
    }

    /// Rejects values outside `Limits` (field names are the command-line options).
    public func validate() throws(CostModelError) {
        func check(_ field: String, _ v: Int, _ r: ClosedRange<Int>) throws(CostModelError) {
            if !r.contains(v) {
                throw .invalidQuery(SpecError(field: field, constraint: "must be between \(r.lowerBound) and \(r.upperBound)", value: "\(v)"))
            }
        }
        try check("context", promptTokens, 1...Limits.maxContextTokens)
        try check("generate", generatedTokens, 0...Limits.maxContextTokens)
        if case .fixed(let b) = batch { try check("batch", b, 1...Limits.maxBatch) }
        try check("query_tile", tiling.queryTile, 1...Limits.maxContextTokens)
        try check("key_tile", tiling.keyTile, 1...Limits.maxContextTokens)
        if let c = prefillChunkTokens { try check("prefill_chunk", c, 1...Limits.maxContextTokens) }
    }
}

/// The full prediction.
public struct Estimate: Sendable, Hashable {
    public var modelID: String
    public var hardwareID: String
    public var promptTokens: Int
    public var generatedTokens: Int
    /// B used.
    public var batch: Int
    /// True when B was chosen as the largest batch that fits.
    public var batchIsMax: Bool
    /// What stops a larger batch (set when `batchIsMax`).
    public var batchLimitedBy: BindingConstraint?
    /// The batch question answered (always fits here): the largest batch and what binds it.
    public var fit: BatchFit
    public var computeDType: DType
    public var rates: RooflineRates
    /// The prefill of B prompts of N tokens.
    public var prefill: PhaseCost
    public var prefillSeconds: Double
    /// The first decode step (context N+1).
    public var firstDecodeStep: PhaseCost
    public var firstDecodeStepSeconds: Double
    /// All G decode steps.
    public var decodeFlops: FlopCount
    public var decodeSeconds: Double
    /// B G / decode seconds; nil when G = 0.
    public var decodeTokensPerSecond: Double?
    /// B G / (prefill + decode seconds); 0 when G = 0.
    public var throughputTokensPerSecond: Double
    /// Memory at batch B and N+G tokens held, runtime reserve included.
    public var memory: MemoryBreakdown
    /// The device's capacity.
    public var memoryCapacityBytes: Int128

    /// Useful prefill FLOPs (matmul + other).
    public var prefillFlops: Int128 { prefill.flops.total }
    public var memoryBytes: Int128 { memory.totalBytes }
    /// prefill + decode.
    public var totalSeconds: Double { prefillSeconds + decodeSeconds }
    /// Seconds until the first generated token is available (prefill + first step).
    public var timeToFirstTokenSeconds: Double { prefillSeconds + (generatedTokens > 0 ? firstDecodeStepSeconds : 0) }
}

extension ModelSpec {
    /// The full prediction of `estimate` for this model on `hardware`; a batch that does not fit
    /// throws `batchDoesNotFit` (`assess` returns its figures instead).
    public func estimate(on hardware: HardwareSpec, _ q: EstimateQuery) throws(CostModelError) -> Estimate {
        switch try assess(on: hardware, q) {
        case .fits(let e): return e
        case .doesNotFit(let u):
            throw .batchDoesNotFit(requested: u.batchIsMax ? nil : u.fit.batch, maxBatch: u.fit.maxBatch,
                                   limitedBy: u.fit.limitedBy, requiredBytes: u.fit.requiredBytes, budgetBytes: u.fit.budgetBytes)
        }
    }

    /// The estimate when the batch fits, else the figures that do not depend on running it. Throws
    /// only for a query or profile that is invalid, or a compute dtype the hardware has no peak for.
    public func assess(on hardware: HardwareSpec, _ q: EstimateQuery) throws(CostModelError) -> EstimateOutcome {
        do { try validate() } catch { throw .invalidSpec(id: id, error) }
        do { try hardware.validate() } catch { throw .invalidSpec(id: hardware.id, error) }
        try q.validate()
        let dt = q.dtypes ?? dtypes
        let computeDType = q.computeDType ?? dt.activations
        let rates = try RooflineRates(hardware: hardware, computeDType: computeDType, attentionKernel: q.attentionKernel, launchMode: q.launchMode)

        let (fit, memory) = resolveFit(q, on: hardware, dtypes: dt)
        let batch = fit.batch
        let n = q.promptTokens, g = q.generatedTokens
        let prefill = prefillCost(batch: batch, promptTokens: n, dtypes: dt, tiling: q.tiling)
        let decodeOps = decodeOperators(batch: batch, dtypes: dt)
        let step = decodeStepCost(decodeOps, batch: batch, context: n + 1)
        let decodeFlops = Self.decodeFlops(decodeOps, promptTokens: n, generatedTokens: g)
        guard fit.fits else {
            return .doesNotFit(UnfitEstimate(
                modelID: id, hardwareID: hardware.id, promptTokens: n, generatedTokens: g, batchIsMax: q.batch == .max,
                fit: fit, computeDType: computeDType, prefill: prefill, firstDecodeStep: step,
                decodeFlops: decodeFlops, memory: memory))
        }
        let prefillSeconds = rates.seconds(prefill) + prefillRunFixedSeconds(batch: batch, promptTokens: n, chunkTokens: q.prefillChunkTokens,
                                                                                 dtypes: dt, rates: rates)
            + rates.elementwiseSeconds(self, rows: Int128(batch) * Int128(n), earlyExitRows: Int128(batch), dtype: dt.activations)
        let stepElementwiseSeconds = rates.elementwiseSeconds(self, rows: Int128(batch), dtype: dt.activations)
        let decodeSeconds = Self.decodeSeconds(decodeOps, promptTokens: n, generatedTokens: g, rates: rates) + Double(g) * stepElementwiseSeconds
        let tokens = Double(batch) * Double(g)
        let total = prefillSeconds + decodeSeconds
        return .fits(Estimate(
            modelID: id, hardwareID: hardware.id, promptTokens: n, generatedTokens: g,
            batch: batch, batchIsMax: q.batch == .max, batchLimitedBy: q.batch == .max ? fit.limitedBy : nil, fit: fit,
            computeDType: computeDType, rates: rates,
            prefill: prefill, prefillSeconds: prefillSeconds,
            firstDecodeStep: step, firstDecodeStepSeconds: rates.seconds(step) + stepElementwiseSeconds,
            decodeFlops: decodeFlops,
            decodeSeconds: decodeSeconds,
            decodeTokensPerSecond: g > 0 && decodeSeconds > 0 ? tokens / decodeSeconds : nil,
            throughputTokensPerSecond: g > 0 && total > 0 ? tokens / total : 0,
            memory: memory,
            memoryCapacityBytes: hardware.memoryBytes))
    }

    private func memoryQuery(batch: Int, _ q: EstimateQuery, _ dt: DTypePlan, _ hw: HardwareSpec) -> MemoryQuery {
        MemoryQuery(batch: batch, promptTokens: q.promptTokens, generatedTokens: q.generatedTokens, dtypes: dt,
                    prefillChunkTokens: q.prefillChunkTokens, runtimeOverheadBytes: hw.runtimeOverheadBytes)
    }

    /// The batch question of the query answered (the given batch, or the largest that fits, or 1
    /// when none does), and the memory at that batch.
    func resolveFit(_ q: EstimateQuery, on hw: HardwareSpec, dtypes dt: DTypePlan) -> (BatchFit, MemoryBreakdown) {
        let budget = hw.memoryBytes
        let at = { (b: Int) in self.memory(self.memoryQuery(batch: b, q, dt, hw)) }
        let (maxBatch, limitedBy, atMax) = largestBatch(q, on: hw, dtypes: dt, at: at)
        let batch: Int
        switch q.batch {
        case .fixed(let b): batch = b
        case .max: batch = max(1, maxBatch)
        }
        let m = batch == maxBatch ? atMax : at(batch)
        let fit = BatchFit(fits: m.totalBytes <= budget, batch: batch, maxBatch: maxBatch, limitedBy: limitedBy,
                           requiredBytes: m.totalBytes, budgetBytes: budget)
        return (fit, m)
    }

    /// The largest batch that fits the device, what stops one more, and the memory at it.
    private func largestBatch(
        _ q: EstimateQuery, on hw: HardwareSpec, dtypes dt: DTypePlan, at: (Int) -> MemoryBreakdown
    ) -> (Int, BindingConstraint, MemoryBreakdown) {
        let budget = hw.memoryBytes
        // Memory is affine in B (every per-sequence term scales with B; sub-byte rounding aside),
        // so one division finds the boundary; it is then checked exactly (fits at B, not at B+1)
        // and the binary search of `maxBatch` is the fallback.
        let m0 = at(0).totalBytes, m1 = at(1)
        let perSequence = m1.totalBytes - m0
        if m1.totalBytes <= budget && perSequence > 0 {
            let guess = Int(min(Int128(Limits.maxBatch), (budget - m0) / perSequence))
            let mg = at(guess)
            if guess >= 1 && mg.totalBytes <= budget {
                if guess == Limits.maxBatch { return (guess, .toolLimit, mg) }
                let next = at(guess + 1)
                if next.totalBytes > budget { return (guess, Self.limitingComponent(mg, next), mg) }
            }
        }
        let best = maxBatch(budgetBytes: budget, promptTokens: q.promptTokens, generatedTokens: q.generatedTokens,
                            dtypes: dt, scope: .everything, prefillChunkTokens: q.prefillChunkTokens,
                            runtimeOverheadBytes: hw.runtimeOverheadBytes)
        return (best.value, best.limitedBy, at(best.value))
    }

    /// The component that grows most from B to B+1 sequences (the `maxBatch` rule).
    static func limitingComponent(_ x: MemoryBreakdown, _ y: MemoryBreakdown) -> BindingConstraint {
        grower(x, y, .everything)
    }
}
