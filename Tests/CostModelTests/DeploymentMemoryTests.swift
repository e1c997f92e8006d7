import CostModel
import Testing

@Suite("Deployment memory (tensor and pipeline sharding)")
struct DeploymentMemoryTests {
    /// Llama-3.1-70B (meta-llama/Llama-3.1-70B config.json): L 80, d 8192, H 64, Hkv 8, dh 128,
    /// F 28672, V 128256, untied.
    static let llama70B = ModelSpec(
        id: "llama-3.1-70b", source: "test", architecture: .transformer(window: nil),
        layers: 80, hiddenSize: 8192, heads: 64, kvHeads: 8, headDim: 128, ffnSize: 28672, vocabSize: 128_256)

    @Test("Llama-3.1-70B bf16 at tp4: weights and KV per device match the hand count (ModelSpec+Sharding.swift)")
    func llama70BTP4() throws {
        let q = MemoryQuery(batch: 1, promptTokens: 32768, dtypes: .uniform(.bf16))
        let m = try Self.llama70B.deploymentMemory(q, layout: ParallelLayout(tensor: 4))
        #expect(m.stages.count == 1)
        // Per rank: 80 * (33,554,432 + 4,194,304 + 176,160,768 + 16,384) + 2 * 32,064 * 8,192 + 8,192
        // = 17,639,415,808 parameters, 2 bytes each.
        #expect(m.perDevice.weightBytes == 35_278_831_616)
        // KV per token and rank: 80 layers * 2 (K, V) * 2 heads * 128 * 2 B = 81,920 B.
        #expect(m.perDevice.kvCacheBytes == 32768 * 81_920)
        // A quarter of the single device's KV (tp divides the 8 KV heads: nothing replicated).
        let one = Self.llama70B.memory(q)
        #expect(4 * m.perDevice.kvCacheBytes == one.kvCacheBytes)
    }

    @Test("Llama-3.1-70B bf16 at pp2: the stages hold half the layers each, the head binds")
    func llama70BPP2() throws {
        let q = MemoryQuery(batch: 2, promptTokens: 1000, dtypes: .uniform(.bf16))
        let m = try Self.llama70B.deploymentMemory(q, layout: ParallelLayout(pipeline: 2))
        // Stage 0: 40 * 855,654,400 + 1,050,673,152 (embedding); stage 1 the same + the final norm 8,192.
        let weights: [Int128] = [2 * 35_276_849_152, 2 * 35_276_857_344]
        #expect(m.stages.map(\.weightBytes) == weights)
        #expect(m.bindingStage == 1)
        // KV per token per stage: 40 * 2 * 8 * 128 * 2 B = 163,840 B, for 2 sequences of 1,000.
        let kv: Int128 = 2 * 1000 * 163_840
        #expect(m.stages.map(\.kvCacheBytes) == [kv, kv])
        // Only the last stage holds the fp32 logits (2 sequences * 128,256 * 4 B).
        let logits: Int128 = 2 * 128_256 * 4
        #expect(m.stages[1].activationBytes - m.stages[0].activationBytes == logits)
    }

    @Test("One device is the single-device memory model exactly", arguments: Fixtures.all)
    func singleIsIdentity(model: ModelSpec) throws {
        let q = MemoryQuery(batch: 3, promptTokens: 5000, generatedTokens: 17, dtypes: .uniform(.bf16), prefillChunkTokens: 1024,
                            runtimeOverheadBytes: 1 << 29)
        let m = try model.deploymentMemory(q, layout: .single)
        #expect(m.stages == [model.memory(q)])
    }

    // Nemotron-H keeps its SSM state in fp32 whatever the plan says: a stage must count it the
    // same way as the single-device model (an earlier stage sum used the plan's state dtype).
    @Test("A fixed-state layer's own state dtype is counted on every pipeline stage")
    func fixedStateDTypePerStage() throws {
        let model = FixedStateMixerTests.hybrid(FixedStateMixerTests.gdn, stateDType: .fp32)
        let q = MemoryQuery(batch: 2, promptTokens: 100, generatedTokens: 0, dtypes: .uniform(.bf16))
        let one = model.memory(q)
        #expect(try model.deploymentMemory(q, layout: .single).stages == [one])
        let pp = try model.deploymentMemory(q, layout: ParallelLayout(pipeline: 2))
        #expect(pp.stages.map(\.stateBytes).reduce(0, +) == one.stateBytes)
        #expect(pp.stages.map(\.kvCacheBytes).reduce(0, +) == one.kvCacheBytes)
    }

    @Test("Sharding never increases per-device bytes; only replicated KV makes the sum over devices exceed the model",
          arguments: Fixtures.all)
    func neverLarger(model: ModelSpec) throws {
        let q = MemoryQuery(batch: 2, promptTokens: 4096, generatedTokens: 100, dtypes: .uniform(.bf16))
        let one = model.memory(q)
        var tried = 0
        for tp in [1, 2, 4, 8, 16, 32] {
            for pp in [1, 2, 4, 5] {
                let layout = ParallelLayout(tensor: tp, pipeline: pp)
                guard (try? layout.check(for: model)) != nil else { continue }
                tried += 1
                try check(model, layout, q, one)
            }
        }
        #expect(tried >= 4)
    }

    private func check(_ model: ModelSpec, _ layout: ParallelLayout, _ q: MemoryQuery, _ one: MemoryBreakdown) throws {
        let m = try model.deploymentMemory(q, layout: layout)
        let label = "\(model.id) \(layout)"
        for s in m.stages {
            #expect(s.weightBytes <= one.weightBytes, "\(label)")
            #expect(s.kvCacheBytes <= one.kvCacheBytes, "\(label)")
            #expect(s.stateBytes <= one.stateBytes, "\(label)")
            #expect(s.activationBytes <= one.activationBytes, "\(label)")
        }
        // Summed over every device: KV (and state) equal to the model's unless heads are replicated
        // (tp beyond the KV heads) or YOCO's shared slot is copied to several stages.
        let tp = Int128(layout.tensor)
        let kvSum: Int128 = tp * m.stages.reduce(Int128(0)) { $0 + $1.kvCacheBytes }
        let stateSum: Int128 = tp * m.stages.reduce(Int128(0)) { $0 + $1.stateBytes }
        let spansStages = model.isYOCO && layout.pipeline > 1 && model.crossDecoderLayers > model.layers / layout.pipeline
        let replicated = layout.tensor > model.kvHeads || spansStages
        if replicated {
            #expect(kvSum >= one.kvCacheBytes, "\(label)")
        } else {
            #expect(kvSum == one.kvCacheBytes, "\(label)")
        }
        #expect(stateSum == one.stateBytes, "\(label)")
    }

    @Test("KV heads are replicated when tp exceeds them: one head per rank")
    func replicatedKV() throws {
        // transformer-3b: 8 KV heads; at tp 16 each rank holds 1 head (2 ranks per head), 24/16 heads fail.
        let q = MemoryQuery(promptTokens: 100, dtypes: .uniform(.bf16))
        #expect(throws: SpecError.self) { try Fixtures.transformer3B.deploymentMemory(q, layout: ParallelLayout(tensor: 16)) }
        let mqa = ModelSpec(id: "mqa", source: "test", architecture: .transformer(window: nil),
                            layers: 4, hiddenSize: 1024, heads: 16, kvHeads: 2, headDim: 64, ffnSize: 4096, vocabSize: 1000)
        let m = try mqa.deploymentMemory(q, layout: ParallelLayout(tensor: 8))
        // 4 layers * 100 tokens * 1 head * (64 + 64) * 2 B = 102,400 B on every rank (half the model's 204,800).
        #expect(m.perDevice.kvCacheBytes == 102_400)
        #expect(mqa.memory(q).kvCacheBytes == 204_800)
    }

    @Test("YOCO at pp2: the cross stage holds the shared slot, the self stage the gRet state")
    func yocoStages() throws {
        let q = MemoryQuery(promptTokens: 1000, dtypes: .uniform(.bf16))
        let m = try Fixtures.yoco3B.deploymentMemory(q, layout: ParallelLayout(pipeline: 2))
        // 13 self layers then 13 cross layers: stage 0 = the gRet layers, stage 1 = the cross-decoder.
        #expect(m.stages[0].kvCacheBytes == 0)
        #expect(m.stages[0].stateBytes == 10_223_616)
        #expect(m.stages[1].kvCacheBytes == 1000 * 4096)
        #expect(m.stages[1].stateBytes == 0)
    }

    @Test("Layouts the model cannot take are refused by name", arguments: [
        (ParallelLayout(tensor: 5), "tp"), (ParallelLayout(pipeline: 3), "pp"), (ParallelLayout(expert: 2), "ep"),
        (ParallelLayout(tensor: 0), "tp"),
    ])
    func refusals(layout: ParallelLayout, field: String) {
        #expect(throws: SpecError.self) { try layout.check(for: Self.llama70B) }
        do { try layout.check(for: Self.llama70B) } catch { #expect(error.field == field, "\(error)") }
    }

    @Test("Layout strings", arguments: [("tp4pp2", ParallelLayout(tensor: 4, pipeline: 2)), ("pp2", ParallelLayout(pipeline: 2)),
                                        ("DP2TP8", ParallelLayout(tensor: 8, data: 2)), ("single", .single), ("tp1", .single)])
    func parse(text: String, layout: ParallelLayout) throws {
        #expect(try ParallelLayout(parsing: text) == layout)
        #expect(try ParallelLayout(parsing: layout.description) == layout)
    }

    @Test("Bad layout strings", arguments: ["", "tp", "tp0", "tp4tp2", "xp2", "tp4 pp2", "tp99999999"])
    func badParse(text: String) {
        #expect(throws: SpecError.self) { try ParallelLayout(parsing: text) }
    }
}
