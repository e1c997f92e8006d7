// The full prediction: batch resolution, throughput definition, typed errors, and the extremes
// (16M-token contexts, a batch of 1,000,000, a 1T-parameter model, zero generated tokens).
import Testing
@testable import CostModel

@Suite("Estimate")
struct EstimateTests {
    typealias F = ComputeFixtures

    @Test("batch max is the largest batch that fits (the capacity model's answer)",
          arguments: [(F.yoco3B, 32768), (F.transformer3B, 32768), (F.yoco3B, 524_288), (F.transformer3B, 524_288), (F.yoco3BSWA, 65536)])
    func batchMax(model: ModelSpec, context: Int) throws {
        // prefill in chunks of 32K tokens: with the whole 512K prompt in flight the Transformer's
        // activations (~24 GB) and KV (~55 GB) overflow the card
        let e = try model.estimate(on: F.h100, EstimateQuery(promptTokens: context, generatedTokens: 1024, batch: .max, prefillChunkTokens: 32768))
        let cap = model.maxBatch(budgetBytes: F.h100.memoryBytes, promptTokens: context, generatedTokens: 1024,
                                 dtypes: F.bf16, scope: .everything, prefillChunkTokens: 32768,
                                 runtimeOverheadBytes: F.h100.runtimeOverheadBytes)
        #expect(e.batch == cap.value)
        #expect(e.batchLimitedBy == cap.limitedBy)
        #expect(e.memoryBytes <= F.h100.memoryBytes)
        #expect(e.batchIsMax)
    }

    @Test("throughput is B G / (prefill + decode); decode rate is B G / decode")
    func throughputDefinition() throws {
        let e = try F.yoco3B.estimate(on: F.h100, EstimateQuery(promptTokens: 32768, generatedTokens: 1024, batch: .fixed(4)))
        let tokens = 4.0 * 1024
        #expect(e.throughputTokensPerSecond == tokens / (e.prefillSeconds + e.decodeSeconds))
        #expect(e.decodeTokensPerSecond == tokens / e.decodeSeconds)
        #expect(e.prefillSeconds == e.rates.seconds(e.prefill))
        #expect(e.prefillFlops == e.prefill.flops.total)
    }

    @Test("YOCO beats its Transformer twin at long contexts on an H100")
    func yocoVersusTransformer() throws {
        let q = EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .max, prefillChunkTokens: 32768)
        let y = try F.yoco3B.estimate(on: F.h100, q)
        let t = try F.transformer3B.estimate(on: F.h100, q)
        #expect(y.batch > t.batch)
        #expect(y.prefillSeconds < t.prefillSeconds)
        #expect(y.throughputTokensPerSecond > t.throughputTokensPerSecond)
        #expect(y.prefillFlops < t.prefillFlops)
    }

    @Test("zero generated tokens: throughput 0, no decode rate, no trap")
    func zeroGenerated() throws {
        for m in [F.yoco3B, F.transformer3B] {
            let e = try m.estimate(on: F.h100, EstimateQuery(promptTokens: 4096, generatedTokens: 0, batch: .max))
            #expect(e.throughputTokensPerSecond == 0)
            #expect(e.decodeTokensPerSecond == nil)
            #expect(e.decodeSeconds == 0)
            #expect(e.decodeFlops == .zero)
            #expect(e.prefillSeconds > 0)
        }
    }

    @Test("a batch that does not fit names the binding constraint")
    func batchDoesNotFit() {
        // Transformer-3B at 512K: 104 KiB x 525,312 tokens = 52 GiB of KV per sequence.
        #expect {
            try F.transformer3B.estimate(on: F.h100, EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .fixed(8), prefillChunkTokens: 32768))
        } throws: { error in
            guard case let CostModelError.batchDoesNotFit(requested, maxBatch, limitedBy, required, budget) = error else { return false }
            return requested == 8 && maxBatch == 1 && limitedBy == .kvCache && required > budget
        }
        // 1,000,000 sequences of 32K on one H100
        #expect(throws: CostModelError.self) {
            try F.yoco3B.estimate(on: F.h100, EstimateQuery(promptTokens: 32768, generatedTokens: 1024, batch: .fixed(1_000_000)))
        }
        // a 1T-parameter model: the weights alone do not fit
        // the whole 512K prompt in flight at once: not even one Transformer sequence fits
        #expect {
            try F.transformer3B.estimate(on: F.h100, EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .max))
        } throws: { error in
            guard case CostModelError.batchDoesNotFit(nil, 0, _, _, _) = error else { return false }
            return "\(error)".contains("one sequence does not fit")
        }
        #expect {
            try F.oneTrillion.estimate(on: F.h100, EstimateQuery(promptTokens: 1024, generatedTokens: 16, batch: .max))
        } throws: { error in
            guard case let CostModelError.batchDoesNotFit(nil, 0, limitedBy, _, _) = error else { return false }
            return limitedBy == .weights && "\(error)".contains("weights")
        }
    }

    @Test("assess: a batch that does not fit keeps its memory and FLOPs; the fit agrees with maxBatch")
    func assessDoesNotFit() throws {
        let q = EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .fixed(8), prefillChunkTokens: 32768)
        guard case .doesNotFit(let u) = try F.transformer3B.assess(on: F.h100, q) else {
            Issue.record("batch 8 of 512K fits an H100")
            return
        }
        let capacity = F.transformer3B.maxBatch(budgetBytes: F.h100.memoryBytes, promptTokens: 524_288, generatedTokens: 1024,
                                                dtypes: F.transformer3B.dtypes, scope: .everything, prefillChunkTokens: 32768,
                                                runtimeOverheadBytes: F.h100.runtimeOverheadBytes)
        #expect(!u.fit.fits && u.fit.batch == 8 && u.fit.maxBatch == capacity.value && u.fit.limitedBy == capacity.limitedBy)
        #expect(u.fit.requiredBytes == u.memory.totalBytes && u.memory.totalBytes > F.h100.memoryBytes)
        // the figures are those of batch 8, exactly as a fitting estimate would count them
        #expect(u.prefill == F.transformer3B.prefillCost(batch: 8, promptTokens: 524_288, dtypes: F.transformer3B.dtypes))
        // a fixed batch that fits still answers the batch question
        let e = try F.transformer3B.estimate(on: F.h100, EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .fixed(1),
                                                                        prefillChunkTokens: 32768))
        #expect(e.fit.fits && e.fit.maxBatch == capacity.value && e.batchLimitedBy == nil)
    }

    @Test("a hardware profile without the compute dtype is a typed error")
    func missingDType() {
        #expect {
            try F.yoco3B.estimate(on: F.h100, EstimateQuery(promptTokens: 1024, generatedTokens: 16, computeDType: .int4))
        } throws: { error in
            guard case let CostModelError.missingPeakFlops(hw, dtype, available) = error else { return false }
            return hw == "h100-sxm-80gb" && dtype == .int4 && available.count == 3
                && "\(error)".contains("peak_flops_per_second.int4")
        }
    }

    @Test("inputs outside the limits are rejected, not trapped",
          arguments: [(0, 1), (Limits.maxContextTokens + 1, 1), (1024, -1), (1024, Limits.maxContextTokens + 1)])
    func badInputs(context: Int, generated: Int) {
        #expect(throws: CostModelError.self) {
            try F.yoco3B.estimate(on: F.huge, EstimateQuery(promptTokens: context, generatedTokens: generated))
        }
        #expect(throws: CostModelError.self) {
            try F.yoco3B.estimate(on: F.huge, EstimateQuery(promptTokens: 1024, generatedTokens: 1, batch: .fixed(0)))
        }
    }

    @Test("extremes: 16M tokens, batch 1,000,000, a 1T-parameter model, on a device big enough",
          arguments: [F.yoco3B, F.transformer3B, F.yoco3BSWA, F.oneTrillion])
    func extremes(model: ModelSpec) throws {
        let n = Limits.maxContextTokens
        // prefill and decode counts at the extreme (no device can hold them; the counts must not overflow)
        let p = model.prefillCost(batch: 1_000_000, promptTokens: n, dtypes: F.bf16)
        #expect(p.flops.total > 0 && p.executedFlops.total >= p.flops.total)
        #expect(p.bytes > 0)
        let rates = try RooflineRates(hardware: F.huge, computeDType: .bf16)
        let prefillSeconds = rates.seconds(p)
        #expect(prefillSeconds.isFinite && prefillSeconds > 0)
        let decode = model.decodeSeconds(batch: 1_000_000, promptTokens: n, generatedTokens: n, dtypes: F.bf16, rates: rates)
        #expect(decode.isFinite && decode > 0)
        let flops = model.decodeFlops(batch: 1_000_000, promptTokens: n, generatedTokens: n, dtypes: F.bf16)
        #expect(flops.total > p.flops.total / 1_000_000)
        // and a whole estimate on the huge device
        let e = try model.estimate(on: F.huge, EstimateQuery(promptTokens: n, generatedTokens: 1024, batch: .max))
        #expect(e.batch >= 1)
        #expect(e.throughputTokensPerSecond.isFinite && e.throughputTokensPerSecond > 0)
    }

    @Test("the 1T model's prefill FLOPs are at least 2 x parameters x tokens")
    func trillion() {
        let p = F.oneTrillion.parameterCount
        #expect(p.total > 1_000_000_000_000)
        let cost = F.oneTrillion.prefillCost(batch: 1, promptTokens: 1 << 20, dtypes: F.bf16)
        #expect(cost.flops.matmul > 2 * (p.nonEmbedding - p[.norms]) * Int128(1 << 20))
    }

    @Test("prefill time grows with the context; decode step time never shrinks", arguments: [F.yoco3B, F.transformer3B, F.yoco3BSWA])
    func monotone(model: ModelSpec) throws {
        let rates = try RooflineRates(hardware: F.h100, computeDType: .bf16)
        var last = 0.0
        for n in stride(from: 1, through: 1 << 20, by: 4093) {
            let s = rates.seconds(model.prefillCost(batch: 1, promptTokens: n, dtypes: F.bf16))
            #expect(s > last)
            last = s
        }
        var lastStep = 0.0
        for n in stride(from: 1, through: 1 << 20, by: 7919) {
            let s = rates.seconds(model.decodeStepCost(batch: 8, context: n, dtypes: F.bf16))
            #expect(s >= lastStep)
            lastStep = s
        }
    }

    @Test("Transformer throughput with batch max falls as the context grows")
    func throughputFalls() throws {
        var last = Double.infinity
        for n in [32768, 65536, 131072, 262144] {
            let e = try F.transformer3B.estimate(on: F.h100, EstimateQuery(promptTokens: n, generatedTokens: 1024, batch: .max))
            #expect(e.throughputTokensPerSecond < last)
            last = e.throughputTokensPerSecond
        }
    }
}
