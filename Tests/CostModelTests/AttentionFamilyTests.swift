// Properties of the attention families: a shared slot is counted once, a windowed (or chunked)
// layer never holds more than a full one, and memory is monotonic in the share of full layers;
// chunked-local attention's closed forms against plain loops.

@testable import CostModel
import TestSupport
import Testing

@Suite("Attention families")
struct AttentionFamilyTests {
    static func shape(layers: Int = 12, window: Int? = 64, sliding: [Bool]? = nil, group: Int = 1) -> FamilyShape {
        FamilyShape(id: "t", source: "test", architecture: .transformer(window: window), layers: layers, hiddenSize: 256,
                    heads: 8, kvHeads: 2, headDim: 32, ffnSize: 512, vocabSize: 1000, slidingLayers: sliding, crossLayerGroup: group)
    }

    @Test("CLA2: pairs share the lower layer's slot, so the KV halves and the readers add no slot")
    func cla2() throws {
        let base = Self.shape(window: nil).spec
        let cla = Self.shape(window: nil, group: 2).spec
        try cla.validate()
        #expect(cla.caches.count == 6)
        #expect(cla.caches.allSatisfy { $0.readers.count == 2 })
        for t: Int128 in [1, 1000, 1 << 20] {
            #expect(2 * cla.kvCacheBytes(batch: 3, tokens: t, dtype: .bf16) == base.kvCacheBytes(batch: 3, tokens: t, dtype: .bf16))
        }
        // Readers have no Wk, Wv: 6 layers x 2 x 256 x 64 fewer attention weights.
        #expect(base.parameterCount[.attention] - cla.parameterCount[.attention] == 6 * 2 * 256 * 64)
    }

    @Test("a shared slot is counted once whatever the number of readers (YOCO, CLA groups)", arguments: [2, 3, 4, 6, 12])
    func sharedOnce(group: Int) {
        let cla = Self.shape(window: nil, group: group).spec
        let slots = Int128((12 + group - 1) / group)
        #expect(cla.kvBytesPerToken(dtype: .bf16) == slots * 2 * 32 * 2 * 2)
        var counts: [CacheKind: Int] = [:]
        for s in cla.caches { counts[s.kind, default: 0] += 1 }
        #expect(counts == Dictionary(cla.cacheRuns.map { ($0.kind, $0.count) }, uniquingKeysWith: +))
    }

    @Test("a windowed or chunked layer never holds more than a full one", arguments: [1, 63, 64, 65, 1000, 1 << 20])
    func windowedAtMostFull(tokens: Int) {
        let t = Int128(tokens)
        let full = KVGeometry(heads: 2, keyDim: 32, valueDim: 32, span: .full)
        for span in [AttentionSpan.sliding(window: 64), .chunked(chunk: 64), .sliding(window: 1), .chunked(chunk: 4096)] {
            var g = full
            g.span = span
            #expect(CacheKind.keyValue(g).elements(tokens: t) <= CacheKind.keyValue(full).elements(tokens: t))
            #expect(span.positionsAttended(context: t) <= t)
        }
    }

    @Test("memory is monotonic in the share of full layers (seeded random patterns)")
    func monotonicInFullShare() {
        var rng = SplitMix64(seed: 10)
        for _ in 0..<200 {
            var pattern = (0..<12).map { _ in Bool.random(using: &rng) }
            let tokens = Int128(Int.random(in: 1...100_000, using: &rng))
            var previous = Self.shape(sliding: pattern).spec.kvCacheBytes(batch: 1, tokens: tokens, dtype: .bf16)
            // Turn sliding layers into full ones one at a time: the bytes never fall.
            for i in pattern.indices where pattern[i] {
                pattern[i] = false
                let now = Self.shape(sliding: pattern).spec.kvCacheBytes(batch: 1, tokens: tokens, dtype: .bf16)
                #expect(now >= previous)
                previous = now
            }
            #expect(previous == Self.shape(window: nil).spec.kvCacheBytes(batch: 1, tokens: tokens, dtype: .bf16))
        }
    }

    @Test("interleaved local/global: per-token KV counts the full layers only; decode pairs per layer's span")
    func interleaved() throws {
        let pattern = (0..<12).map { $0 % 4 != 3 }  // 9 sliding, 3 full
        let spec = Self.shape(sliding: pattern).spec
        try spec.validate()
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 3 * 2 * 32 * 2 * 2)
        let step = spec.decodeStepCost(batch: 1, context: 1000, dtypes: .uniform(.bf16))
        #expect(step.usefulAttentionPairs == 8 * (3 * 1000 + 9 * 64))
        let prefill = spec.prefillCost(batch: 1, promptTokens: 300, dtypes: .uniform(.bf16), tiling: .exact)
        #expect(prefill.usefulAttentionPairs == 8 * (3 * 300 * 301 / 2 + 9 * AttentionPairs.useful(tokens: 300, window: 64)))
    }

    @Test("chunked-local attention: pairs, positions and decode sums against loops", arguments: [1, 7, 64, 65, 200, 1000])
    func chunked(tokens: Int) {
        let c = 64
        let loopUseful = (0..<tokens).reduce(Int128(0)) { $0 + Int128($1 - c * ($1 / c) + 1) }
        #expect(AttentionPairs.useful(tokens: Int128(tokens), span: .chunked(chunk: c)) == loopUseful)
        // Tile 1: executed = useful.
        #expect(AttentionPairs.executed(tokens: Int128(tokens), span: .chunked(chunk: c), tiling: .exact).pairs == loopUseful)
        let op = DecodeOperator(fixed: OperatorCost(OperatorID(part: .attentionCore(windowed: true)), flops: .zero, bytes: 0),
                                flopsPerPosition: FlopCount(matmul: 1), bytesPerPosition: 0, attendsContext: true,
                                span: .chunked(chunk: c), heads: 1)
        let lo = Int128(5), hi = Int128(5 + tokens)
        let loop = (lo...hi).reduce(Int128(0)) { $0 + AttentionSpan.chunked(chunk: c).positionsAttended(context: $1) }
        #expect(op.sumPositions(from: lo, to: hi) == loop)
        let rates = RooflineRates(flopsPerSecond: 1e3, bytesPerSecond: 1e9, overheadSeconds: 0)
        let stepLoop = (lo...hi).reduce(0.0) { $0 + rates.seconds(op.at(context: $1)) }
        // Tolerance: the closed form sums the same terms in another order (Double rounding only).
        #expect(abs(op.seconds(from: lo, to: hi, rates: rates) - stepLoop) <= 1e-9 * stepLoop)
    }
}
