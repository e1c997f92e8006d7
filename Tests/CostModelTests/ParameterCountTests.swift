import CostModel
import Testing

@Suite("Parameter counts")
struct ParameterCountTests {
    @Test("YOCO-3B has 2,829,133,824 non-embedding parameters (BRIEF §2)")
    func yoco3B() {
        // Self layer: 5*d^2 (Wq,Wk,Wv,WG,WO) + d*H (Wgamma) + 3*d*F + 2*d
        //   = 47,185,920 + 73,728 + 75,497,472 + 6,144 = 122,763,264; x13 = 1,595,922,432
        // Cross layer: 2*d^2 + 3*d*F + 2*d = 18,874,368 + 75,497,472 + 6,144 = 94,377,984; x13 = 1,226,913,792
        // K̂/V̂: 2*d*(Hkv*dh) + d = 6,291,456 + 3,072; final norm 3,072
        // Total: 1,595,922,432 + 1,226,913,792 + 6,294,528 + 3,072 = 2,829,133,824
        let p = Fixtures.yoco3B.parameterCount
        #expect(p.nonEmbedding == 2_829_133_824)
        // Embedding and untied output add 2 * 100,288 * 3,072 = 616,169,472.
        #expect(p.total == 2_829_133_824 + 616_169_472)
        #expect(p[.retention] == 13 * (5 * 3072 * 3072 + 3072 * 24))
        #expect(p[.kvProjection] == 2 * 3072 * 1024)
    }

    @Test("Transformer-3B (GQA 24/8) counts by hand")
    func transformer3B() {
        // Per layer: Wq d^2 + Wk,Wv 2*d*1024 + WO d^2 = 9,437,184*2 + 6,291,456 = 25,165,824;
        // SwiGLU 75,497,472; norms 6,144 -> 100,669,440; x26 = 2,617,405,440; + final norm 3,072.
        #expect(Fixtures.transformer3B.parameterCount.nonEmbedding == 2_617_408_512)
    }

    @Test("Tied embeddings drop the output head")
    func tied() {
        var m = Fixtures.transformer3B
        m.tiedEmbeddings = true
        #expect(m.parameterCount[.outputHead] == 0)
        #expect(m.parameterCount.total == Fixtures.transformer3B.parameterCount.total - 100_288 * 3072)
    }

    @Test("SWA self-decoder is multi-head by default; self_kv_heads narrows it")
    func swaSelfHeads() {
        let mha = Fixtures.yoco3BSWA.parameterCount[.attention]
        let m = ModelSpec.yoco(id: "yoco-3b-swa-gqa", source: "test", selfDecoder: .slidingWindow(window: 1024), selfLayers: 13,
                               layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192,
                               vocabSize: 100_288, selfDecoderKVHeads: 8)
        // Each of the 13 self layers loses 2 * d * (24 - 8) * 128 K/V weights.
        #expect(mha - m.parameterCount[.attention] == 13 * 2 * 3072 * 16 * 128)
    }
}
