// Pipeline parallelism inside the engine rules: the workers of each stage build the pool of their
// own layers from their own budget, and the engine keeps the smallest block count of any worker,
// so the deployment holds what its most constrained stage holds (docs/research/engine-rules.md §10).
//
// Legend: L the model's layers, pp the stages, r = L mod pp.
//   stage layers  vLLM V1 (0.10.1.1, 0.11.1; distributed/utils.py get_pp_indices): L // pp each,
//                 one more for each of the r stages counted back from the second-to-last
//                 (partitions[-2], [-3], ...: pp 2 gives the first stage the extra layer);
//                 vLLM V0 0.6.4: L // pp each, the last stage the remainder.
//   stage budget  given per stage (the log's "Available KV cache memory" of a rank of that stage),
//                 one given for all, or M u - W_s - R with W_s the stage's tensor-parallel rank of
//                 weights (its layers; the embedding on the first stage, the head on the last;
//                 each stage's process its own RoPE cache) and R given (the profile run's
//                 activation peak per stage is measured by the engine; no default is modelled).
//   pool          each stage's pool by EnginePool.swift's rule over its own layers;
//                 blocks = min over stages (V1 get_kv_cache_configs / unify_kv_cache_configs;
//                 V0 distributed_gpu_executor), tokens and concurrency from those blocks.
// Refused by name: SGLang (its pp rule was not read), a drafter's layers (on one stage), layer
// types mixed within the model (vLLM groups hybrid layers over the whole model, then each worker's
// groups hold only its own layers: the per-worker group size is not modelled), layers reading
// another layer's cache (YOCO, CLA) and shared blocks (Zamba2), whose slots and weights cross
// stage boundaries.

/// What a pipeline-parallel deployment's engine holds: one pool per stage, and the binding stage.
public struct EnginePipelinePool: Sendable, Hashable {
    /// One pool per stage, from the stage's own layers and budget.
    public var stages: [EnginePool]
    /// Each stage's layers (0-based, consecutive).
    public var stageLayers: [Range<Int>]
    /// The stage with the fewest blocks (the first of equals): every worker keeps its count.
    public var bindingStage: Int
    /// What the whole deployment holds: the binding stage's pool (its blocks are every worker's).
    public var deployment: EnginePool { stages[bindingStage] }
}

extension ModelSpec {
    /// The layers of each of `pp` stages as the engine splits them.
    public static func enginePipelineLayers(layers: Int, stages pp: Int, engine: ServingEngine) -> [Range<Int>] {
        var counts = Array(repeating: layers / pp, count: pp)
        let remainder = layers % pp
        if engine == .vllmV0 {
            counts[pp - 1] += remainder
        } else {
            for i in stride(from: 2, to: remainder + 2, by: 1) { counts[pp - i] += 1 }
        }
        var start = 0
        return counts.map { n in defer { start += n }; return start..<(start + n) }
    }

    /// The runs of `layers` (a consecutive range of this model's layers).
    func runs(in layers: Range<Int>) -> [BlockRun] {
        var out: [BlockRun] = [], start = 0
        for run in runs {
            let lo = max(start, layers.lowerBound), hi = min(start + run.count, layers.upperBound)
            if lo < hi { var part = run; part.count = hi - lo; out.append(part) }
            start += run.count
        }
        return out
    }

    /// The pools an engine builds over `s.pipelineParallel` stages (each of `s.tensorParallel` ranks).
    public func enginePipelinePool(_ s: EngineSettings, plan: DTypePlan) throws(EngineRuleError) -> EnginePipelinePool {
        let e = s.engine, pp = s.pipelineParallel
        func refuse(_ why: String) -> EngineRuleError { EngineRuleError(engine: e, constraint: why) }
        guard pp >= 1 else { throw refuse("pipeline parallelism must be at least 1") }
        guard pp <= layers else { throw refuse("pipeline parallelism \(pp) exceeds the model's \(layers) layers") }
        if pp > 1 {
            guard e != .sglang else { throw refuse("pipeline parallelism: SGLang's per-stage pool rule was not read; not modelled") }
            guard !runs.contains(where: { $0.sharesWeights || ($0.block.mixer.attention.map { $0.kv != .own } ?? false) }), sharedKV == nil else {
                throw refuse("pipeline parallelism on layers that read another layer's cache or share weights (YOCO, CLA, Zamba2): their slots cross stage boundaries; not modelled")
            }
            let kinds = Set(cacheRuns.map { run -> String in
                switch run.kind {
                case .keyValue(let g): "\(g.span)"
                case .latent: "full"
                default: "state"
                }
            })
            guard kinds.count <= 1 else {
                throw refuse("pipeline parallelism on a model mixing layer types (\(kinds.sorted().joined(separator: ", "))): vLLM groups them over the whole model and each worker's groups hold only its layers; that per-worker grouping is not modelled")
            }
            guard s.draftLayers == 0 else {
                throw refuse("a speculative drafter with pipeline parallelism: its layers sit on one stage, not modelled")
            }
            if let given = s.stageKVCacheMemoryBytes, given.count != pp {
                throw refuse("\(given.count) stage KV budgets given for \(pp) stages")
            }
            if s.kvCacheMemoryBytes == nil && s.stageKVCacheMemoryBytes == nil && s.reserveBytes == nil {
                throw refuse("pipeline parallelism without a KV budget needs the reserve (the profile run's activation peak and non-torch memory of a stage, measured by the engine; not modelled): give it, or each stage's logged KV budget")
            }
        }
        let ranges = Self.enginePipelineLayers(layers: layers, stages: pp, engine: e)
        guard pp > 1 else { return EnginePipelinePool(stages: [try enginePool(s, plan: plan)], stageLayers: ranges, bindingStage: 0) }

        let rank = tensorShard(max(1, s.tensorParallel))
        var pools: [EnginePool] = []
        for (k, range) in ranges.enumerated() {
            var part = self
            part.runs = runs(in: range)
            var one = s
            one.pipelineParallel = 1
            one.stageKVCacheMemoryBytes = nil
            var fraction: Double?, weights: Int128?
            if let given = s.stageKVCacheMemoryBytes {
                one.kvCacheMemoryBytes = given[k]
            } else if s.kvCacheMemoryBytes == nil {
                // M u - W_s - R: the stage's rank of weights as the engine loads them.
                let u = s.memoryFraction ?? e.defaultMemoryFraction(deviceMemoryBytes: s.deviceMemoryBytes, parallelSize: s.tensorParallel * pp)
                guard u > 0 && u <= 1 else { throw refuse("the memory fraction must be in (0, 1]; received \(u)") }
                let stage = rank.pipelineStage(k, of: pp, layers: range)
                let once: (WeightClass) -> Bool = { c in c == .outputHead ? stage.holdsHead : c == .kvProjection ? false : true }
                let w = rank.weightBytes(plan: plan, layers: range, onceMatrices: once, parameters: rank.parameters(of: stage)).values.reduce(0, +)
                    + (part.primaryAttention != nil ? ropeCacheBytes(plan: plan) : 0)
                fraction = u
                weights = w
                one.kvCacheMemoryBytes = Int128((Double(s.deviceMemoryBytes) * u).rounded(.down)) - w - s.reserveBytes!
            }
            var pool = try part.enginePool(one, plan: plan)
            if let w = weights {
                pool.memoryFraction = fraction
                pool.engineWeightBytes = w
                pool.reserveBytes = s.reserveBytes
            }
            pools.append(pool)
        }
        let binding = pools.indices.min { pools[$0].blocks < pools[$1].blocks || (pools[$0].blocks == pools[$1].blocks && $0 < $1) } ?? 0
        return EnginePipelinePool(stages: pools, stageLayers: ranges, bindingStage: binding)
    }

    /// Stage `k` of `pp` holding `layers` (the engine's split, which need not be even).
    func pipelineStage(_ k: Int, of pp: Int, layers range: Range<Int>) -> PipelineStage {
        let starts = runStarts
        let counts = runs.indices.map { r in max(0, min(range.upperBound, starts[r] + runs[r].count) - max(range.lowerBound, starts[r])) }
        return PipelineStage(index: k, layerRange: range, layersPerRun: counts, holdsEmbedding: k == 0, holdsHead: k == pp - 1,
                             holdsSharedProjection: false, holdsSharedSlot: false)
    }
}
