// The element-wise kernel curves (issue 15, seventh and eighth sessions): the A100 and H100 files read
// Vidur's measured kernels (the H200 the H100's times a measured H200 / H100 memcpy ratio), a partial set is refused, and the per-block count follows the model.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("element-wise kernel curves")
struct ElementwiseCurvesTests {
    @Test("the A100 and H100 files have the four kernels from Vidur's Llama-2-7B rows; the H200 the H100's, no faster on a small launch")
    func committed() throws {
        let a100 = try #require(try Fixtures.store.loadHardware("a100-sxm-80gb").efficiencyCurves)
        #expect(Set(a100.elementwise.keys) == Set(ElementwiseKernel.allCases))
        // num_tokens 128, RMSNorm: 2 (2 x 128 x 4096 + 4096) = 2105344 bytes in 5 us (mlp.csv line 244,
        // k753): 2105344 / 5e-6 / 2039e9 = 0.2065; the file writes 4 decimals
        #expect(abs((a100.elementwise[.norm]?.value(at: 2_105_344) ?? 0) - 0.2065) < 5e-5)
        let h100 = try #require(try Fixtures.store.loadHardware("h100-sxm-80gb").efficiencyCurves)
        let h200 = try #require(try Fixtures.store.loadHardware("h200-sxm-141gb").efficiencyCurves)
        #expect(Set(h100.elementwise.keys) == Set(ElementwiseKernel.allCases) && Set(h200.elementwise.keys) == Set(h100.elementwise.keys))
        // the H200's kernels at the H100's bytes, each H100 fraction x 3350 / 4800 x the H200 / H100 memcpy
        // bandwidth at those bytes moved: a small launch is no faster on the H200 (the memcpy figure's H200 is
        // 6-10% slower below 2 MB moved); at 139,264 bytes (a norm over 8 rows of 4096, k908) 1 / 0.90 slower
        for (kernel, curve) in h100.elementwise {
            let faster = try #require(h200.elementwise[kernel])
            #expect(faster.points.map(\.x) == curve.points.map(\.x))
            for p in curve.points where p.x <= 1_000_000 {
                #expect(p.x / (4.8e12 * faster.value(at: p.x)) >= p.x / (3.35e12 * p.value), "\(kernel) at \(p.x) bytes")
            }
        }
        let norm8 = 139_264.0, h100Seconds = norm8 / (3.35e12 * h100.elementwise[.norm]!.value(at: norm8))
        #expect(abs(norm8 / (4.8e12 * h200.elementwise[.norm]!.value(at: norm8)) / h100Seconds - 1 / 0.9015) < 2e-3)
        // H100, num_tokens 128, act_mul: 2 x 3 x 128 x 11008 = 8454144 bytes in 5 us (line 244, k925):
        // 8454144 / 5e-6 / 3350e9 = 0.5047
        #expect(abs((h100.elementwise[.activation]?.value(at: 8_454_144) ?? 0) - 0.5047) < 5e-5)
    }

    @Test("a file with some element-wise kernels but not all four is refused, naming the missing one")
    func partialRefused() throws {
        let url = Fixtures.profiles.appendingPathComponent("hardware/efficiency/a100-sxm-80gb.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        let partial = text.split(separator: "\n").filter { !$0.hasPrefix("elementwise,rope,") }.joined(separator: "\n") + "\n"
        #expect { try EfficiencyCurvesFile.parse(partial, file: "t.csv", defaultKernel: .flash2) }
            throws: { ($0 as? ProfileError)?.field == "elementwise rope" }
    }

    @Test("Llama-2-7B's kernels per pass: 2 norms, rope, act_mul and 2 adds a layer, and the final norm")
    func countedFromTheModel() throws {
        let spec = try Fixtures.store.loadModel("llama-2-7b")
        let ks = spec.elementwiseKernels(rows: 128, dtype: .fp16)
        func launches(_ k: ElementwiseKernel) -> Int { ks.filter { $0.kernel == k }.reduce(0) { $0 + $1.launches } }
        #expect(launches(.norm) == 2 * 32 + 1 && launches(.rope) == 32 && launches(.activation) == 32 && launches(.add) == 2 * 32)
        // the bytes the curves were read at (tools/kernel_rows_elementwise.py): act_mul 2 x 3 x 128 x 11008
        let act = try #require(ks.first(where: { $0.kernel == .activation })), rope = try #require(ks.first(where: { $0.kernel == .rope }))
        #expect(act.bytes == Int128(2 * 3 * 128 * 11008))
        #expect(rope.bytes == Int128(2 * 2 * 128 * 64 * 128))
    }
    @Test("each byte is charged once: where the kernels are priced the operators move their products' traffic only (hand count)")
    func eachByteOnce() throws {
        // L 1, d 4, H 2, Hkv 1, dh 2, SwiGLU F 8, V 10, bf16 (2 bytes); a prefill of R = 3 tokens
        let tiny = ModelSpec(id: "tiny", source: "test", architecture: .transformer(window: nil), layers: 1, hiddenSize: 4,
                             heads: 2, kvHeads: 1, headDim: 2, ffnSize: 8, vocabSize: 10)
        let curves = try #require(try RooflineRates(hardware: Fixtures.store.loadHardware("a100-sxm-80gb"), computeDType: .bf16).curves)
        let ops = tiny.prefillCost(batch: 1, promptTokens: 3, dtypes: .uniform(.bf16)).operators
        func op(_ name: String) throws -> OperatorCost { try #require(ops.first { $0.name == name }, "\(name)") }
        let proj = try op("attention.projections"), out = try op("attention.output"), ffn = try op("attention.ffn"), head = try op("head")
        // output: o_proj 4 x 4 weights (32 B), reads the attention's 3 x 4 (24 B), writes 3 x 4 (24 B);
        // the residual's 3 x 4 is the add kernel's read (the fused count, 104 B, charged it twice)
        #expect(out.bytes == 104 && curves.pricedBytes(out) == 80)
        // and the time reads those bytes: the output's memory seconds are 80 B at the streaming rate of
        // 80 B (the curve is flat there, below its first point, so 104 B would read 104 / the same rate)
        #expect(curves.instanceSeconds(out).memory == 80 / curves.streamingBytesPerSecond(bytes: 80))
        // ffn: 3 x 4 x 8 weights (192 B); xn in 3 x 4, gate and up out 3 x 16, h in 3 x 8, y out 3 x 4:
        // 96 elements (192 B). Fused: 3 (3 x 4 + 2 x 8) = 84 elements, the residual read (the add kernel's)
        // and h's write (the act_mul kernel's) among them, the gate-up output not
        #expect(ffn.bytes == 360 && curves.pricedBytes(ffn) == 384)
        #expect(curves.instanceSeconds(ffn).memory == 384 / curves.streamingBytesPerSecond(bytes: 384))
        // head, the last position: 4 x 10 weights (80 B), xn in 4 (8 B), fp32 logits 40 B; the final norm's
        // 4-element weight (8 B) is the norm kernel's read
        #expect(head.bytes == 136 && curves.pricedBytes(head) == 128)
        // projections: 32 weights, xn in 12, q out 12, k and v to the cache 12 (136 B), as fused
        #expect(proj.bytes == 136 && curves.pricedBytes(proj) == 136)
        // the kernels charge the rest, once: 2 norms 2 (2 x 3 x 4 + 4) = 56, rope 2 x 2 x 3 x 3 x 2 = 72,
        // act_mul 2 x 3 x 3 x 8 = 144, 2 adds 2 x 3 x 3 x 4 = 72, the final norm 56
        let ks = tiny.elementwiseKernels(rows: 3, earlyExitRows: 1, dtype: .bf16)
        #expect(ks.map(\.kernel) == [.norm, .rope, .activation, .add, .norm])
        #expect(ks.map(\.bytes) == [56, 72, 144, 72, 56] && ks.map(\.launches) == [2, 1, 1, 2, 1])
        // a file without element-wise curves keeps the fused count
        var fused = curves
        fused.curves.elementwise = [:]
        #expect(fused.pricedBytes(out) == out.bytes && fused.pricedBytes(ffn) == ffn.bytes && fused.pricedBytes(head) == head.bytes)
        // the adds: one after each of the mixer and the feed-forward; a parallel block's one after its mixer
        let attention = tiny.runs[0].block
        #expect(attention.residualAdds == (true, true))
        #expect(Block(mixer: attention.mixer, feedForward: attention.feedForward, norms: NormLayout(count: 1)).residualAdds == (true, false))
        #expect(Block(mixer: .identity, feedForward: attention.feedForward, norms: NormLayout(count: 1)).residualAdds == (false, true))
    }

    @Test("each byte once in the other branches: an ungated MLP, a parallel block's feed-forward, shared experts (hand count)")
    func eachByteOnceBranches() throws {
        // the d 4, F 8, V 10, bf16 model of eachByteOnce over R = 3 rows, its one block changed
        let tiny = ModelSpec(id: "tiny", source: "test", architecture: .transformer(window: nil), layers: 1, hiddenSize: 4,
                             heads: 2, kvHeads: 1, headDim: 2, ffnSize: 8, vocabSize: 10)
        let curves = try #require(try RooflineRates(hardware: Fixtures.store.loadHardware("a100-sxm-80gb"), computeDType: .bf16).curves)
        func op(_ m: ModelSpec, _ name: String) throws -> OperatorCost {
            try #require(m.prefillCost(batch: 1, promptTokens: 3, dtypes: .uniform(.bf16)).operators.first { $0.name == name }, "\(name)")
        }
        // Ungated MLP, no bias: up 4 x 8 and down 8 x 4 weights, 64 elements (128 B). Fused: xn in 3 x 4,
        // the residual in 3 x 4, y out 3 x 4, the hidden layer 3 x 8: 60 elements (120 B), 248 B in all.
        // Products' traffic: xn in 12, up out 3 x 8 = 24 (the act_mul kernel reads it and writes h),
        // h in 24, y out 12: 72 elements (144 B), 272 B; the residual is the add kernel's
        var mlp = tiny
        mlp.runs[0].block.feedForward = .mlp(inner: 8, activation: .gelu, bias: false)
        let up = try op(mlp, "attention.ffn")
        #expect(up.bytes == 248 && curves.pricedBytes(up) == 272)
        // A parallel block (one norm, Falcon's): its one add, counted after the mixer, sums both branches
        // into the residual, so the gated feed-forward keeps its residual read. Weights 3 x 4 x 8 (192 B);
        // fused 3 (3 x 4 + 2 x 8) = 84 elements (168 B), 360 B; products' traffic: xn in 12, gate and up
        // out 48, h in 24, y out 12, the residual in 12: 108 elements (216 B), 408 B
        var parallel = tiny
        parallel.runs[0].block.norms = NormLayout(count: 1)
        let par = try op(parallel, "attention.ffn"), parOut = try op(parallel, "attention.output")
        #expect(par.bytes == 360 && curves.pricedBytes(par) == 408)
        // its output operator gives the residual read to the add, as a two-norm block's does: 104 -> 80 B
        #expect(parOut.bytes == 104 && curves.pricedBytes(parOut) == 80)
        #expect(parallel.elementwiseKernels(rows: 3, dtype: .bf16).filter { $0.kernel == .add }.map(\.launches) == [1])

        // DeepSeek-V2-Lite's 26 MoE layers over 16 rows, bf16: d 2048, 64 routed experts of I 1408, k 6,
        // two shared experts (Is 2816). Per row, fused: xn in 2048, the residual in 2048, y out 2048,
        // router logits 64, each routed expert's h written and read 6 x 2 x 1408 = 16,896, the shared
        // h written and read 2 x 2816 = 5632: 28,736 elements. Products' traffic: xn in 2048, router
        // logits 64, routed gate-up out 6 x 2816 = 16,896 and down in 6 x 1408 = 8448, shared gate-up
        // out 2 x 2816 = 5632 and down in 2816, y out 2048: 37,952 elements (the residual is the add's).
        // 16 rows x 2 B x (37,952 - 28,736) = 294,912 B
        let lite = try Fixtures.store.loadModel("deepseek-v2-lite")
        let moe = try #require(lite.prefillCost(batch: 1, promptTokens: 16, dtypes: .uniform(.bf16)).operators
            .first { $0.name == "mla.ffn" && $0.count == 26 })
        #expect(moe.unfusedByteDelta == 294_912 && curves.pricedBytes(moe) == moe.bytes + 294_912)
    }

    @Test("a mixture of experts runs an act_mul over its routed rows and one over its shared experts; their gate-up outputs are products' traffic")
    func expertActivations() throws {
        // Mixtral 8x7B: d 4096, 8 experts of I 14336, k 2, 32 layers, no shared experts; 128 rows, bf16
        let mixtral = try Fixtures.store.loadModel("mixtral-8x7b")
        let acts = mixtral.elementwiseKernels(rows: 128, dtype: .bf16).filter { $0.kernel == .activation }
        #expect(acts.map(\.bytes) == [Int128(2 * 3 * 128 * 2 * 14336)] && acts.map(\.launches) == [32])
        let ffn = try #require(mixtral.prefillCost(batch: 1, promptTokens: 128, dtypes: .uniform(.bf16)).operators.first { $0.name == "attention.ffn" })
        // + R k I (the routed gate-up outputs the act_mul reads) - R d (the residual read, the add kernel's), 2 bytes each
        #expect(ffn.unfusedByteDelta == Int128(2 * 128 * (2 * 14336 - 4096)))
        // DeepSeek-V2-Lite: 1 dense layer (I 10944), 26 MoE layers of 64 experts (I 1408, k 6) with shared experts (2 x 1408)
        let lite = try Fixtures.store.loadModel("deepseek-v2-lite")
        let liteActs = lite.elementwiseKernels(rows: 16, dtype: .bf16).filter { $0.kernel == .activation }
        #expect(liteActs.map(\.bytes) == [Int128(2 * 3 * 16 * 10944), Int128(2 * 3 * 16 * 6 * 1408), Int128(2 * 3 * 16 * 2816)])
        #expect(liteActs.map(\.launches) == [1, 26, 26])
    }

    @Test("a YOCO prefill runs its cross-decoder's kernels and the final norm over the last position only, as prefillCost does")
    func earlyExit() throws {
        let yoco = try Fixtures.store.loadModel("yoco-1.4b"), llama = try Fixtures.store.loadModel("llama-2-7b")
        let whole = yoco.elementwiseKernels(rows: 128, dtype: .fp16)
        let exit = yoco.elementwiseKernels(rows: 128, earlyExitRows: 1, dtype: .fp16)
        #expect(whole.map(\.launches) == exit.map(\.launches), "the same kernels, fewer rows")
        #expect(exit.reduce(0) { $0 + $1.bytes } < whole.reduce(0) { $0 + $1.bytes })
        // the final norm (last entry) over one row per prompt
        #expect(exit.last?.bytes == yoco.elementwiseKernels(rows: 1, dtype: .fp16).last?.bytes)
        // without a cross-decoder there is nothing to exit early
        #expect(llama.elementwiseKernels(rows: 128, earlyExitRows: 1, dtype: .fp16).map(\.bytes)
                == llama.elementwiseKernels(rows: 128, dtype: .fp16).map(\.bytes))
    }

    @Test("pipeline stages split the kernels by their layers; the final norm is the last stage's")
    func stages() throws {
        let spec = try Fixtures.store.loadModel("llama-2-7b")
        let stages = spec.pipelineStages(2)
        func launches(_ ks: [(kernel: ElementwiseKernel, bytes: Int128, launches: Int)], _ k: ElementwiseKernel) -> Int {
            ks.filter { $0.kernel == k }.reduce(0) { $0 + $1.launches }
        }
        let parts = stages.map { spec.elementwiseKernels(rows: 64, stage: $0, dtype: .fp16) }
        let whole = spec.elementwiseKernels(rows: 64, dtype: .fp16)
        for k in ElementwiseKernel.allCases {
            #expect(parts.reduce(0) { $0 + launches($1, k) } == launches(whole, k), "\(k)")
        }
        #expect(launches(parts[0], .norm) == 2 * 16 && launches(parts[1], .norm) == 2 * 16 + 1)
    }

    @Test("deploy at tp 1, pp 1 prices the A100's element-wise kernels as estimate does")
    func deployMatchesEstimate() throws {
        let spec = try Fixtures.store.loadModel("llama-2-7b"), hw = try Fixtures.store.loadHardware("a100-sxm-80gb")
        let est = try spec.estimate(on: hw, EstimateQuery(promptTokens: 2048, generatedTokens: 16, batch: .fixed(2)))
        let t = spec.deploymentTiming(layout: ParallelLayout(), batch: 2, promptTokens: 2048, generatedTokens: 16,
                                      dtypes: spec.dtypes, tiling: .flash128, rates: est.rates)
        // the same terms in a different order: equal to rounding
        #expect(abs(t.prefillSeconds - est.prefillSeconds) / est.prefillSeconds < 1e-12)
        #expect(abs(t.decodeSeconds - est.decodeSeconds) / est.decodeSeconds < 1e-12)
        // and the term is there: more than the operators alone
        #expect(t.prefillSeconds > est.rates.seconds(spec.prefillCost(batch: 2, promptTokens: 2048, dtypes: spec.dtypes, tiling: .flash128)))
    }
}
