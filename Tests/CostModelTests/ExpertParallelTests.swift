// Tensor parallelism on experts, latent attention and fixed-state layers, expert parallelism and its
// all-to-all, grouped weight formats under a split, and pipeline stages of a quantised checkpoint
// (Deployment/ModelSpec+Sharding.swift, ModelSpec+Parallel.swift, ParallelLayout.swift).

import CostModel
import Testing

@Suite("Parallelism on experts, latent attention and fixed-state layers")
struct ExpertParallelTests {
    static let bf16 = DTypePlan.uniform(.bf16)

    @Test("Mixtral-8x7B bf16 at tp2: per-rank weights and KV match the hand count; ep2 holds the same")
    func mixtralTP2() throws {
        let q = MemoryQuery(batch: 1, promptTokens: 1000, dtypes: Self.bf16)
        let m = try MoEFixtures.mixtral.deploymentMemory(q, layout: ParallelLayout(tensor: 2))
        // Per layer and rank (d 4096, 16 of 32 heads, 4 of 8 KV heads of 128, 8 experts of 14336 / 2):
        //   attention  2 * 4096 * 2048 (Wq, Wo) + 2 * 4096 * 512 (Wk, Wv)   = 20,971,520
        //   experts    8 * 3 * 4096 * 7168                                  = 704,643,072
        //   router     4096 * 8 (replicated)                                = 32,768
        //   norms      2 * 4096                                             = 8,192
        //   per layer 725,655,552; 32 layers 23,220,977,664
        //   embedding + head 2 * 16,000 * 4096 = 131,072,000; final norm 4,096
        //   total 23,352,053,760 parameters = 46,704,107,520 B in bf16
        #expect(m.perDevice.weightBytes == 46_704_107_520)
        // KV per token and rank: 32 layers * 2 (K, V) * 4 heads * 128 * 2 B = 65,536 B.
        #expect(m.perDevice.kvCacheBytes == 1000 * 65_536)
        // ep2 over the same two ranks: 4 whole experts of 14336 per rank, 4 * 3 * 4096 * 14336 =
        // 704,643,072, the same elements as 8 halves.
        let ep = try MoEFixtures.mixtral.deploymentMemory(q, layout: ParallelLayout(tensor: 2, expert: 2))
        #expect(ep.perDevice == m.perDevice)
    }

    @Test("DeepSeek-V3's latent attention at tp8: heads split, q_a/kv_a and the latent cache replicated (hand count)")
    func latentTP8() throws {
        let spec = MLAFixtures.spec()
        let q = MemoryQuery(batch: 1, promptTokens: 4096, dtypes: Self.bf16)
        let m = try spec.deploymentMemory(q, layout: ParallelLayout(tensor: 8))
        // Per layer and rank (d 7168, 16 of 128 heads, q 1536, r 512, dn 128, dr 64, dv 128, F 18432 / 8):
        //   q_a 7168 * 1536 = 11,010,048 and its norm 1,536 (replicated)
        //   q_b 1536 * 16 * 192 = 4,718,592
        //   kv_a 7168 * 576 = 4,128,768 and its norm 512 (replicated)
        //   kv_b 512 * 16 * 256 = 2,097,152
        //   o 16 * 128 * 7168 = 14,680,064                      attention 36,636,672
        //   FFN 3 * 7168 * 2304 = 49,545,216; norms 2 * 7168 = 14,336
        //   per layer 86,196,224; 61 layers 5,257,969,664
        //   embedding + head 2 * 16,160 * 7168 = 231,669,760; final norm 7,168
        //   total 5,489,646,592 parameters = 10,979,293,184 B in bf16
        #expect(m.perDevice.weightBytes == 10_979_293_184)
        // The latent (512 + 64 elements per position and layer) is on every rank whole:
        // 61 * 576 * 2 B = 70,272 B per token, the single device's figure.
        #expect(m.perDevice.kvCacheBytes == 4096 * 70_272)
        #expect(m.perDevice.kvCacheBytes == spec.memory(q).kvCacheBytes)
        #expect(throws: SpecError.self) { try ParallelLayout(tensor: 3).check(for: spec) }
    }

    @Test("A fixed-state layer at tp2: heads, conv channels and state halve; Mamba2's one group is replicated")
    func fixedStateTP2() throws {
        let gdn = FixedStateMixer.gatedDeltaNet(keyHeads: 4, keyDim: 8, valueHeads: 8, valueDim: 8, convKernel: 4)
        let mamba2 = FixedStateMixer.mamba2(heads: 8, headDim: 8, groups: 1, stateSize: 16, convKernel: 4, convBias: true,
                                            projectionBias: false, chunkTokens: 64)
        for mixer in [gdn, mamba2] {
            let spec = ModelSpec(id: "fs", source: "test", hiddenSize: 64, vocabSize: 64,
                                 runs: [BlockRun(Block(mixer: .fixedState(mixer), feedForward: .gated(inner: 128, activation: .silu)), count: 4)])
            let q = MemoryQuery(batch: 1, promptTokens: 10, dtypes: Self.bf16)
            let m = try spec.deploymentMemory(q, layout: ParallelLayout(tensor: 2))
            // GDN: state 4 heads * 8 * 8 = 256 per layer (of 512); conv 3 * (2 * 2 * 8 + 4 * 8) = 192
            // (of 384); 4 layers * (256 + 192) * 2 B = 3,584 B, half of 7,168.
            // Mamba2: state 4 heads * 16 * 8 = 512 (of 1,024); conv 3 * (4 * 8 + 2 * 1 * 16) = 192
            // (of 3 * (64 + 32) = 288: the group's B and C are on both ranks); 4 * 704 * 2 = 5,632 B.
            let expected: Int128 = mixer.kind == .gatedDeltaNet ? 3_584 : 5_632
            #expect(m.perDevice.stateBytes == expected, "\(mixer.kind)")
            #expect(m.perDevice.weightBytes < spec.memory(q).weightBytes)
        }
        #expect(throws: SpecError.self) {
            try ParallelLayout(tensor: 8).check(for: ModelSpec(
                id: "fs", source: "test", hiddenSize: 64, vocabSize: 64,
                runs: [BlockRun(Block(mixer: .fixedState(gdn), feedForward: .gated(inner: 128, activation: .silu)), count: 1)]))
        }
    }

    @Test("Expert parallelism is refused by name where it does not apply", arguments: [
        (ParallelLayout(tensor: 2, expert: 4), "ep"),   // ep must divide tp
        (ParallelLayout(tensor: 8, expert: 8), nil),     // 8 experts over 8 ranks
        (ParallelLayout(tensor: 6, expert: 3), "tp"),    // 6 does not divide the 32 heads
        (ParallelLayout(tensor: 4, expert: 4), nil),
    ] as [(ParallelLayout, String?)])
    func epRefusals(layout: ParallelLayout, field: String?) {
        do {
            try layout.check(for: MoEFixtures.mixtral)
            #expect(field == nil)
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test("ep needs experts, and E divisible by ep")
    func epNeedsExperts() {
        do { try ParallelLayout(tensor: 2, expert: 2).check(for: MoEFixtures.denseTwin) } catch { #expect(error.field == "ep") }
        let six = ModelSpec(id: "six", source: "test", hiddenSize: 4096, vocabSize: 32000,
                            runs: [BlockRun(Block(mixer: .attention(Attention(heads: 32, kvHeads: 8, headDim: 128)),
                                                  feedForward: .experts(Experts(count: 6, active: 2, inner: 1024))), count: 2)])
        #expect(throws: SpecError.self) { try ParallelLayout(tensor: 4, expert: 4).check(for: six) }
        do { try ParallelLayout(tensor: 4, expert: 4).check(for: six) } catch { #expect(error.constraint.contains("routed experts (6)")) }
        #expect((try? ParallelLayout(tensor: 4, expert: 2).check(for: six)) != nil)
    }

    @Test("The all-to-all of a decode step: ceil(B / ep) k d a (ep - 1) / ep bytes per rank each way, per MoE layer")
    func allToAll() throws {
        let hw = try #require(Self.nvlinkH100)
        let rates = try RooflineRates(hardware: hw, computeDType: .bf16)
        let t = MoEFixtures.mixtral.deploymentTiming(layout: ParallelLayout(tensor: 2, expert: 2), batch: 8, promptTokens: 100,
                                                     generatedTokens: 4, dtypes: Self.bf16, tiling: .exact, rates: rates)
        let ops = t.stages[0].firstDecodeStep.operators.filter {
            if case .communication(let c) = $0.id.part { return c == .dispatch || c == .combine }
            return false
        }
        // 8 rows over 2 ranks: 4 each, 2 copies each, 4096 * 2 B: 65,536 B, half of which leaves the
        // rank: 32,768 B per direction, once per layer (32), 1 latency step.
        #expect(ops.count == 2)
        for op in ops {
            #expect(op.bytes == 32_768)
            #expect(op.count == 32)
            #expect(op.linkSteps == 1)
        }
        // Without ep the layout has no all-to-all and the same rank's other operators.
        let tp = MoEFixtures.mixtral.deploymentTiming(layout: ParallelLayout(tensor: 2), batch: 8, promptTokens: 100,
                                                      generatedTokens: 4, dtypes: Self.bf16, tiling: .exact, rates: rates)
        #expect(tp.stages[0].firstDecodeStep.operators.count + 2 == t.stages[0].firstDecodeStep.operators.count)
        #expect(t.decodeSeconds > tp.decodeSeconds)
    }

    @Test("A grouped integer format whose group does not divide a rank's input width is refused at that tp")
    func groupSplit() throws {
        // Llama-3.1-8B AWQ g128: F 14336 / 8 = 1792 = 14 groups (accepted); at tp 16... 896 = 7 groups;
        // a model with F 1000 at tp 2 leaves 500 inputs of down_proj, not a multiple of 128.
        let awq = StorageFormatTests.awqPlan()
        let q = MemoryQuery(promptTokens: 10, dtypes: awq)
        _ = try StorageFormatTests.llama31_8B(awq).deploymentMemory(q, layout: ParallelLayout(tensor: 8))
        let odd = ModelSpec(id: "odd", source: "test", architecture: .transformer(window: nil),
                            layers: 2, hiddenSize: 1024, heads: 8, kvHeads: 8, headDim: 128, ffnSize: 1000, vocabSize: 1000)
        #expect((try? odd.deploymentMemory(q, layout: .single)) != nil)
        do {
            _ = try odd.deploymentMemory(q, layout: ParallelLayout(tensor: 2))
            Issue.record("tp2 with 500 inputs per rank in groups of 128 was accepted")
        } catch {
            #expect(error.field == "tp")
            #expect(error.constraint.contains("500 input features"), "\(error)")
        }
    }

    @Test("Pipeline stages of a quantised checkpoint hold their own layers' quantised bytes")
    func quantisedStages() throws {
        let awq = StorageFormatTests.awqPlan()
        let spec = StorageFormatTests.llama31_8B(awq)
        let q = MemoryQuery(promptTokens: 10, dtypes: awq)
        let one = spec.memory(q)
        let pp = try spec.deploymentMemory(q, layout: ParallelLayout(pipeline: 2))
        // The layers are identical and converted alike: the two stages' weights sum to the model's,
        // and each stage's layers are half the converted layers' bytes.
        let sum = pp.stages.map(\.weightBytes).reduce(0, +)
        #expect(sum == one.weightBytes)
        let embedding = one.weightBytesByClass[.embedding] ?? 0, head = one.weightBytesByClass[.outputHead] ?? 0
        #expect(pp.stages[0].weightBytesByClass[.embedding] == embedding)
        #expect(pp.stages[1].weightBytesByClass[.outputHead] == head)
        for c in [WeightClass.attention, .ffn] {
            let whole = one.weightBytesByClass[c] ?? 0
            #expect(pp.stages.map { $0.weightBytesByClass[c] ?? 0 } == [whole / 2, whole / 2], "\(c)")
        }
        // And they are quantised: well under the fp16 stage's bytes (AWQ g128 is about 4.25 bits).
        let fp16 = try spec.deploymentMemory(MemoryQuery(promptTokens: 10, dtypes: .uniform(.fp16)), layout: ParallelLayout(pipeline: 2))
        #expect(3 * pp.stages[0].weightBytesByClass[.ffn]! < fp16.stages[0].weightBytesByClass[.ffn]!)
        // A KV format with pp > 1 stays refused by name.
        var kvPlan = awq
        kvPlan.kvFormat = .fp8(.perTensor)
        #expect(throws: SpecError.self) { try spec.deploymentMemory(MemoryQuery(promptTokens: 10, dtypes: kvPlan), layout: ParallelLayout(pipeline: 2)) }
    }

    @Test("Sharding experts, latent attention and fixed-state layers never increases per-device bytes; only the latent cache and KV heads beyond tp are replicated")
    func neverLarger() throws {
        let gdn = FixedStateMixer.gatedDeltaNet(keyHeads: 4, keyDim: 8, valueHeads: 8, valueDim: 8, convKernel: 4)
        let hybrid = ModelSpec(id: "gdn", source: "test", hiddenSize: 64, vocabSize: 64,
                               runs: [BlockRun(Block(mixer: .fixedState(gdn), feedForward: .experts(Experts(count: 8, active: 2, inner: 32))), count: 3),
                                      BlockRun(Block(mixer: .attention(Attention(heads: 4, kvHeads: 2, headDim: 16)), feedForward: .gated(inner: 128, activation: .silu)), count: 1)])
        let q = MemoryQuery(batch: 2, promptTokens: 512, generatedTokens: 16, dtypes: Self.bf16)
        for model in [MoEFixtures.mixtral, MLAFixtures.spec(), hybrid] {
            let one = model.memory(q)
            var tried = 0
            for tp in [2, 4, 8] {
                for ep in [1, 2, 4, 8] where ep <= tp {
                    let layout = ParallelLayout(tensor: tp, expert: ep)
                    guard (try? layout.check(for: model)) != nil else { continue }
                    tried += 1
                    let m = try model.deploymentMemory(q, layout: layout)
                    let label = "\(model.id) \(layout)"
                    #expect(m.perDevice.weightBytes < one.weightBytes, "\(label)")
                    #expect(m.perDevice.kvCacheBytes <= one.kvCacheBytes, "\(label)")
                    #expect(m.perDevice.stateBytes <= one.stateBytes, "\(label)")
                    // Summed over the ranks: the latent cache is whole on each (tp copies), the
                    // hybrid's 2 KV heads are replicated beyond tp 2 (tp / 2 copies); the state
                    // splits exactly (the GDN's heads and conv channels all divide).
                    let kvSum = Int128(tp) * m.perDevice.kvCacheBytes, stateSum = Int128(tp) * m.perDevice.stateBytes
                    let copies = model.id == "mla" ? tp : model.id == "gdn" ? max(1, tp / 2) : 1
                    #expect(kvSum == Int128(copies) * one.kvCacheBytes, "\(label)")
                    #expect(stateSum == one.stateBytes, "\(label)")
                }
            }
            #expect(tried >= 2, "\(model.id)")
        }
    }

    // Expert parallelism in capacity's smallest deployment (SmallestDeployment.swift): it holds the
    // bytes tp holds, so it can only matter where a tp split of the experts cuts a weight format's
    // block. A 3-layer MoE of 8 experts of I = 384 = 3 x 128 in fp8 128x128 blocks: tp2 leaves each
    // rank 192 gate/up outputs per expert (cuts a block: refused, as vLLM refuses it), an expert
    // group of ep2 keeps 384 (whole). pp2 cannot split 3 layers, so before ep was tried the fewest
    // devices were 3 (tp1 pp3); with it, 2 (tp2 ep2). The device holds just under one copy of the
    // model, so one device never fits.
    @Test("smallestDeployment tries ep where a tp split cuts the experts' fp8 blocks: 2 devices tp2ep2 instead of 3 (tp1pp3)")
    func smallestDeploymentWithExpertParallel() throws {
        var plan = DTypePlan.uniform(.bf16)
        plan.weightStorage = WeightStorage(format: .fp8(.block(outputs: 128, inputs: 128), staticActivations: false))
        let moe = Block(mixer: .attention(Attention(heads: 8, kvHeads: 2, headDim: 128)),
                        feedForward: .experts(Experts(count: 8, active: 2, inner: 384)))
        let spec = ModelSpec(id: "moe-384", source: "test", hiddenSize: 1024, vocabSize: 32_000, dtypes: plan, runs: [BlockRun(moe, count: 3)])
        try spec.validate()
        let q = MemoryQuery(batch: 1, promptTokens: 1024, dtypes: plan)
        #expect(throws: SpecError.self) { try spec.deploymentMemory(q, layout: ParallelLayout(tensor: 2)) }
        #expect(throws: SpecError.self) { try spec.deploymentMemory(q, layout: ParallelLayout(pipeline: 2)) }
        let ep = try spec.deploymentMemory(q, layout: ParallelLayout(tensor: 2, expert: 2))
        var hw = try #require(Self.nvlinkH100)
        var single = q
        single.runtimeOverheadBytes = hw.runtimeOverheadBytes
        hw.memoryBytes = spec.memory(single).totalBytes - 1
        let choice = try #require(spec.smallestDeployment(q, among: [hw]))
        #expect(choice.layout == ParallelLayout(tensor: 2, expert: 2), "\(choice.layout)")
        #expect(choice.perDeviceBytes == ep.perDevice.totalBytes + hw.runtimeOverheadBytes - q.runtimeOverheadBytes)
        // What the answer was before: tp1 pp3 fits on 3 of these devices (tp3 cannot split 8 heads).
        #expect(try spec.deploymentMemory(single, layout: ParallelLayout(pipeline: 3)).perDevice.totalBytes <= hw.memoryBytes)
        // Without a cut group ep is never tried: the bf16 model's answer is a plain tp layout.
        var bf16 = spec
        bf16.dtypes = .uniform(.bf16)
        let plain = try #require(bf16.smallestDeployment(MemoryQuery(batch: 1, promptTokens: 1024, dtypes: .uniform(.bf16)), among: [ComputeFixtures.huge]))
        #expect(plain.layout.expert == 1)
    }

    /// H100 SXM with an NVLink interconnect of round figures (the test needs a link, not its value).
    static let nvlinkH100: HardwareSpec? = {
        var h = ComputeFixtures.h100
        h.interconnect = Interconnect(deviceLinkBytesPerSecond: 450e9, hostLinkBytesPerSecond: 64e9, collectiveEfficiency: 0.8,
                                      stepLatencySeconds: 5e-6, nodeDevices: 8, source: "test")
        return h
    }()
}
