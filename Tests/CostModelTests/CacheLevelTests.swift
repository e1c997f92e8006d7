// The last-level cache level of the roofline (CacheLevel.swift): the curve's interpolation and
// level names, the reuse working sets Prefill.swift and Decode.swift stamp on each operator, and
// a profile without the level pricing exactly as before it existed.

import CostModel
import Testing

@Suite("Cache level")
struct CacheLevelTests {
    /// 4 MiB of cache; read rates at 1, 4 and 16 MiB; DRAM reads at 0.7 x 2e10 = 1.4e10 B/s.
    static let level = CacheLevel(lastLevelCacheBytes: 4 << 20,
                                  readBytesPerSecondByWorkingSetBytes: [1 << 20: 8e10, 4 << 20: 4e10, 16 << 20: 1e10])
    static let plain = HardwareSpec(id: "host-x", source: "test", memoryBytes: 1 << 34, memoryBandwidthBytesPerSecond: 2e10,
                                    peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 0.6, memoryEfficiency: 0.7,
                                    operatorOverheadSeconds: 2e-6)
    static var cached: HardwareSpec {
        var h = plain
        h.cacheLevel = level
        return h
    }

    @Test("the curve as speed-ups over its largest (DRAM-sized) point: flat below its first point, linear in log2 between, DRAM beyond it and wherever it is no faster")
    func interpolation() throws {
        let rates = try #require(CacheLevelRates(Self.level))
        // The profile's DRAM read, 1.4e10 B/s; the curve's own DRAM-sized point (16 MiB) 1e10: a
        // working set at c B/s on the curve is charged 1.4e10 x c / 1e10.
        let dram = 1.4e10
        func rate(_ w: Int128) -> (Double, MemoryLevel) {
            let r = rates.readBytesPerSecond(workingSetBytes: w, dram: dram)
            return (r.bytesPerSecond, r.level)
        }
        #expect(rate(0) == (dram, .dram))  // no reuse stated
        #expect(rate(256 << 10) == (8 * dram, .llc))  // below the first point: its speed-up
        #expect(rate(1 << 20) == (8 * dram, .llc))
        // 2 MiB is halfway between 1 and 4 MiB in log2 (20, 21, 22): a speed-up of 6. The log2 is a
        // ten-term series (error below 1e-10), so equal to 1e-9 of the rate.
        #expect(abs(rate(2 << 20).0 - 6 * dram) < 6 * dram * 1e-9 && rate(2 << 20).1 == .llc)
        #expect(rate(4 << 20) == (4 * dram, .llc))
        // 8 MiB, halfway between 4 and 16 MiB: a speed-up of 2.5, a partial fit (above the cache's size).
        #expect(abs(rate(8 << 20).0 - 2.5 * dram) < 2.5 * dram * 1e-9 && rate(8 << 20).1 == .llcPartial)
        #expect(rate(16 << 20) == (dram, .dram))  // the DRAM-sized point itself: speed-up 1
        #expect(rate(64 << 20) == (dram, .dram))  // beyond the curve
        // A point slower than the DRAM-sized one (noise) never slows an operator below DRAM.
        let noisy = try #require(CacheLevelRates(CacheLevel(lastLevelCacheBytes: 4 << 20,
                                                            readBytesPerSecondByWorkingSetBytes: [1 << 20: 9e9, 16 << 20: 1e10])))
        #expect(noisy.readBytesPerSecond(workingSetBytes: 1 << 20, dram: dram) == (dram, .dram))
        // A level with a size and no curve prices nothing.
        #expect(CacheLevelRates(CacheLevel(lastLevelCacheBytes: 1 << 25)) == nil)
    }

    @Test("decode: every operator's working set is the whole step's bytes, by hand for a tiny model")
    func decodeWorkingSet() {
        // tiny-transformer, fp32: L 1, d 4, H 2 of 2, Hkv 1, F 8, V 10. Bytes of one step at context n
        // (Decode.swift's formulas, 4 B per element):
        //   embedding   1 row of d weights + d out                         8 el   32 B
        //   projections Wq 4x4, Wk 4x2, Wv 4x2 (32) + x, q (8) + K/V write 4  44 el  176 B
        //   core        q in, o out (8) + n x (kW + vW = 4) read           8 el + 4n   32 + 16n B
        //   output      Wo 4x4 (16) + in 4 + residual in/out 8             28 el  112 B
        //   ffn         gate, up, down 3 x 4x8 (96) + 3d + 2F (28)         124 el  496 B
        //   head        W 4x10 + norm 4 (44) + x 4, logits 10 x 4 B        48 el + 40 B  232 B
        // fixed 1,080 B + 16 B per position.
        let spec = ComputeFixtures.tinyTransformer
        for n in [1, 100, 4096] {
            let step = spec.decodeStepCost(batch: 1, context: n, dtypes: .uniform(.fp32))
            #expect(step.bytes == Int128(1080 + 16 * n))
            #expect(step.operators.allSatisfy { $0.reuseWorkingSetBytes == Int128(1080 + 16 * n) })
        }
        // Batch 2: the weights once, activations and the K/V read per sequence:
        // weights 32 + 16 + 96 + 44 + embedding rows 2 x 4 = 196 el; activations 2 x (4 + 8 + 4 + 8 + 12 + 28 + 4) = 136 el; logits 80 B.
        let two = spec.decodeStepCost(batch: 2, context: 10, dtypes: .uniform(.fp32))
        let weights = 196, activations = 136, logits = 80, kvRead = 2 * 16 * 10
        #expect(two.bytes == Int128(4 * (weights + activations) + logits + kvRead))
        #expect(two.operators.allSatisfy { $0.reuseWorkingSetBytes == two.bytes })
    }

    @Test("prefill: every operator's working set is the pass's bytes")
    func prefillWorkingSet() {
        let phase = ComputeFixtures.tinyTransformer.prefillCost(batch: 1, promptTokens: 64, dtypes: .uniform(.fp32))
        #expect(phase.bytes > 0)
        #expect(phase.operators.allSatisfy { $0.reuseWorkingSetBytes == phase.bytes })
    }

    @Test("a profile without the level, or with its size alone, prices exactly as before")
    func unchanged() throws {
        let spec = ComputeFixtures.tinyTransformer
        let q = EstimateQuery(promptTokens: 512, generatedTokens: 16, dtypes: .uniform(.fp32))
        var sizeOnly = Self.plain
        sizeOnly.cacheLevel = CacheLevel(lastLevelCacheBytes: 4 << 20)
        let a = try spec.estimate(on: Self.plain, q), b = try spec.estimate(on: sizeOnly, q)
        #expect(a.prefillSeconds == b.prefillSeconds && a.decodeSeconds == b.decodeSeconds)
        #expect(try RooflineRates(hardware: sizeOnly, computeDType: .fp32) == RooflineRates(hardware: Self.plain, computeDType: .fp32))
        // With the curve, the tiny model (a few KiB per step) decodes from the cache: faster.
        let c = try spec.estimate(on: Self.cached, q)
        #expect(c.decodeSeconds < a.decodeSeconds)
    }

    @Test("the segmented decode sum equals the plain one when the level's rate is one constant")
    func segmentedSum() throws {
        // Every working set of this tiny model (under 90 KB) lies below the curve's first point (1 MiB):
        // a speed-up of 3 over the DRAM read of 0.7 x 2e10 at every step of every operator, as a
        // profile without the level whose DRAM read is 4.2e10 (bandwidth 4.2e10, efficiency 1) reads.
        var flat = Self.plain
        flat.cacheLevel = CacheLevel(lastLevelCacheBytes: 1 << 25, readBytesPerSecondByWorkingSetBytes: [1 << 20: 3e10, 1 << 27: 1e10])
        var dram = Self.plain
        dram.memoryBandwidthBytesPerSecond = 3 * 0.7 * 2e10
        dram.memoryEfficiency = 1
        let spec = ComputeFixtures.tinyTransformer
        for (n, g) in [(1, 1), (100, 37), (5000, 300)] {
            let a = spec.decodeSeconds(batch: 1, promptTokens: n, generatedTokens: g, dtypes: .uniform(.fp32),
                                       rates: try RooflineRates(hardware: flat, computeDType: .fp32))
            let b = spec.decodeSeconds(batch: 1, promptTokens: n, generatedTokens: g, dtypes: .uniform(.fp32),
                                       rates: try RooflineRates(hardware: dram, computeDType: .fp32))
            // Summed over segments in a different order: a few ulps apart at most.
            #expect(abs(a - b) <= 1e-12 * b)
        }
    }

    @Test("an operator class with its own memory efficiency keeps it")
    func classRate() throws {
        var h = Self.cached
        h.operatorMemoryEfficiency = [.attentionCore: 0.4]
        let rates = try RooflineRates(hardware: h, computeDType: .fp32)
        let step = ComputeFixtures.tinyTransformer.decodeStepCost(batch: 1, context: 100, dtypes: .uniform(.fp32))
        let core = try #require(step.operators.first { $0.name == "attention.core" })
        #expect(rates.memoryRate(for: core).level == .classRate && rates.memoryRate(for: core).bytesPerSecond == 0.4 * 2e10)
        let ffn = try #require(step.operators.first { $0.name == "attention.ffn" })
        #expect(rates.memoryRate(for: ffn) == (8 * 0.7 * 2e10, .llc))  // 2,680 B: below the curve's first point, speed-up 8
    }

    @Test("a level out of range names its field")
    func validation() {
        var h = Self.plain
        h.cacheLevel = CacheLevel(lastLevelCacheBytes: 12)
        #expect { try h.validate() } throws: { "\($0)".contains("last_level_cache_bytes") }
        h.cacheLevel = CacheLevel(lastLevelCacheBytes: 1 << 25, readBytesPerSecondByWorkingSetBytes: [1 << 22: -1])
        #expect { try h.validate() } throws: { "\($0)".contains("read_bandwidth_by_working_set_bytes.4194304") }
        h.cacheLevel = CacheLevel(lastLevelCacheBytes: 1 << 25, readBytesPerSecondByWorkingSetBytes: [12: 1e10])
        #expect { try h.validate() } throws: { "\($0)".contains("read_bandwidth_by_working_set_bytes") }
        // The largest working set must be beyond the cache (the DRAM read the others are read against).
        h.cacheLevel = CacheLevel(lastLevelCacheBytes: 1 << 25, readBytesPerSecondByWorkingSetBytes: [1 << 22: 4e10, 1 << 25: 1e10])
        #expect { try h.validate() } throws: { "\($0)".contains("must reach a working set larger than `last_level_cache_bytes`") }
    }
}
