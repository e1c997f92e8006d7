// Properties over thousands of random valid models (seeded, so failures reproduce): memory is
// monotonic in context and batch, capacity answers sit exactly on the boundary, YOCO never holds
// more KV than its Transformer twin of equal shape, and nothing traps at the limits.

import CostModel
import TestSupport
import Testing

enum RandomModels {
    /// A random Transformer shape and its YOCO twins (gRet and SWA) of equal shape.
    static func triple(_ rng: inout SplitMix64) -> (transformer: ModelSpec, gret: ModelSpec, swa: ModelSpec) {
        let kvHeads = [1, 2, 4, 8, 16].randomElement(using: &rng)!
        let heads = kvHeads * [1, 2, 3, 4, 8].randomElement(using: &rng)!
        let headDim = [32, 64, 80, 128, 256].randomElement(using: &rng)!
        let layers = Int.random(in: 2...128, using: &rng)
        let d = heads * headDim * [1, 1, 2].randomElement(using: &rng)!
        let ffn = Int.random(in: 1...(8 * d), using: &rng)
        let vocab = Int.random(in: 1...300_000, using: &rng)
        let window: Int? = Bool.random(using: &rng) ? nil : Int.random(in: 1...65_536, using: &rng)
        let dtype = DType.allCases.randomElement(using: &rng)!
        let base = FamilyShape(id: "t", source: "random", architecture: .transformer(window: window), layers: layers,
                               hiddenSize: d, heads: heads, kvHeads: kvHeads, headDim: headDim, ffnSize: ffn,
                               vocabSize: vocab, tiedEmbeddings: Bool.random(using: &rng), dtypes: .uniform(dtype))
        var transformer = base
        transformer.architecture = .transformer(window: nil)
        var gret = base
        gret.architecture = .yoco(selfDecoder: .gatedRetention(heads: heads, headDim: headDim, chunkTokens: 256),
                                  selfLayers: Int.random(in: 1..<layers, using: &rng))
        var swa = base
        swa.architecture = .yoco(selfDecoder: .slidingWindow(window: window ?? 1024), selfLayers: layers / 2)
        return (transformer.spec, gret.spec, swa.spec)
    }
}

@Suite("Properties of random valid models")
struct PropertyTests {
    static let models = 2000

    @Test("monotonic in context and batch; YOCO at most its twin's KV; valid everywhere")
    func memoryProperties() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<Self.models {
            let t = RandomModels.triple(&rng)
            for m in [t.transformer, t.gret, t.swa] {
                try m.validate()
                let n1 = Int.random(in: 0...Limits.maxContextTokens - 1, using: &rng)
                let n2 = Int.random(in: n1...Limits.maxContextTokens, using: &rng)
                let b1 = Int.random(in: 1...1_000_000, using: &rng)
                let b2 = Int.random(in: b1...Limits.maxBatch, using: &rng)
                let at = { (b: Int, n: Int) in m.memory(MemoryQuery(batch: b, promptTokens: n, dtypes: m.dtypes)).totalBytes }
                #expect(at(b1, n1) <= at(b1, n2), "\(m) context \(n1) -> \(n2)")
                #expect(at(b1, n1) <= at(b2, n1), "\(m) batch \(b1) -> \(b2)")
            }
            let n = Int128(Int.random(in: 1...Limits.maxContextTokens, using: &rng))
            let dtype = t.transformer.dtypes.kvCache
            #expect(t.gret.kvCacheBytes(batch: 1, tokens: n, dtype: dtype) <= t.transformer.kvCacheBytes(batch: 1, tokens: n, dtype: dtype))
        }
    }

    @Test("capacity answers fit and one more does not")
    func capacityBoundary() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<(Self.models / 5) {
            let t = RandomModels.triple(&rng)
            for m in [t.transformer, t.gret, t.swa] {
                let budget = Int128(UInt64.random(in: 1...(1 << 44), using: &rng))
                let scope = [CapacityScope.kvCacheOnly, .cacheAndState, .everything].randomElement(using: &rng)!
                let a = m.maxContext(budgetBytes: budget, batch: Int.random(in: 1...64, using: &rng), dtypes: m.dtypes, scope: scope)
                if a.limitedBy != .toolLimit, a.value > 0 {
                    #expect(a.usedBytes <= budget)
                    #expect(try #require(a.nextBytes) > budget)
                }
                let b = m.maxBatch(budgetBytes: budget, promptTokens: Int.random(in: 1...1 << 20, using: &rng),
                                   generatedTokens: 0, dtypes: m.dtypes, scope: scope)
                if b.limitedBy != .toolLimit, b.value > 0 {
                    #expect(b.usedBytes <= budget)
                    #expect(try #require(b.nextBytes) > budget)
                }
            }
        }
    }

    @Test("estimates at random points never trap; prefill and decode times are finite and positive")
    func estimates() throws {
        var rng = SplitMix64(seed: 99)
        let hardware = HardwareSpec(id: "big", source: "test", memoryBytes: 1 << 60, memoryBandwidthBytesPerSecond: 3e12,
                                    peakFlopsPerSecond: Dictionary(uniqueKeysWithValues: DType.allCases.map { ($0, 1e15) }),
                                    computeEfficiency: 0.7, memoryEfficiency: 0.8, operatorOverheadSeconds: 5e-6)
        for _ in 0..<(Self.models / 3) {
            let t = RandomModels.triple(&rng)
            for m in [t.transformer, t.gret, t.swa] {
                let q = EstimateQuery(promptTokens: Int.random(in: 1...(Limits.maxContextTokens - 4096), using: &rng),
                                      generatedTokens: Int.random(in: 0...4096, using: &rng),
                                      batch: .fixed(Int.random(in: 1...1_000_000, using: &rng)), dtypes: m.dtypes)
                do {
                    let e = try m.estimate(on: hardware, q)
                    #expect(e.prefillSeconds.isFinite && e.prefillSeconds > 0)
                } catch {
                    // Not fitting is a legitimate answer at these sizes (it names the largest batch
                    // that fits); any other error is a bug.
                    if case .batchDoesNotFit = error { continue }
                    Issue.record("\(m) \(q): \(error)")
                }
            }
        }
    }
}
