// Quantised weight and KV formats: hand counts of published checkpoints and exactness properties.

import CostModel
import Testing

@Suite("Quantised storage formats")
struct StorageFormatTests {
    /// Llama-3.1-8B: 32 layers, d 4096, 32/8 heads of 128, F 14336, V 128256, untied.
    static func llama31_8B(_ plan: DTypePlan = .uniform(.fp16)) -> ModelSpec {
        var s = ModelSpec.transformer(id: "llama-3.1-8b", source: "test", layers: 32, hiddenSize: 4096, heads: 32, kvHeads: 8,
                                      headDim: 128, ffnSize: 14336, vocabSize: 128_256, dtypes: plan)
        s.maxPositionEmbeddings = 131_072
        return s
    }

    static func awqPlan(_ notConverted: [String] = []) -> DTypePlan {
        DTypePlan(weights: .fp16, kvCache: .fp16, state: .fp16, activations: .fp16,
                  weightStorage: WeightStorage(format: .awq(group: 128), notConverted: notConverted))
    }

    @Test("AWQ int4 g128 Llama-3.1-8B: 5,727,854,592 B, the published 4.68 + 1.05 GB")
    func awqLlama() {
        // Per linear (in x out, g 128): qweight in*out/2 + qzeros (in/128)*(out/8)*4 + scales (in/128)*out*2.
        //   q, o 4096x4096: 8,388,608 + 65,536 + 262,144 = 8,716,288 each
        //   k, v 4096x1024: 2,097,152 + 16,384 + 65,536 = 2,179,072 each
        //   gate, up 4096x14336: 29,360,128 + 229,376 + 917,504 = 30,507,008 each
        //   down 14336x4096: 29,360,128 + 229,376 + 917,504 = 30,507,008
        //   per layer 2*8,716,288 + 2*2,179,072 + 3*30,507,008 = 113,311,744; x 32 = 3,625,975,808
        // fp16 embed + lm_head 2 * 128256*4096*2 = 2,101,346,304; 65 norms * 4096 * 2 = 532,480
        // total 5,727,854,592 (docs/research/quant-formats.md §1; HF listing 4.68 GB + 1.05 GB).
        let m = Self.llama31_8B(Self.awqPlan()).memory(MemoryQuery(promptTokens: 0, dtypes: Self.awqPlan()))
        #expect(m.weightBytes == 5_727_854_592)
        #expect(m.weightBytesByClass[.ffn] == Int128(32 * 3 * 30_507_008))
        #expect(m.weightBytesByClass[.embedding] == Int128(128_256 * 4096 * 2))
    }

    @Test("GPTQ int4 g128 adds g_idx (one int32 per input row): 5,732,835,328 B")
    func gptqLlama() {
        let plan = DTypePlan(weights: .fp16, kvCache: .fp16, state: .fp16, activations: .fp16,
                             weightStorage: WeightStorage(format: .integer(bits: 4, group: 128, packing: .gptq, zeroPoint: true)))
        // AWQ's count + g_idx: per layer 4*4096 (q,k,v,o... in=4096) + 2*4096 (gate, up) + 14336 (down)
        //   = q,k,v,o: 4*4096 = 16,384; gate, up: 8,192; down: 14,336 -> 38,912 rows * 4 B * 32 layers = 4,980,736
        #expect(Self.llama31_8B(plan).weightBytes(plan: plan).values.reduce(0, +) == 5_727_854_592 + 4_980_736)
    }

    @Test("modules_to_not_convert keeps the matched layers in fp16")
    func notConverted() {
        // yujiepan/Meta-Llama-3-8B-awq-w4g64-v2 style: ["layers.31.mlp"] leaves layer 31's three FFN matrices in fp16.
        let plan = Self.awqPlan(["layers.31.mlp"])
        let spec = Self.llama31_8B(plan)
        let ffn = spec.weightBytes(plan: plan)[.ffn]!
        #expect(ffn == 31 * 3 * 30_507_008 + 3 * 4096 * 14336 * 2)
        // A glob anchored at the start (gpt-oss's form) and a substring that must not match layer 31 by prefix.
        #expect(WeightStorage(format: .mxfp4, notConverted: ["model.layers.*.self_attn"]).leavesUnconverted("model.layers.7.self_attn.q_proj"))
        #expect(!WeightStorage(format: .mxfp4, notConverted: ["model.layers.*.self_attn"]).leavesUnconverted("model.layers.7.mlp.down_proj"))
        #expect(!WeightStorage(format: .mxfp4, notConverted: ["layers.3.mlp"]).leavesUnconverted("model.layers.31.mlp.up_proj"))
    }

    @Test("block formats: bytes are exact multiples of their blocks", arguments: [(32, 64), (4096, 1024), (14336, 4096), (2880, 5760)])
    func blockMultiples(inputs: Int, outputs: Int) {
        let n = Int128(inputs) * Int128(outputs)
        // MXFP4: 32 values = 16 B + one e8m0 byte -> 17 B per block (4.25 bits).
        #expect(WeightFormat.mxfp4.matrixBytes(inputs: inputs, outputs: outputs) == n / 32 * 17)
        // NVFP4: 16 values = 8 B + one fp8 scale -> 9 B per block, + fp32 tensor and input scales.
        #expect(WeightFormat.nvfp4.matrixBytes(inputs: inputs, outputs: outputs) == n / 16 * 9 + 8)
        // fp8 128x128 blocks (DeepSeek-V3): one fp32 per block, partial blocks padded.
        let blocks = Int128((outputs + 127) / 128) * Int128((inputs + 127) / 128)
        #expect(WeightFormat.fp8(.block(outputs: 128, inputs: 128), staticActivations: false).matrixBytes(inputs: inputs, outputs: outputs) == n + blocks * 4)
        #expect(WeightFormat.fp8(.perChannel, staticActivations: false).matrixBytes(inputs: inputs, outputs: outputs) == n + Int128(outputs) * 4)
    }

    @Test("a group size that does not divide the input pays for a padded last group")
    func paddedGroups() {
        // in 200, g 128: 2 groups. AWQ out 8: qweight 200*1*4, qzeros 2*1*4, scales 2*8*2.
        #expect(WeightFormat.awq(group: 128).matrixBytes(inputs: 200, outputs: 8) == 800 + 8 + 32)
    }

    @Test("format names round-trip", arguments: ["awq-int4-g128", "awq-int4-g64-nozp", "gptq-int4-g128", "gptq-int8-gall", "int4-g128",
                                                 "int8-g64", "fp8-tensor", "fp8-channel-static", "fp8-block128", "fp8-block128x64", "mxfp4", "nvfp4"])
    func names(name: String) {
        #expect(WeightFormat(name: name)?.name == name)
    }

    @Test("names that are not formats are refused", arguments: ["awq-int8-g128", "int3-g128", "fp8-row", "int4", "gptq-int4-g0", "fp4"])
    func badNames(name: String) {
        #expect(WeightFormat(name: name) == nil)
    }

    @Test("fp8 KV: exactly half of bf16 per token, plus fp32 K and V scales per layer (per tensor or per head)")
    func fp8KV() {
        let spec = Self.llama31_8B()
        let bf16 = spec.kvCacheBytes(batch: 2, tokens: 1000, dtype: .bf16)
        let tensor = DTypePlan(weights: .bf16, kvCache: .fp8, state: .bf16, activations: .bf16, kvFormat: .fp8(.perTensor))
        let head = DTypePlan(weights: .bf16, kvCache: .fp8, state: .bf16, activations: .bf16, kvFormat: .fp8(.perHead))
        #expect(spec.kvCacheBytes(batch: 2, tokens: 1000, plan: tensor) == bf16 / 2 + 32 * 2 * 4)
        #expect(spec.kvCacheBytes(batch: 2, tokens: 1000, plan: head) == bf16 / 2 + 32 * 2 * 8 * 4)
    }

    @Test("int8/int4 KV with a group size: values plus an fp16 scale (and zero) per group")
    func intKV() {
        let spec = Self.llama31_8B()
        // Per position per layer: 8 heads x [K 128 + V 128 values] ; g 64 -> 2 + 2 groups x (2 + 2) B.
        let int8 = DTypePlan(weights: .bf16, kvCache: .int8, state: .bf16, activations: .bf16, kvFormat: .integer(bits: 8, group: 64, zeroPoint: true))
        #expect(spec.kvCacheBytes(batch: 1, tokens: 10, plan: int8) == 10 * 32 * 8 * (256 + 4 * 4))
        // int4 g32 symmetric: 64 + 64 B of values, 4 + 4 groups x 2 B.
        let int4 = DTypePlan(weights: .bf16, kvCache: .int4, state: .bf16, activations: .bf16, kvFormat: .integer(bits: 4, group: 32, zeroPoint: false))
        #expect(spec.kvCacheBytes(batch: 3, tokens: 10, plan: int4) == 3 * 10 * 32 * 8 * (128 + 8 * 2))
        #expect(KVFormat(name: "int4-g32-sym") == .integer(bits: 4, group: 32, zeroPoint: false))
    }

    @Test("without a format the plan's bytes are the plain dtype's (existing answers unchanged)")
    func plainUnchanged() {
        for spec in Fixtures.all {
            #expect(spec.weightBytes(plan: spec.dtypes) == spec.weightBytes(dtype: spec.dtypes.weights))
            #expect(spec.kvCacheBytes(batch: 3, tokens: 5000, plan: spec.dtypes) == spec.kvCacheBytes(batch: 3, tokens: 5000, dtype: spec.dtypes.kvCache))
        }
    }

    @Test("the linear matrices and the vectors add up to the parameter count")
    func matricesCoverParameters() {
        for spec in Fixtures.all {
            let matrices = spec.linearMatrices.reduce(Int128(0)) { $0 + Int128($1.names.count) * $1.elements }
            let p = spec.parameterCount
            let vectors = p[.norms] + p[.embedding]
            #expect(matrices + vectors == p.total, "\(spec.id)")
        }
    }

    @Test("a decode step reads the quantised bytes of every converted matrix (AWQ Llama-3.1-8B)")
    func decodeReadsQuantisedWeights() {
        let fp16 = DTypePlan.uniform(.fp16)
        let spec = Self.llama31_8B(fp16)
        // Decoder linears per layer 218,103,808 elements: fp16 x 2 B x 32 = 13,958,643,712 B; AWQ 3,625,975,808 B
        // (the hand count above). Head, activations and KV are read alike in both.
        let plain = spec.decodeStepCost(batch: 1, context: 1, dtypes: fp16).bytes
        let awq = spec.decodeStepCost(batch: 1, context: 1, dtypes: Self.awqPlan()).bytes
        #expect(plain - awq == 13_958_643_712 - 3_625_975_808)
    }
}
