// Whole models: YOCO early exit, prefill + decode vs a longer prefill, byte accounting against the
// cost model, and refusals.
//
// Tolerance 1e-4 on final hidden states (RMS-normalised, entries of order 1): the two runs being
// compared take different but equivalent paths (tiles of different row counts, chunkwise vs
// recurrent gRet, the group-rows decode kernel), so sgemm blocking and summation order differ;
// over 4 layers fp32 rounding stays near 1e-6. A wrong position, mask, ring slot or state update
// moves outputs by > 1e-2.

import CostModel
import Testing
@testable import Kernels

func tokens(_ count: Int, vocab: Int, seed: UInt64) -> [Int32] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in Int32(rng.nextInt(below: vocab)) }
}

@Suite struct ModelRunTests {
    @Test(arguments: [TestModels.yocoGRet, TestModels.yocoSWA])
    func earlyExitMatchesFullStack(spec: ModelSpec) throws {
        let alloc = CountingAllocator()
        let w = try ModelWeights(spec: spec, seed: 7, allocator: alloc)
        let B = 2, N = 13
        let toks = tokens(B * N, vocab: spec.vocabSize, seed: 3)
        let early = try ModelRun(weights: w, batch: B, capacityTokens: N, options: RunOptions(attention: smallTiling), allocator: alloc)
            .prefill(tokens: toks)
        let full = try ModelRun(weights: w, batch: B, capacityTokens: N, options: RunOptions(attention: smallTiling), allocator: alloc)
            .prefill(tokens: toks, allPositions: true)
        let d = spec.hiddenSize
        var lastOfFull: [Float] = []
        for b in 0..<B { lastOfFull += full.hidden[((b * N + N - 1) * d)..<((b * N + N) * d)] }
        #expect(maxAbsDiff(early.hidden, lastOfFull) < 1e-4)  // see the file header
        #expect(maxAbsDiff(early.logits, full.logits) < 1e-4)
    }

    @Test(arguments: TestModels.all)
    func prefillThenDecodeMatchesLongerPrefill(spec: ModelSpec) throws {
        let alloc = CountingAllocator()
        let w = try ModelWeights(spec: spec, seed: 9, allocator: alloc)
        let B = 2, N = 9, G = 6  // N + G = 15 crosses the window (5), the gRet chunk (4) and the tiles
        let all = tokens(B * (N + G), vocab: spec.vocabSize, seed: 4)
        let opts = RunOptions(attention: smallTiling)
        let long = try ModelRun(weights: w, batch: B, capacityTokens: N + G, options: opts, allocator: alloc)
            .prefill(tokens: all, allPositions: true)
        let run = try ModelRun(weights: w, batch: B, capacityTokens: N + G, options: opts, allocator: alloc)
        var prompt: [Int32] = []
        for b in 0..<B { prompt += all[(b * (N + G))..<(b * (N + G) + N)] }
        let first = try run.prefill(tokens: prompt, allPositions: true)
        let d = spec.hiddenSize
        for b in 0..<B {
            let expect = Array(long.hidden[((b * (N + G) + N - 1) * d)..<((b * (N + G) + N) * d)])
            #expect(maxAbsDiff(Array(first.hidden[((b * N + N - 1) * d)..<((b * N + N) * d)]), expect) < 1e-4)
        }
        for g in 0..<G {
            let step = try run.decode(tokens: (0..<B).map { all[$0 * (N + G) + N + g] })
            for b in 0..<B {
                let p = N + g
                let expect = Array(long.hidden[((b * (N + G) + p) * d)..<((b * (N + G) + p + 1) * d)])
                #expect(maxAbsDiff(Array(step.hidden[(b * d)..<((b + 1) * d)]), expect) < 1e-4, "step \(g) seq \(b)")
            }
        }
        #expect(run.tokensHeld == N + G)
        #expect(throws: KernelError.self) { try run.decode(tokens: Array(repeating: 0, count: B)) }
    }

    @Test(arguments: TestModels.all)
    func cacheBytesEqualTheCostModel(spec: ModelSpec) throws {
        let alloc = CountingAllocator()
        let w = try ModelWeights(spec: spec, seed: 1, allocator: alloc)
        // weights: fp32 bytes of the cost model's parameter count, exactly
        #expect(Int128(alloc.liveBytes(.weights)) == spec.weightBytes(dtype: .fp32).values.reduce(0, +))
        for (batch, T) in [(1, 1), (1, 4), (3, 5), (2, 6), (4, 17), (2, 64)] {
            let run = try ModelRun(weights: w, batch: batch, capacityTokens: T, allocator: alloc)
            #expect(Int128(alloc.liveBytes(.kvCache)) == spec.kvCacheBytes(batch: batch, tokens: Int128(T), dtype: .fp32), "B\(batch) T\(T)")
            #expect(Int128(alloc.liveBytes(.state)) == spec.stateBytes(batch: batch, dtype: .fp32), "B\(batch) T\(T)")
            let plan = MemoryPlan(spec: spec, batch: batch, promptTokens: T, generatedTokens: 0)
            #expect(plan.kvCacheBytes == alloc.liveBytes(.kvCache))
            #expect(plan.stateBytes == alloc.liveBytes(.state))
            _ = try run.prefill(tokens: tokens(batch * T, vocab: spec.vocabSize, seed: 2))
            // the prefill workspace is released and its peak equals the plan's size table
            #expect(alloc.liveBytes(.workspace) == 0)
            #expect(alloc.peakBytes(.workspace) >= Workspace.bytes(spec, batch: batch, rows: batch * T, options: RunOptions()))
        }
        #expect(alloc.liveBytes(.kvCache) == 0 && alloc.liveBytes(.state) == 0)
    }

    @Test func claPairsShareOneAllocationEach() throws {
        let alloc = CountingAllocator()
        let run = try ModelRun(weights: try ModelWeights(spec: TestModels.gqaCLA2, seed: 1, allocator: alloc), batch: 1,
                               capacityTokens: 8, allocator: alloc)
        #expect(run.caches.count == 2)
        #expect(run.caches.map(\.slot.readers) == [[0, 1], [2, 3]])
        #expect(run.cacheOfLayer[1] == 0 && run.cacheOfLayer[3] == 1)
        // Readers have no K/V projections of their own.
        #expect(!run.weights.contains("layers.1.wk") && run.weights.contains("layers.2.wk"))
    }

    @Test func unsupportedFeaturesAreRefusedByName() {
        var spec = TestModels.gqa
        spec.runs[0].block.feedForward = .mlp(inner: 48, activation: .gelu, bias: true)
        let e = #expect(throws: KernelError.self) { _ = try ModelWeights(spec: spec, seed: 1, allocator: CountingAllocator()) }
        #expect(e?.description.contains("SwiGLU") == true)
    }

    @Test func yocoSharedCacheIsOneAllocation() throws {
        let spec = TestModels.yocoGRet
        let alloc = CountingAllocator()
        let run = try ModelRun(weights: try ModelWeights(spec: spec, seed: 1, allocator: alloc), batch: 1, capacityTokens: 8, allocator: alloc)
        // 2 gRet states + 1 shared K̂/V̂ slot read by both cross layers
        #expect(run.caches.filter { $0.k != nil }.count == 1)
        #expect(run.caches.last!.slot.readers == [2, 3])
    }

    @Test func sameSeedSameBits() throws {
        let a = try ModelWeights(spec: TestModels.gqa, seed: 42, allocator: CountingAllocator())
        let b = try ModelWeights(spec: TestModels.gqa, seed: 42, allocator: CountingAllocator())
        let c = try ModelWeights(spec: TestModels.gqa, seed: 43, allocator: CountingAllocator())
        #expect(a.tensors.map { $0.buffer.toArray() } == b.tensors.map { $0.buffer.toArray() })
        #expect(a.tensors[0].buffer.toArray() != c.tensors[0].buffer.toArray())
    }

    @Test func oversizedRunIsRefusedBeforeAllocating() throws {
        let spec = TestModels.gqa
        let plan = MemoryPlan(spec: spec, batch: 1 << 20, promptTokens: 1 << 20, generatedTokens: 0)
        #expect(throws: KernelError.self) { try plan.checkFits(what: "test", availableBytes: 1 << 30) }
        do {
            try plan.checkFits(what: "test", availableBytes: 1 << 30)
        } catch {
            #expect(error.description.contains("\(plan.totalBytes) bytes"))  // the predicted size is in the message
        }
        let alloc = CountingAllocator()
        let w = try ModelWeights(spec: spec, seed: 1, allocator: alloc)
        #expect(throws: KernelError.self) { _ = try ModelRun(weights: w, batch: 1 << 24, capacityTokens: 1 << 24, allocator: alloc) }
        #expect(alloc.liveBytes(.kvCache) == 0)
    }

    @Test func badTokensAreRejected() throws {
        let alloc = CountingAllocator()
        let run = try ModelRun(weights: try ModelWeights(spec: TestModels.mha, seed: 1, allocator: alloc), batch: 1, capacityTokens: 4, allocator: alloc)
        #expect(throws: KernelError.self) { _ = try run.prefill(tokens: [0, 53]) }
        #expect(throws: KernelError.self) { _ = try run.prefill(tokens: [0, 1, 2, 3, 4]) }
    }
}
