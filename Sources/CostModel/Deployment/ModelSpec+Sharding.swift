// What one device holds under a parallel layout: the memory per device (ParallelLayout.swift).
//
// Legend: tp, pp as in ParallelLayout; L layers, d hidden, H heads, Hkv KV heads, dk/dv head dims,
// F feed-forward inner size, V vocabulary, hR gRet heads; s = L / pp layers per stage.
// Tensor parallelism (Megatron-LM's split, as vLLM and SGLang shard a dense decoder):
//   attention   Wq, Wo by query heads: H / tp heads per rank; Wk, Wv by KV heads: Hkv / tp per rank
//               when tp divides Hkv, else one KV head per rank, replicated on tp / Hkv ranks
//   gRet        hR / tp heads per rank (Wq, Wk, Wv, WG, Wo, Wγ by head)
//   FFN         F / tp columns of the gate/up matrices and rows of the down matrix per rank
//   vocabulary  embedding and output head by rows: ceil(V / tp) per rank (the most loaded rank;
//               engines pad V to a multiple of 64 per rank first, which this does not count)
//   norms, biases of width d, hidden size d: replicated on every rank
//   KV cache    by KV heads as the weights (replicated with them when tp > Hkv); gRet state by head
//   YOCO K̂/V̂    by KV heads as attention
//   latent attn q_b_proj, kv_b_proj, o_proj by heads: H / tp per rank; q_a_proj, kv_a_proj_with_mqa
//               and their norms replicated (vLLM's ReplicatedLinear), so the latent cache (r + dr
//               per position) is held whole on every rank (vLLM issue #51454 measures TP8 holding
//               1/7.7 of DP8's tokens for that reason)
//   fixed-state state heads (Mamba's channels) and key heads / tp, their projections, conv
//               channels, conv state and recurrent state with them; Mamba2 groups / tp, or the one
//               group replicated (vLLM's mamba_mixer2)
//   experts     router (d x E) and a shared-expert gate replicated; each routed expert's I and the
//               shared experts' Is over the tp ranks (vLLM's FusedMoE). With ep (ParallelLayout):
//               a rank holds E / ep experts of I / (tp / ep) = (E / ep) 3 d I ep / tp = E 3 d I / tp
//               elements, the same as E experts of I / tp, and under uniform routing the same FLOPs
//               (R k / ep rows of I ep / tp) and the same expected bytes touched
//               ((E / ep)(1 - (1 - k/E)^R) experts of I ep / tp): so the rank model is E experts of
//               I / tp either way, and ep adds the all-to-all (ModelSpec+Parallel.swift).
// So a rank of a stage is the model with H / tp, Hkv / tp (or 1), F / tp, hR / tp and ceil(V / tp):
// `tensorShard(_:)` builds that model, and every formula (memory, FLOPs, bytes) applies to it.
// Pipeline parallelism: stage k holds layers k s ..< (k + 1) s of that rank model, the embedding on
// stage 0, the final norm and the output head on the last stage (tied embeddings: the last stage
// holds its own copy of the matrix as the head), YOCO's K̂/V̂ projection on the stage of the first
// cross layer, and every cache slot one of its layers reads: YOCO's shared slot is held once by
// each stage with a cross layer (a copy per stage, sent from the stage that projects it).
// Activations: the estimate of Memory.swift over the stage's runs; the logits on the last stage.
// Data-parallel replicas hold the same as replica 0: per-device memory does not depend on dp, and
// the batch of a query is one replica's.
//
// Hand count, Llama-3.1-70B bf16 at tp4 (L 80, d 8192, H 64, Hkv 8, dh 128, F 28672, V 128256):
//   attention per layer and rank  8192 * (16*128) * 2 (Wq, Wo)  +  8192 * (2*128) * 2 (Wk, Wv)
//                                 = 33,554,432 + 4,194,304 = 37,748,736
//   FFN per layer and rank        3 * 8192 * 7168 = 176,160,768
//   norms per layer               2 * 8192 = 16,384 (replicated)
//   per layer                     213,925,888;  80 layers: 17,114,071,040
//   embedding, head               2 * 32064 * 8192 = 525,336,576;  final norm 8192
//   total per rank                17,639,415,808 parameters = 35,278,831,616 bytes in bf16
//   KV per token and rank         80 * 2 (K, V) * 2 heads * 128 * 2 B = 81,920 B (a quarter of 327,680)
// Hand count, the same model at pp2 (tp1): a full layer is 8192*8192*2 + 8192*1024*2 + 3*8192*28672
//   + 2*8192 = 855,654,400 parameters; stage 0 holds layers 0-39 and the embedding (128256 * 8192
//   = 1,050,673,152): 35,276,849,152; stage 1 layers 40-79, the head (1,050,673,152) and the final
//   norm (8,192): 35,276,857,344, the binding stage; KV per token 40 * 2 * 8 * 128 * 2 B = 163,840 B
//   on each stage, half the model's 327,680.

extension ModelSpec {
    /// The model one tensor-parallel rank computes (see the legend): heads, KV heads, gRet heads and
    /// the feed-forward divided by `tp`, the vocabulary by ceil(V / tp). Call after
    /// `ParallelLayout.check(for:)`; `tp` 1 is the model itself.
    public func tensorShard(_ tp: Int) -> ModelSpec {
        guard tp > 1 else { return self }
        func kv(_ h: Int) -> Int { ParallelLayout.kvHeadsPerRank(h, tensor: tp) ?? max(1, h / tp) }
        var shard = self
        shard.runs = runs.map { run in
            var block = run.block
            switch block.mixer {
            case .attention(var a):
                a.heads /= tp
                a.kvHeads = kv(a.kvHeads)
                block.mixer = .attention(a)
            case .gatedRetention(var g):
                g.heads /= tp
                block.mixer = .gatedRetention(g)
            case .latentAttention(var m):
                m.heads /= tp
                block.mixer = .latentAttention(m)
            case .fixedState(var m):
                m.heads /= tp
                m.keyHeads /= tp
                if m.kind == .mamba2 { m.groups = m.groups == 1 ? 1 : m.groups / tp }
                block.mixer = .fixedState(m)
            case .identity:
                break
            }
            switch block.feedForward {
            case .gated(let f, let act): block.feedForward = .gated(inner: f / tp, activation: act)
            case .mlp(let f, let act, let bias): block.feedForward = .mlp(inner: f / tp, activation: act, bias: bias)
            case .experts(var e):
                e.inner /= tp
                e.shared?.inner /= tp
                block.feedForward = .experts(e)
            case .identity: break
            }
            return BlockRun(block, count: run.count)
        }
        shard.sharedKV = sharedKV.map { SharedKVProjection(kvHeads: kv($0.kvHeads), headDim: $0.headDim) }
        shard.vocabSize = (vocabSize + tp - 1) / tp
        return shard
    }
}

/// The part of a (tensor-sharded) model one pipeline stage holds.
public struct PipelineStage: Sendable, Hashable {
    /// 0-based stage index.
    public var index: Int
    /// The model's layers this stage runs (0-based, consecutive).
    public var layerRange: Range<Int>
    /// Layers of each run held by this stage (same order as `ModelSpec.runs`).
    public var layersPerRun: [Int]
    /// Stage 0: the embedding.
    public var holdsEmbedding: Bool
    /// The last stage: the final norm and the output head.
    public var holdsHead: Bool
    /// The stage of the first cross layer: YOCO's K̂/V̂ projection weights.
    public var holdsSharedProjection: Bool
    /// A stage with a cross layer: a copy of YOCO's shared slot.
    public var holdsSharedSlot: Bool

    /// Layers this stage runs.
    public var layers: Int { layersPerRun.reduce(0, +) }
}

extension ModelSpec {
    /// The `pp` stages of this model, s = L / pp consecutive layers each (`pp` must divide L).
    public func pipelineStages(_ pp: Int) -> [PipelineStage] {
        let per = max(1, layers / max(1, pp))
        let starts = runStarts
        let firstCrossLayer = firstCrossRun.map { starts[$0] }
        return (0..<max(1, pp)).map { k in
            let lo = k * per, hi = k == pp - 1 ? layers : (k + 1) * per
            let counts = runs.indices.map { r in max(0, min(hi, starts[r] + runs[r].count) - max(lo, starts[r])) }
            let holdsCross = firstCrossRun.map { f in counts[f...].contains { $0 > 0 } } ?? false
            return PipelineStage(
                index: k, layerRange: lo..<hi, layersPerRun: counts, holdsEmbedding: k == 0, holdsHead: k == pp - 1,
                holdsSharedProjection: firstCrossLayer.map { (lo..<hi).contains($0) } ?? false,
                holdsSharedSlot: holdsCross)
        }
    }

    /// Parameters one stage holds, by class.
    public func parameters(of stage: PipelineStage) -> [WeightClass: Int128] {
        let d = Int128(hiddenSize)
        var c: [WeightClass: Int128] = [:]
        for kind in WeightClass.allCases { c[kind] = 0 }
        for (r, run) in runs.enumerated() where stage.layersPerRun[r] > 0 {
            let n = Int128(stage.layersPerRun[r])
            if let a = run.block.adapters {  // Zamba2's per-use weights
                let p = a.parameters(run.block, hidden: hiddenSize)
                c[.attention]! += n * p.attention
                c[.ffn]! += n * p.ffn
            }
            // Weights another run owns count there (one stage only: pp > 1 is refused for such a model).
            guard !run.sharesWeights else { continue }
            for (kind, p) in layerParameters(run.block) { c[kind]! += n * p }
        }
        if stage.holdsSharedProjection, let s = sharedKV {
            c[.kvProjection]! += 2 * d * Int128(s.width)
            c[.norms]! += d
        }
        if stage.holdsEmbedding { c[.embedding]! += Int128(vocabSize) * d + Int128(positionEmbeddingRows) * d }
        if stage.holdsHead {
            c[.norms]! += finalNorm.parameters(hidden: hiddenSize)
            // Tied: the head is the embedding matrix; a last stage without the embedding holds a copy.
            if !tiedEmbeddings || !stage.holdsEmbedding { c[.outputHead]! += Int128(vocabSize) * d }
        }
        return c
    }

    /// Cache slots one stage holds per sequence, as (kind, slots): its layers' own slots and, on a
    /// stage with a cross layer, one copy of the shared slot.
    public func cacheRuns(of stage: PipelineStage) -> [(kind: CacheKind, count: Int)] {
        var out: [(kind: CacheKind, count: Int)] = []
        for (r, run) in runs.enumerated() where stage.layersPerRun[r] > 0 {
            if let kind = Self.slotKind(run.block) { out.append((kind, stage.layersPerRun[r])) }
        }
        if stage.holdsSharedSlot, let first = firstCrossRun, let a = runs[first].block.mixer.attention {
            out.append((.keyValue(a.kvGeometry), 1))
        }
        return out
    }

    /// The memory one stage's device holds (runtime reserve included from the query).
    public func memory(_ q: MemoryQuery, stage: PipelineStage) -> MemoryBreakdown {
        let slots = cacheRuns(of: stage)
        let b = Int128(q.batch), t = q.contextTokens
        // CacheKind.bytes, as Memory.swift counts them: a fixed-state layer's recurrent part in its
        // own dtype (Nemotron-H's fp32 SSM state), not the plan's.
        func bytes(_ slot: (kind: CacheKind, count: Int)) -> Int128 {
            Int128(slot.count) * slot.kind.bytes(tokens: slot.kind.isState ? 0 : t, kv: q.dtypes.kvCache, state: q.dtypes.state)
        }
        let kv = slots.filter { !$0.kind.isState }.reduce(Int128(0)) { $0 + bytes($1) }
        let state = slots.filter(\.kind.isState).reduce(Int128(0)) { $0 + bytes($1) }
        // A quantised weight format (Storage/): the stage's own layers' matrices in the format (the
        // embedding, head and K̂/V̂ projection where the stage holds them). A KV format is counted on a
        // stage holding the whole stack (tp only); deploymentMemory refuses it with pp > 1.
        let whole = stage.layersPerRun == runs.map(\.count)
        let once: (WeightClass) -> Bool = { c in
            c == .outputHead ? stage.holdsHead : c == .kvProjection ? stage.holdsSharedProjection : true
        }
        return MemoryBreakdown(
            weightBytesByClass: weightBytes(plan: q.dtypes, layers: stage.layerRange, onceMatrices: once, parameters: parameters(of: stage)),
            kvCacheBytes: whole && q.dtypes.kvFormat != nil ? kvCacheBytes(batch: q.batch, tokens: t, plan: q.dtypes) : b * kv,
            stateBytes: b * state,
            activationBytes: activationBytes(
                batch: q.batch, promptTokens: q.promptTokens, chunkTokens: q.prefillChunkTokens, dtype: q.dtypes.activations,
                runsPresent: stage.layersPerRun.map { $0 > 0 }, sharedProjection: stage.holdsSharedProjection, logits: stage.holdsHead),
            runtimeOverheadBytes: q.runtimeOverheadBytes)
    }
}

/// The memory of every device of a deployment: one breakdown per pipeline stage (the tp ranks of a
/// stage hold the same, the vocabulary's most loaded rank counted; dp replicas repeat it).
public struct DeploymentMemory: Sendable, Hashable {
    public var layout: ParallelLayout
    /// One per pipeline stage.
    public var stages: [MemoryBreakdown]

    /// The stage whose devices hold the most (the first of equals): the device that binds memory.
    public var bindingStage: Int {
        stages.indices.max { stages[$0].totalBytes < stages[$1].totalBytes || (stages[$0].totalBytes == stages[$1].totalBytes && $0 > $1) } ?? 0
    }

    /// The busiest device's memory.
    public var perDevice: MemoryBreakdown { stages[bindingStage] }

    /// Memory summed over every device of the deployment (all stages, ranks and replicas).
    public var totalBytes: Int128 {
        Int128(layout.tensor * layout.data) * stages.reduce(Int128(0)) { $0 + $1.totalBytes }
    }
}

extension ModelSpec {
    /// Memory per device under `layout` (throws the first reason the layout does not apply).
    /// For `ParallelLayout.single` the one stage equals `memory(q)` exactly (a test checks it).
    public func deploymentMemory(_ q: MemoryQuery, layout: ParallelLayout) throws(SpecError) -> DeploymentMemory {
        try layout.check(for: self)
        if layout.pipeline > 1, let name = q.dtypes.kvFormat?.name {
            throw SpecError(field: "pp", constraint: "with a quantised KV-cache format (\(name)) is not modelled yet: KV formats are counted per device under tensor parallelism only", value: "\(layout.pipeline)")
        }
        if let storage = q.dtypes.weightStorage { try checkSplit(storage, layout: layout) }
        let rank = tensorShard(layout.tensor)
        return DeploymentMemory(layout: layout, stages: rank.pipelineStages(layout.pipeline).map { rank.memory(q, stage: $0) })
    }
}

extension ModelSpec {
    /// A grouped weight format under tensor parallelism: every rank's share of a matrix must hold
    /// whole groups. vLLM refuses a layout where it does not (GPTQ/AWQ: "the input size is not
    /// aligned with the quantized weight shape"; fp8 blocks: the per-partition size must be
    /// divisible by the block): integer groups and fp8 block columns along the inputs of the
    /// row-split matrices (o_proj, down_proj: their inputs are divided by tp), fp8 block rows along
    /// the outputs of the column-split ones (q/k/v, gate/up). Routed experts are checked at the width
    /// one rank really holds, I / (tp / ep). MXFP4 (32) and NVFP4 (16) blocks along the inputs too:
    /// vLLM pads such a rank's expert width rather than refusing, and the padding is not counted
    /// here, so the split is refused. Matrices the storage leaves in 16 bits, and replicated ones
    /// (MLA's q_a_proj and kv_a_proj_with_mqa, KDA's f_a and g_a: every rank holds them whole), are
    /// not checked; latent attention and fixed-state layers are checked like attention
    /// (`TensorSplit` of each matrix, ModelSpec+Linears.swift).
    func checkSplit(_ storage: WeightStorage, layout: ParallelLayout) throws(SpecError) {
        let tp = layout.tensor, format = storage.format
        guard tp > 1 else { return }
        let (inputGroup, outputGroup): (Int?, Int?)
        switch format {
        case .integer(_, let g, _, _): (inputGroup, outputGroup) = (g, nil)
        case .fp8(.block(let bn, let bk), _): (inputGroup, outputGroup) = (bk, bn)
        case .mxfp4: (inputGroup, outputGroup) = (32, nil)
        case .nvfp4: (inputGroup, outputGroup) = (16, nil)
        default: return
        }
        for m in tensorShard(tp).linearMatrices where m.layers != nil && m.split != .replicated && !m.names.allSatisfy(storage.leavesUnconverted) {
            let rowSplit = m.split == .rows
            let expert = m.copies > 1 ? layout.expert : 1
            let at = m.layers.map { " (model.layers.\($0.lowerBound).\(m.module))" } ?? ""
            // The fused gate/up of the experts holds two matrices of I / tp outputs each (vLLM checks
            // intermediate_size_per_partition against the block, not 2 I / tp); an expert group of ep
            // ranks holds its experts at I ep / tp.
            let outputs = (m.module.hasSuffix("gate_up_proj") ? m.outputs / 2 : m.outputs) * expert
            if rowSplit, let g = inputGroup, (m.inputs * expert) % g != 0 {
                throw SpecError(field: "tp", constraint: "leaves each rank \(m.inputs * expert) input features of a matrix quantised in groups of \(g) (\(format.name)); a split that cuts a group is refused (vLLM refuses it for integer and fp8-block formats and pads MXFP4/NVFP4 widths, which is not counted)\(at)", value: "\(tp)")
            }
            if !rowSplit, let g = outputGroup, outputs % g != 0 {
                throw SpecError(field: "tp", constraint: "leaves each rank \(outputs) output features of a matrix quantised in blocks of \(g) (\(format.name)); vLLM refuses a split that cuts a block\(at)", value: "\(tp)")
            }
        }
    }
}
