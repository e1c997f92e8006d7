// Prefill and decode FLOPs and bytes: hand-derived counts on tiny shapes, the closed forms of the
// 3B models, YOCO's early exit, weights read once per decode step, and the exact decode sums.
import Testing
@testable import CostModel

@Suite("Prefill and decode counts")
struct PrefillDecodeTests {
    typealias F = ComputeFixtures

    @Test("tiny YOCO prefill, counted by hand (N 3, B 1)")
    func tinyYOCOPrefill() {
        // d 4, H 2, Hkv 1, dh 2 (qW 4, kW 2), F 8, V 10, gRet hR 2 dR 2 (I 4), C 2, M = 3 rows.
        // embedding         other 3*4 = 12
        // gret.projections  2*3*4*(4*4+2) = 432;  other 3*(4*4 + 7*4 + 4*2) = 156
        // gret.core         sum c^2 = 2^2 + 1^2 = 5, first chunk 2, 2 chunks; per head
        //                   matmul 4*2*5 + 2*4*(3-2) + 2*4*3 = 72,
        //                   other 2*5 (mask) + 3 (cumsum) + 4*1 (state decay) + 10*2*3 + 2*(3-2) = 79; x2 heads
        // gret.output       2*3*4*4 = 96;   other 0 (the residual add is the product's accumulate)
        // gret.ffn          2*3*4*16 + 2*3*8*4 = 576;  other 3*(4*4 + 5*8) = 168
        // kv_projection     2*3*4*4 = 96;   other 3*(4*4 + 3*2) = 66
        // cross (1 row: early exit) projections 2*4*4 = 32, other 16 + 12 = 28
        // cross.core        3 pairs x 2 heads x 8 = 48; other 5*2*3 + 4 (division) + 2*2*1 (rescale, 1 key tile) = 38
        // cross.output      32, other 0;  cross.ffn 128 + 64 = 192, other 56
        // head              2*4*10 = 80, other 16
        // matmul 432+144+96+576+96+32+48+32+192+80 = 1728; other 12+156+158+0+168+66+28+38+0+56+16 = 698
        let p = F.tinyYOCO.prefillCost(batch: 1, promptTokens: 3, dtypes: F.bf16)
        #expect(p.flops == FlopCount(matmul: 1728, other: 698))
        #expect(p.executedFlops == p.flops)  // one key tile covers everything; cross rows execute N keys
        #expect(p.operators.map(\.name) == [
            "embedding", "gret.projections", "gret.core", "gret.output", "gret.ffn", "kv_projection",
            "cross.projections", "cross.core", "cross.output", "cross.ffn", "head",
        ])
    }

    @Test("tiny Transformer decode step, counted by hand (n 5, B 1, bf16)")
    func tinyTransformerDecode() {
        // bytes (2 per element):
        // embedding   row 4 read + 4 written                          = 16
        // projections weights 4*8 = 32 el, act in 4 + q 4, K/V 4       = 64 + 16 + 8 = 88
        // core        q + o 8 el, K/V 5 positions * 2*2 el            = 16 + 40 = 56
        // output      weights 16 el, act 4 + 2*4                       = 32 + 24 = 56
        // ffn         weights 96 el, act 3*4 + 2*8                     = 192 + 56 = 248
        // head        weights 44 el, act 4, logits 10 fp32             = 88 + 8 + 40 = 136     total 600
        // FLOPs: matmul 64 + 5*2*8 + 32 + 192 + 80 = 448;
        //        other 4 + 34 + (5*2*5 + 4 + 2*2 rescale) + 0 + 56 + 16 = 168
        let step = F.tinyTransformer.decodeStepCost(batch: 1, context: 5, dtypes: F.bf16)
        #expect(step.bytes == 600)
        #expect(step.flops == FlopCount(matmul: 448, other: 168))
        // On 1e12 FLOP/s and 1e9 B/s every operator is memory bound: 600 B / 1e9 B/s.
        let rates = try! RooflineRates(hardware: F.round, computeDType: .bf16)
        #expect(abs(rates.seconds(step) - 600e-9) < 1e-18)
    }

    @Test("Transformer-3B prefill matmul FLOPs: 2 N (weights) + attention + head", arguments: [1, 1000, 32768])
    func transformerPrefill(n: Int) {
        let m = F.transformer3B
        let d: Int128 = 3072, qW: Int128 = 3072, kW: Int128 = 1024, ff: Int128 = 8192, v: Int128 = 100288, nn = Int128(n)
        let perLayer = 2 * d * qW + 2 * d * kW + 3 * d * ff
        let expected = 2 * nn * 26 * perLayer                   // projections and SwiGLU over all N tokens
            + 26 * 24 * 4 * 128 * AttentionPairs.causal(tokens: nn) // QKᵀ and PV over N(N+1)/2 pairs
            + 2 * d * v                                          // head on the last position
        #expect(m.prefillCost(batch: 1, promptTokens: n, dtypes: F.bf16).flops.matmul == expected)
    }

    @Test("YOCO-3B prefill exits early: self-decoder and K̂/V̂ over N, cross layers on the last position",
          arguments: [256, 32768, 524_288])
    func yocoPrefill(n: Int) {
        let d: Int128 = 3072, i: Int128 = 3072, hR: Int128 = 24, dR: Int128 = 128, kW: Int128 = 1024
        let qW: Int128 = 3072, ff: Int128 = 8192, v: Int128 = 100288, nn = Int128(n), c: Int128 = 256
        let selfWeights = 5 * d * i + d * hR + 3 * d * ff
        // chunkwise gRet: N a multiple of C, so sum c_j^2 = N C; q·S skips the first chunk
        let gret = hR * (4 * dR * nn * c + 2 * dR * dR * (nn - c) + 2 * dR * dR * nn)
        let expected = 13 * (2 * nn * selfWeights + gret)       // self-decoder over N
            + 2 * nn * 2 * d * kW                                // K̂, V̂ over N
            + 13 * 2 * (2 * d * qW + 3 * d * ff)                 // cross layers: one row each
            + 13 * 24 * 4 * 128 * nn                             // one query over N keys per cross layer
            + 2 * d * v                                          // head
        let p = F.yoco3B.prefillCost(batch: 1, promptTokens: n, dtypes: F.bf16)
        #expect(p.flops.matmul == expected)
        // the cross projections, output and FFN do not depend on N
        let q = F.yoco3B.prefillCost(batch: 1, promptTokens: 2 * n, dtypes: F.bf16)
        for name in ["cross.projections", "cross.output", "cross.ffn", "head"] {
            #expect(p.operators.first { $0.name == name } == q.operators.first { $0.name == name })
        }
    }

    @Test("YOCO prefill FLOPs are affine in N (multiples of C); the Transformer's are convex")
    func prefillGrowth() {
        func f(_ m: ModelSpec, _ n: Int) -> Int128 { m.prefillCost(batch: 1, promptTokens: n, dtypes: F.bf16).flops.total }
        let n = 32768
        let y1 = f(F.yoco3B, n), y2 = f(F.yoco3B, 2 * n), y4 = f(F.yoco3B, 4 * n)
        #expect(y4 - y2 == 2 * (y2 - y1))
        let t1 = f(F.transformer3B, n), t2 = f(F.transformer3B, 2 * n), t4 = f(F.transformer3B, 4 * n)
        #expect(t4 - t2 > 2 * (t2 - t1))
        #expect(y4 < t4)
    }

    @Test("batch scales prefill FLOPs linearly")
    func prefillBatch() {
        for m in [F.yoco3B, F.transformer3B, F.yoco3BSWA] {
            let one = m.prefillCost(batch: 1, promptTokens: 4096, dtypes: F.bf16)
            let eight = m.prefillCost(batch: 8, promptTokens: 4096, dtypes: F.bf16)
            #expect(eight.flops == 8 * one.flops)
            #expect(eight.executedFlops == 8 * one.executedFlops)
        }
    }

    @Test("executed pairs exceed useful pairs by the diagonal tiles")
    func executedVsUseful() {
        // N 32768, tiles 128: per head N(N+128)/2 executed vs N(N+1)/2 useful
        let n: Int128 = 32768
        let p = F.transformer3B.prefillCost(batch: 1, promptTokens: Int(n), dtypes: F.bf16, tiling: .flash128)
        #expect(p.usefulAttentionPairs == 26 * 24 * n * (n + 1) / 2)
        #expect(p.executedAttentionPairs == 26 * 24 * n * (n + 128) / 2)
        #expect(p.executedFlops.matmul - p.flops.matmul == 26 * 24 * 4 * 128 * (n * 127 / 2))
    }

    @Test("decode: weights are read once per step for the whole batch", arguments: [F.yoco3B, F.transformer3B, F.yoco3BSWA])
    func decodeWeightsOnce(model: ModelSpec) {
        // bytes(B) = weights + B * per-sequence, so 2 bytes(1) - bytes(2) is the weights read:
        // every parameter except the embedding table and the per-layer norm weights (fused into the
        // following products), plus the final norm, in bf16.
        let b1 = model.decodeStepCost(batch: 1, context: 10_000, dtypes: F.bf16).bytes
        let b2 = model.decodeStepCost(batch: 2, context: 10_000, dtypes: F.bf16).bytes
        let b3 = model.decodeStepCost(batch: 3, context: 10_000, dtypes: F.bf16).bytes
        let p = model.parameterCount
        #expect(2 * b1 - b2 == 2 * (p.total - p[.embedding] - p[.norms] + Int128(model.hiddenSize)))
        #expect(b3 - b2 == b2 - b1)
    }

    @Test("decode: each cross layer reads the shared cache; each Transformer layer its own")
    func decodeCacheReads() {
        // bytes per extra position per sequence: 13 cross layers x 2 x 8 x 128 x 2 B = 13 x 4096;
        // the Transformer: 26 x 4096. gRet state traffic does not grow with n.
        func slope(_ m: ModelSpec) -> Int128 {
            m.decodeStepCost(batch: 1, context: 100_001, dtypes: F.bf16).bytes - m.decodeStepCost(batch: 1, context: 100_000, dtypes: F.bf16).bytes
        }
        #expect(slope(F.yoco3B) == 13 * 4096)
        #expect(slope(F.transformer3B) == 26 * 4096)
        // SWA self layers stop growing at the window: same slope as gRet once n > 1024
        #expect(slope(F.yoco3BSWA) == 13 * 4096)
        let swaBelow = F.yoco3BSWA.decodeStepCost(batch: 1, context: 501, dtypes: F.bf16).bytes
            - F.yoco3BSWA.decodeStepCost(batch: 1, context: 500, dtypes: F.bf16).bytes
        // below the window the 13 SWA layers (multi-head K/V by default: 24 x 128) grow too
        #expect(swaBelow == 13 * 4096 + 13 * 2 * 24 * 128 * 2)
        // gRet state: read and written each step, 13 x 24 x 128 x 128 x 2 B x 2
        let gret = F.yoco3B.decodeStepCost(batch: 1, context: 1, dtypes: F.bf16).operators.first { $0.name == "gret.core" }!
        #expect(Int128(gret.count) * gret.bytes == 13 * (2 * 24 * 128 * 128 * 2 + 2 * (5 * 3072 + 24)))
    }

    @Test("decode FLOPs and seconds over G steps: closed form equals the step-by-step sum",
          arguments: [(F.yoco3B, 1, 1000, 37), (F.transformer3B, 4, 1, 300), (F.yoco3BSWA, 2, 900, 300),
                      (F.tinyTransformer, 1, 1, 50), (F.transformer3B, 256, 100_000, 64)])
    func decodeSums(model: ModelSpec, batch: Int, prompt: Int, generated: Int) {
        let rates = try! RooflineRates(hardware: F.h100, computeDType: .bf16)
        var flops = FlopCount.zero
        var seconds = 0.0
        for n in (prompt + 1)...(prompt + generated) {
            let step = model.decodeStepCost(batch: batch, context: n, dtypes: F.bf16)
            flops = flops + step.flops
            seconds += rates.seconds(step)
        }
        #expect(model.decodeFlops(batch: batch, promptTokens: prompt, generatedTokens: generated, dtypes: F.bf16) == flops)
        let closed = model.decodeSeconds(batch: batch, promptTokens: prompt, generatedTokens: generated, dtypes: F.bf16, rates: rates)
        // floating-point sums in a different order: agree to 1e-12 relative
        #expect(abs(closed - seconds) <= 1e-12 * seconds)
    }

    @Test("the crossover of compute and memory bound inside a decode is summed exactly")
    func sumMaxCrossover() {
        // max(n, 10) over n = 1...20: 10 * 10 + (11 + ... + 20) = 100 + 155 = 255
        #expect(DecodeOperator.sumMax(0, 1, 10, 0, from: 1, to: 20) == 255)
        // max(30 - n, n) over 1...20: n <= 15 -> 30 - n; n > 15 -> n
        let brute = (1...20).reduce(0.0) { $0 + max(30.0 - Double($1), Double($1)) }
        #expect(DecodeOperator.sumMax(30, -1, 0, 1, from: 1, to: 20) == brute)
        #expect(DecodeOperator.sumMax(1, 0, 2, 0, from: 5, to: 4) == 0)
    }
}
