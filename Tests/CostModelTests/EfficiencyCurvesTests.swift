// Efficiency curves (issue 15): interpolation, the per-operator pricing that replaces the single
// efficiencies on GPU profiles with curves, and the segmented decode sum.

import Testing
@testable import CostModel

@Suite("efficiency curves")
struct EfficiencyCurvesTests {
    static func p(_ x: Double, _ v: Double) -> EfficiencyPoint { EfficiencyPoint(x: x, value: v, source: "k000") }

    /// A GPU of round numbers: 1e15 FLOP/s, 1e12 B/s, with curves of known values.
    static let curves = EfficiencyCurves(
        file: "test.csv",
        dense: [.bf16: EfficiencyCurve([p(64, 0.5), p(4096, 0.8)])],  // over a product's rows M
        prefillAttention: [
            PrefillAttentionKey(kernel: .flash2, dtype: .bf16, headDim: 64, causal: true): EfficiencyCurve([p(512, 0.2), p(8192, 0.3)]),
            PrefillAttentionKey(kernel: .flash2, dtype: .bf16, headDim: 128, causal: true): EfficiencyCurve([p(512, 0.3), p(8192, 0.4)]),
        ],
        decodeAttention: EfficiencyCurve([p(1e6, 0.1), p(1e9, 0.9)]),
        streaming: EfficiencyCurve([p(1e6, 0.2), p(1e9, 0.8)]),
        launchSeconds: [.cudaGraphs: 1e-6, .eager: 3e-6], defaultAttentionKernel: .flash2)

    static let gpu = HardwareSpec(
        id: "gpu", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e12,
        peakFlopsPerSecond: [.bf16: 1e15], computeEfficiency: 0.7, memoryEfficiency: 0.8, operatorOverheadSeconds: 5e-6,
        efficiencyCurves: curves)

    @Test("a curve is linear in log2(x) between points and flat beyond them")
    func interpolation() {
        let c = EfficiencyCurve([Self.p(1024, 0.2), Self.p(4096, 0.6)])
        #expect(c.value(at: 10) == 0.2)
        #expect(c.value(at: 1_048_576) == 0.6)
        // 2048 is half-way between 1024 and 4096 in log2 (tolerance: the series log2 is exact to 1e-10)
        #expect(abs(c.value(at: 2048) - 0.4) < 1e-9)
    }

    @Test("a shaped dense curve prices a product by its rows and its N x K, the operator's mean over its products")
    func denseShape() throws {
        var shaped = Self.curves
        shaped.dense = [:]
        // 0.4 at N K 2^20 and 0.8 at 2^24 (each flat over M); 2^22 is half-way in log2
        shaped.denseByShape = [.bf16: [DenseShapeCurve(weightElements: 1_048_576, curve: EfficiencyCurve([Self.p(64, 0.4)])),
                                       DenseShapeCurve(weightElements: 16_777_216, curve: EfficiencyCurve([Self.p(64, 0.8)]))]]
        var gpu = Self.gpu
        gpu.efficiencyCurves = shaped
        let rates = try RooflineRates(hardware: gpu, computeDType: .bf16)
        // one product of 2048 x 2048 (N K 2^22): 0.6 of peak (tolerance: the series log2 is exact to 1e-10)
        let one = OperatorCost(OperatorID(part: .output), flops: .gemm(4096, 2048, 2048), bytes: 1).with(rows: 4096)
        #expect(one.productWeightElements == 1 << 22)
        #expect(abs(rates.seconds(one) - (2 * 4096 * 2048 * 2048 / 0.6e15 + 1e-6)) < 1e-9)
        // a feed-forward's two products of N K 2^22 each: the mean, not the sum (2^23)
        let ffn = OperatorCost(OperatorID(part: .ffn), flops: .gemm(4096, 2048, 2048) + .gemm(4096, 2048, 2048), bytes: 1).with(rows: 4096, products: 2)
        #expect(ffn.productWeightElements == 1 << 22)
        // an MoE layer's expert shape is given, not read from the layer's FLOPs over its per-expert rows
        let moe = OperatorCost(OperatorID(part: .ffn), flops: .gemm(4096, 2048, 2048), bytes: 1).with(rows: 64, productWeightElements: 1 << 20)
        #expect(abs(rates.seconds(moe) - (2 * 4096 * 2048 * 2048 / 0.4e15 + 1e-6)) < 1e-9)
        // beyond the widest shape the widest curve holds
        let wide = OperatorCost(OperatorID(part: .head), flops: .gemm(64, 16384, 16384), bytes: 1).with(rows: 64)
        #expect(abs(rates.seconds(wide) - (2 * 64 * 16384 * 16384 / 0.8e15 + 1e-6)) < 1e-9)
    }

    @Test("prefill efficiency interpolates linearly between published head dims and clamps outside")
    func headDims() throws {
        let c = Self.curves
        #expect(c.prefillEfficiency(.flash2, .bf16, headDim: 96, causal: true, tokens: 512) == 0.25)
        #expect(c.prefillEfficiency(.flash2, .bf16, headDim: 256, causal: true, tokens: 8192) == 0.4)
        #expect(c.prefillEfficiency(.flash3, .bf16, headDim: 128, causal: true, tokens: 512) == nil)
    }

    @Test("a profile with curves prices each operator by its kernel; one without keeps its single efficiencies")
    func pricing() throws {
        let rates = try RooflineRates(hardware: Self.gpu, computeDType: .bf16)
        let c = try #require(rates.curves)
        // Prefill attention: useful matmul FLOPs at the curve (hd 128, N 8192: 0.4) plus the launch.
        var attn = OperatorCost(OperatorID(part: .attentionCore(windowed: false)), count: 2,
                                flops: FlopCount(matmul: 4_000_000_000_000, other: 10), executedFlops: FlopCount(matmul: 8_000_000_000_000, other: 10), bytes: 1000)
        attn.attention = AttentionShape(queries: 8192, keys: 8192, headDim: 128, causal: true)
        let expected = 2 * (4e12 / (1e15 * 0.4) + 1e-6)
        // tolerance: double rounding of a few divisions
        #expect(abs(rates.seconds(attn) - expected) < 1e-12)
        // Decode attention (one query row): bytes at the decode curve (1e9 bytes: 0.9 of 1e12 B/s).
        var dec = OperatorCost(OperatorID(part: .attentionCore(windowed: false)), flops: FlopCount(matmul: 1000, other: 0), bytes: 1_000_000_000)
        dec.attention = AttentionShape(queries: 1, keys: 100, headDim: 128, causal: true)
        #expect(abs(rates.seconds(dec) - (1e9 / 0.9e12 + 1e-6)) < 1e-12)
        #expect(c.isMemoryBound(dec))
        // A dense product of 10^4 rows (beyond the last point: 0.8 of peak), compute-bound.
        let gemm = OperatorCost(OperatorID(part: .ffn), flops: .gemm(10_000, 10_000, 10_000), bytes: 1_000_000).with(rows: 10_000)
        #expect(abs(rates.seconds(gemm) - (2e12 / 0.8e15 + 1e-6)) < 1e-12)
        // The same FLOPs over products of 512 rows each (an MoE layer's R k / E): log2 512 is half-way
        // between 64 and 4096, so 0.65 of peak; the curve reads a product's rows, not the operator's FLOPs.
        let experts = OperatorCost(OperatorID(part: .ffn), flops: .gemm(10_000, 10_000, 10_000), bytes: 1_000_000).with(rows: 512)
        // tolerance: the series log2 is exact to 1e-10
        #expect(abs(rates.seconds(experts) - (2e12 / 0.65e15 + 1e-6)) < 1e-9)
        // Eager launches cost more.
        let eager = try RooflineRates(hardware: Self.gpu, computeDType: .bf16, launchMode: .eager)
        #expect(eager.seconds(gemm) > rates.seconds(gemm))
        // Without curves: the single efficiencies, and no kernel option.
        var plain = Self.gpu
        plain.efficiencyCurves = nil
        let single = try RooflineRates(hardware: plain, computeDType: .bf16)
        #expect(single.curves == nil)
        #expect(abs(single.seconds(gemm) - (2e12 / 0.7e15 + 5e-6)) < 1e-12)
        #expect(throws: CostModelError.noEfficiencyCurves(hardware: "gpu", option: "--attention-kernel")) {
            try RooflineRates(hardware: plain, computeDType: .bf16, attentionKernel: .flash2)
        }
    }

    @Test("a deployment estimate prices its launches and attention kernel as the query says, as a single-device one does")
    func deploymentHonoursLaunchMode() throws {
        var hw = Self.gpu
        hw.interconnect = Interconnect(deviceLinkBytesPerSecond: 450e9, hostLinkBytesPerSecond: 64e9, collectiveEfficiency: 0.8,
                                       stepLatencySeconds: 5e-6, nodeDevices: 8, source: "test")
        func decodeSeconds(_ mode: LaunchMode) throws -> Double {
            let q = EstimateQuery(promptTokens: 1024, generatedTokens: 16, batch: .fixed(1), launchMode: mode)
            let d = try ComputeFixtures.transformer3B.assess(on: hw, q, layout: ParallelLayout(tensor: 2))
            return try #require(d.timing).decodeSeconds
        }
        // eager launches cost 3 us against 1 us with graphs (the curves above): the eager decode is slower
        // (it was priced with graphs whatever the query said)
        #expect(try decodeSeconds(.eager) > decodeSeconds(.cudaGraphs))
    }

    @Test("a kernel or dtype without a curve is refused by name")
    func missingCurve() {
        #expect(throws: CostModelError.missingEfficiencyCurve(hardware: "gpu", file: "test.csv", what: "prefill_attention for kernel flash3, dtype bf16, causal")) {
            try RooflineRates(hardware: Self.gpu, computeDType: .bf16, attentionKernel: .flash3)
        }
        var gpu = Self.gpu
        gpu.peakFlopsPerSecond[.fp8] = 2e15
        #expect(throws: CostModelError.missingEfficiencyCurve(hardware: "gpu", file: "test.csv", what: "dense_gemm for dtype fp8")) {
            try RooflineRates(hardware: gpu, computeDType: .fp8)
        }
    }

    @Test("the segmented decode sum matches the step-by-step sum within 1%", arguments: [(1, 1, 4096), (8, 1000, 3000), (1, 30000, 2048)])
    func decodeSum(batch: Int, prompt: Int, generated: Int) throws {
        let spec = ModelSpec(
            id: "t", source: "test", architecture: .transformer(window: nil), layers: 4, hiddenSize: 1024, heads: 8, kvHeads: 2, headDim: 128,
            ffnSize: 4096, vocabSize: 32000)
        let rates = try RooflineRates(hardware: Self.gpu, computeDType: .bf16)
        let plan = DTypePlan.uniform(.bf16)
        let closed = spec.decodeSeconds(batch: batch, promptTokens: prompt, generatedTokens: generated, dtypes: plan, rates: rates)
        var steps = 0.0
        for n in (prompt + 1)...(prompt + generated) { steps += rates.seconds(spec.decodeStepCost(batch: batch, context: n, dtypes: plan)) }
        // 1%: each segment prices the bandwidth at its middle step over a context ratio of at most 2^(1/8)
        #expect(abs(closed - steps) / steps < 0.01, "closed \(closed) s, step by step \(steps) s")
    }
}
