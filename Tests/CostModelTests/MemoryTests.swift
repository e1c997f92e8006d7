import CostModel
import Testing

@Suite("Memory model")
struct MemoryTests {
    @Test("KV per token in bf16: YOCO-3B 4 KiB, Transformer-3B 104 KiB (BRIEF §2)")
    func kvPerToken() {
        // YOCO: one shared cache, 2 (K,V) * 8 heads * 128 * 2 B = 4,096 B.
        #expect(Fixtures.yoco3B.kvBytesPerToken(dtype: .bf16) == 4096)
        // Transformer: 26 layers * 4,096 B = 106,496 B = 104 KiB.
        #expect(Fixtures.transformer3B.kvBytesPerToken(dtype: .bf16) == 106_496)
        // Full-window rings do not grow at long context.
        #expect(Fixtures.mistral7B.kvBytesPerToken(dtype: .bf16) == 0)
        #expect(Fixtures.yoco3BSWA.kvBytesPerToken(dtype: .bf16) == 4096)
    }

    @Test("gRet state: 13 * 24 * 128 * 128 * 2 B = 9.75 MiB per sequence, whatever N is")
    func gretState() {
        #expect(Fixtures.yoco3B.stateBytes(batch: 1, dtype: .bf16) == 10_223_616)
        #expect(Fixtures.yoco3B.stateBytes(batch: 3, dtype: .bf16) == 3 * 10_223_616)
        for n in [1, 1000, 1 << 20] {
            let m = Fixtures.yoco3B.memory(MemoryQuery(promptTokens: n, dtypes: .uniform(.bf16)))
            #expect(m.stateBytes == 10_223_616)
            #expect(m.kvCacheBytes == Int128(n) * 4096)
        }
    }

    @Test("The shared K̂/V̂ cache is counted once, whatever the number of cross layers")
    func sharedOnce() {
        let deep = ModelSpec(id: "yoco-deep", source: "test", architecture: .yoco(selfDecoder: .gatedRetention(heads: 24, headDim: 128, chunkTokens: 256), selfLayers: 13),
                             layers: 40, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100_288)
        // 13 self layers in both; 13 vs 27 cross layers read the same single cache.
        #expect(deep.kvCacheBytes(batch: 2, tokens: 5000, dtype: .bf16) == Fixtures.yoco3B.kvCacheBytes(batch: 2, tokens: 5000, dtype: .bf16))
        #expect(Fixtures.yoco3B.caches.filter { !$0.isState }.count == 1)
        #expect(Fixtures.yoco3B.caches.last?.readers == Array(13..<26))
        #expect(Fixtures.yoco3B.caches.last?.writer == .sharedProjection)
    }

    @Test("cacheRuns agrees with the per-layer cache layout", arguments: Fixtures.all)
    func cacheRuns(model: ModelSpec) {
        var counts: [CacheKind: Int] = [:]
        for slot in model.caches { counts[slot.kind, default: 0] += 1 }
        var runs: [CacheKind: Int] = [:]
        for run in model.cacheRuns { runs[run.kind, default: 0] += run.count }
        #expect(counts == runs)
        #expect(model.layerBlocks.count == model.layers)
    }

    @Test("Sliding-window rings hold min(T, W) positions", arguments: [1, 1023, 1024, 1025, 100_000])
    func rings(tokens: Int) {
        let t = Int128(tokens)
        // 13 rings of 24 heads (multi-head self-decoder) + the shared cache of 8 heads; bf16.
        let ring = 13 * min(t, 1024) * 2 * 24 * 128 * 2
        let shared = t * 2 * 8 * 128 * 2
        #expect(Fixtures.yoco3BSWA.kvCacheBytes(batch: 1, tokens: t, dtype: .bf16) == ring + shared)
        // Mistral: 32 rings of 8 KV heads.
        #expect(Fixtures.mistral7B.kvCacheBytes(batch: 1, tokens: t, dtype: .bf16) == 32 * min(t, 4096) * 2 * 8 * 128 * 2)
    }

    @Test("Sub-byte dtypes round up per tensor", arguments: DType.allCases)
    func dtypeBytes(dtype: DType) {
        #expect(dtype.bytes(elements: 0) == 0)
        #expect(dtype.bytes(elements: 3) == (3 * Int128(dtype.bits) + 7) / 8)
        #expect(DType.int4.bytes(elements: 3) == 2)
    }

    @Test("Memory grows with context and batch", arguments: Fixtures.all)
    func monotonic(model: ModelSpec) {
        var last: Int128 = -1
        for n in [0, 1, 2, 17, 1000, 1024, 1025, 4096, 4097, 65_536, 1 << 20] {
            let total = model.memory(MemoryQuery(batch: 2, promptTokens: n, generatedTokens: 3, dtypes: model.dtypes)).totalBytes
            #expect(total >= last, "total fell at context \(n)")
            last = total
        }
        last = -1
        for b in [1, 2, 3, 64, 1000] {
            let total = model.memory(MemoryQuery(batch: b, promptTokens: 4096, dtypes: model.dtypes)).totalBytes
            #expect(total > last, "total did not grow at batch \(b)")
            last = total
        }
    }

    @Test("YOCO never holds more KV than its Transformer twin at equal shape")
    func yocoBelowTwin() {
        for n: Int128 in [1, 100, 4096, 1 << 20, 1 << 24] {
            #expect(Fixtures.yoco3B.kvCacheBytes(batch: 1, tokens: n, dtype: .bf16) <= Fixtures.transformer3B.kvCacheBytes(batch: 1, tokens: n, dtype: .bf16))
            #expect(Fixtures.yoco65B.kvCacheBytes(batch: 1, tokens: n, dtype: .bf16) <= Fixtures.transformer65B.kvCacheBytes(batch: 1, tokens: n, dtype: .bf16))
        }
    }

    @Test("Activation estimate: chunking bounds it, YOCO cross layers count one token")
    func activations() {
        let m = Fixtures.transformer3B
        // Widest per-token set: 2d + max(2*H*dh + 2*Hkv*dh, 2F) = 6144 + max(8192, 16384) = 22,528
        // elements; bf16; plus fp32 logits B * V * 4.
        #expect(m.activationBytes(batch: 1, promptTokens: 1000, chunkTokens: nil, dtype: .bf16) == 1000 * 22_528 * 2 + 100_288 * 4)
        #expect(m.activationBytes(batch: 1, promptTokens: 1000, chunkTokens: 100, dtype: .bf16) == 100 * 22_528 * 2 + 100_288 * 4)
        #expect(m.activationBytes(batch: 1, promptTokens: 0, chunkTokens: nil, dtype: .bf16) == 0)
        // YOCO self layers: 2d + max(5*d + H, 2F) = 6144 + 16384 = 22,528 as well.
        #expect(Fixtures.yoco3B.activationBytes(batch: 2, promptTokens: 10, chunkTokens: nil, dtype: .bf16) == 2 * 10 * 22_528 * 2 + 2 * 100_288 * 4)
    }
}
