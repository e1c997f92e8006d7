// The time of a deployment: the roofline of one rank of each pipeline stage (the tensor-sharded
// model, ModelSpec+Sharding.swift) plus the communication operators the layout adds.
//
// Legend: tp, pp, dp as in ParallelLayout; B batch (one replica's), N prompt tokens, M = B N rows,
// d hidden, a bytes per activation element, kv bytes per KV element, V vocabulary, kW the shared
// K̂/V̂ width of one rank. Per stage, with tp > 1 (Megatron-LM's two all-reduces per block):
//   <label>.all_reduce   2 per layer, each of R d a bytes (R = M, or B for YOCO's cross layers in a
//                        prefill and for every decode step); ring: 2 (tp - 1) / tp of the bytes on
//                        each rank's link, 2 (tp - 1) latency steps
//   all_reduce           1 after the vocabulary-parallel embedding (stage 0), R = M (B decoding)
//   all_gather           the fp32 logits B V 4 bytes (last stage): (tp - 1) / tp of them, tp - 1 steps
// Per mixture-of-experts layer, with ep > 1 (k experts per row; the all-to-all of SGLang's DeepEP
// backend and vLLM's all2all backends, docs/PARALLELISM.md):
//   <label>.all_to_all_dispatch   each rank sends its share of the rows, ceil(R / ep), k copies
//                                 each, to the ranks of their experts: under uniform routing
//                                 (ep - 1) / ep of the copies leave the rank, so
//                                 ceil(R / ep) k d a (ep - 1) / ep bytes per rank; ep - 1 steps
//   <label>.all_to_all_combine    the experts' outputs back, the same bytes and steps
//   Both come on top of the layer's two all-reduces: those still gather the rows every tp rank's
//   attention reads (a reduce-scatter and an all-gather move an all-reduce's bytes).
// Between stages k and k + 1 (pp > 1):
//   send                 R d a bytes of the residual stream (R = B when stage k + 1 starts inside
//                        YOCO's cross-decoder in a prefill), plus M 2 kW kv bytes of the shared K̂/V̂
//                        (B 2 kW decoding) when stage k + 1 holds a copy of the shared slot; 1 step
// Time: seconds(op) = bytes / (link * collective efficiency) + steps * step latency (Roofline.swift).
// Schedule modelled: one micro-batch. A prefill, and each decode step, runs the stages one after
// the other, so the time is the sum over stages plus the sends, and each stage's devices are idle
// for the other stages' share: the pipeline bubble, (pp - 1) / pp of the time with equal stages.
// Overlap of communication with compute is not modelled (no overlap anywhere in this roofline).
// Data-parallel replicas run side by side: throughput is dp times one replica's.

extension ModelSpec {
    /// The operators of `ops` (a whole-model pass of this rank model) that one stage runs.
    func stageOperators(_ ops: [OperatorCost], stage: PipelineStage) -> [OperatorCost] {
        ops.compactMap { op in
            if let r = op.id.run {
                guard stage.layersPerRun[r] > 0 else { return nil }
                var o = op
                o.count = stage.layersPerRun[r]
                return o
            }
            switch op.id.part {
            case .embedding: return stage.holdsEmbedding ? op : nil
            case .kvProjection: return stage.holdsSharedProjection ? op : nil
            case .head: return stage.holdsHead ? op : nil
            default: return op
            }
        }
    }

    /// The communication operators one stage adds for `rows(r)` rows through run r, `embeddingRows`
    /// through the embedding and `batch` logits rows; `next` is the following stage, if any.
    func communicationOperators(
        stage: PipelineStage, next: PipelineStage?, layout: ParallelLayout, fullVocab: Int, dtypes dt: DTypePlan,
        rows: (Int) -> Int128, embeddingRows: Int128, batch: Int128, sharedRows: Int128
    ) -> [OperatorCost] {
        let tp = Int128(layout.tensor), d = Int128(hiddenSize)
        var ops: [OperatorCost] = []
        func comm(_ id: OperatorID, count: Int, bytes: Int128, steps: Int) -> OperatorCost {
            var op = OperatorCost(id, count: count, flops: .zero, bytes: bytes)
            op.linkSteps = steps
            return op
        }
        if tp > 1 {
            let ringSteps = Int(2 * (tp - 1))
            func ring(_ bytes: Int128) -> Int128 { 2 * (tp - 1) * bytes / tp }
            if stage.holdsEmbedding {
                ops.append(comm(OperatorID(part: .communication(.allReduce)), count: 1,
                                bytes: ring(dt.activations.bytes(elements: embeddingRows * d)), steps: ringSteps))
            }
            for (r, n) in stage.layersPerRun.enumerated() where n > 0 {
                ops.append(comm(opID(r, .communication(.allReduce)), count: 2 * n,
                                bytes: ring(dt.activations.bytes(elements: rows(r) * d)), steps: ringSteps))
                if layout.expert > 1, let e = runs[r].block.feedForward.experts {
                    let ep = Int128(layout.expert), share = (rows(r) + ep - 1) / ep
                    let bytes = dt.activations.bytes(elements: share * Int128(e.active) * d) * (ep - 1) / ep
                    for c in [Collective.dispatch, .combine] {
                        ops.append(comm(opID(r, .communication(c)), count: n, bytes: bytes, steps: Int(ep - 1)))
                    }
                }
            }
            if stage.holdsHead {
                ops.append(comm(OperatorID(part: .communication(.allGather)), count: 1,
                                bytes: (tp - 1) * batch * Int128(fullVocab) * 4 / tp, steps: Int(tp - 1)))
            }
        }
        if let next {
            let firstRun = next.layersPerRun.firstIndex { $0 > 0 } ?? 0
            var bytes = dt.activations.bytes(elements: rows(firstRun) * d)
            if next.holdsSharedSlot, let s = sharedKV {
                bytes += dt.kvCache.bytes(elements: sharedRows * 2 * Int128(s.width))
            }
            ops.append(comm(OperatorID(part: .communication(.send)), count: 1, bytes: bytes, steps: 1))
        }
        return ops
    }
}

/// What one stage of a deployment spends.
public struct StageTiming: Sendable, Hashable {
    /// The stage's prefill operators (its rank's share plus its communication).
    public var prefill: PhaseCost
    public var prefillSeconds: Double
    /// Its share of the first decode step (context N + 1).
    public var firstDecodeStep: PhaseCost
    public var firstDecodeStepSeconds: Double
    /// Its share of all G decode steps.
    public var decodeSeconds: Double
    /// The communication part of the prefill, the first step and the whole decode.
    public var prefillCommunicationSeconds: Double
    public var decodeCommunicationSeconds: Double
}

/// The time of a deployment (one replica; replicas run side by side).
public struct DeploymentTiming: Sendable, Hashable {
    public var layout: ParallelLayout
    public var stages: [StageTiming]

    /// The stages one after the other (one micro-batch).
    public var prefillSeconds: Double { stages.reduce(0) { $0 + $1.prefillSeconds } }
    public var firstDecodeStepSeconds: Double { stages.reduce(0) { $0 + $1.firstDecodeStepSeconds } }
    public var decodeSeconds: Double { stages.reduce(0) { $0 + $1.decodeSeconds } }
    public var communicationSeconds: Double {
        stages.reduce(0) { $0 + $1.prefillCommunicationSeconds + $1.decodeCommunicationSeconds }
    }
    /// The stage whose devices spend the longest (prefill + decode): the device that binds time.
    public var bindingStage: Int {
        stages.indices.max { stages[$0].prefillSeconds + stages[$0].decodeSeconds < stages[$1].prefillSeconds + stages[$1].decodeSeconds } ?? 0
    }
    /// Fraction of the time a device of the average stage idles while the others run:
    /// 1 - (mean stage time) / (sum of stage times) = (pp - 1) / pp with equal stages; 0 at pp 1.
    public var bubbleFraction: Double {
        let total = prefillSeconds + decodeSeconds
        guard stages.count > 1, total > 0 else { return 0 }
        return 1 - 1 / Double(stages.count)
    }
}

extension ModelSpec {
    /// The time of prefilling `batch` prompts of `promptTokens` and decoding `generatedTokens` under
    /// `layout` (checked by the caller) on devices whose rates are `rates` (with the link rate).
    public func deploymentTiming(
        layout: ParallelLayout, batch: Int, promptTokens: Int, generatedTokens: Int, dtypes dt: DTypePlan,
        tiling: AttentionTiling, rates: RooflineRates
    ) -> DeploymentTiming {
        let rank = tensorShard(layout.tensor)
        let stages = rank.pipelineStages(layout.pipeline)
        let b = Int128(batch), m = b * Int128(promptTokens)
        let prefillAll = rank.prefillCost(batch: batch, promptTokens: promptTokens, dtypes: dt, tiling: tiling)
        let decodeAll = rank.decodeOperators(batch: batch, dtypes: dt)
        let exit = firstCrossRun
        let lo = Int128(promptTokens) + 1, hi = Int128(promptTokens) + Int128(generatedTokens)
        let timings = stages.enumerated().map { k, stage -> StageTiming in
            let next = k + 1 < stages.count ? stages[k + 1] : nil
            let prefillComm = rank.communicationOperators(
                stage: stage, next: next, layout: layout, fullVocab: vocabSize, dtypes: dt,
                rows: { r in exit.map { r >= $0 } ?? false ? b : m }, embeddingRows: m, batch: b, sharedRows: m)
            let decodeComm = rank.communicationOperators(
                stage: stage, next: next, layout: layout, fullVocab: vocabSize, dtypes: dt,
                rows: { _ in b }, embeddingRows: b, batch: b, sharedRows: b)
            let prefillOps = rank.stageOperators(prefillAll.operators, stage: stage) + prefillComm
            let prefill = PhaseCost(operators: prefillOps)
            let stepOps = decodeAll.compactMap { op -> DecodeOperator? in
                guard let kept = rank.stageOperators([op.fixed], stage: stage).first else { return nil }
                var o = op
                o.fixed = kept
                return o
            } + decodeComm.map {
                DecodeOperator(fixed: $0, flopsPerPosition: .zero, bytesPerPosition: 0, attendsContext: false, span: .full, heads: 0)
            }
            let step = rank.decodeStepCost(stepOps, batch: batch, context: promptTokens + 1)
            let commPrefill = rates.seconds(PhaseCost(operators: prefillComm))
            let commStep = rates.seconds(PhaseCost(operators: decodeComm))
            // the stage's element-wise kernels, where the profile prices them apart (as `estimate` does)
            let prefillElementwise = rates.elementwiseSeconds(rank, rows: m, earlyExitRows: b, stage: stage, dtype: dt.activations)
            let stepElementwise = rates.elementwiseSeconds(rank, rows: b, stage: stage, dtype: dt.activations)
            return StageTiming(
                prefill: prefill, prefillSeconds: rates.seconds(prefill) + prefillElementwise,
                firstDecodeStep: step, firstDecodeStepSeconds: rates.seconds(step) + stepElementwise,
                decodeSeconds: generatedTokens > 0
                    ? stepOps.reduce(0) { $0 + $1.seconds(from: lo, to: hi, rates: rates) } + Double(generatedTokens) * stepElementwise : 0,
                prefillCommunicationSeconds: commPrefill,
                decodeCommunicationSeconds: Double(generatedTokens) * commStep)
        }
        return DeploymentTiming(layout: layout, stages: timings)
    }
}
