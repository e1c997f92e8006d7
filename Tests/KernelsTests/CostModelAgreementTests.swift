// The kernels' executed-work counters against the cost model's counts, model by model. `validate`
// compares executed matmul FLOPs exactly (through the SDE counters), so any drift between the
// kernels and the formulas in CostModel fails here first, on small awkward shapes.
//
// The CPU attention kernel clips each key range to the keys its query tile can see, so it executes
// CostModel's tile formula with key tile 1 and its own query tile (docs/KERNELS.md).

import CostModel
import Testing
@testable import Kernels

@Suite("Kernels agree with the cost model")
struct CostModelAgreementTests {
    static func tiling(_ spec: ModelSpec, _ t: AttentionKernelTiling = smallTiling) -> AttentionTiling {
        AttentionTiling(queryTile: t.queryTile, keyTile: t.keyTile, clipsKeys: true,
                        singleQueryKeyTile: CausalAttention.singleQueryKeyBlock(tiling: t, heads: spec.heads),
                        singleQuerySplit: CausalAttention.singleQuerySplit(tiling: t, heads: spec.heads, headDim: spec.headDim))
    }

    @Test("prefill and decode: executed matmul and other FLOPs and attention pairs match exactly", arguments: TestModels.all)
    func counts(spec: ModelSpec) throws {
        // 1 token; odd lengths; lengths past the window (5), the gRet chunk (4) and the query tile (4).
        for (batch, n) in [(1, 1), (2, 7), (1, 13), (2, 9)] {
            let alloc = CountingAllocator()
            let weights = try ModelWeights(spec: spec, seed: 1, allocator: alloc)
            let run = try ModelRun(weights: weights, batch: batch, capacityTokens: n + 3,
                                   options: RunOptions(attention: smallTiling), allocator: alloc)
            _ = try run.prefill(tokens: (0..<(batch * n)).map { Int32($0 % spec.vocabSize) })
            let prefill = spec.prefillCost(batch: batch, promptTokens: n, dtypes: .uniform(.fp32), tiling: Self.tiling(spec))
            #expect(run.counters.matmulFlops == Int64(prefill.executedFlops.matmul), "\(spec.id) prefill B\(batch) N\(n)")
            #expect(run.counters.attentionPairsExecuted == Int64(prefill.executedAttentionPairs), "\(spec.id) prefill B\(batch) N\(n)")
            #expect(run.counters.attentionPairsUseful == Int64(prefill.usefulAttentionPairs), "\(spec.id) prefill B\(batch) N\(n)")
            #expect(run.counters.otherFlops == Int64(prefill.executedFlops.other), "\(spec.id) prefill B\(batch) N\(n)")
            for step in 1...3 {
                let before = run.counters
                _ = try run.decode(tokens: (0..<batch).map { Int32($0 + step) })
                let cost = spec.decodeStepCost(batch: batch, context: n + step, dtypes: .uniform(.fp32))
                #expect(run.counters.matmulFlops - before.matmulFlops == Int64(cost.executedFlops.matmul),
                        "\(spec.id) decode B\(batch) at \(n + step)")
                // Decode walks the keys in blocks of min(1024, keyTile * maxRows / H) = 8 keys with these
                // test tiles; the cost model counts one online-softmax rescale per row (one block), so
                // other FLOPs agree exactly up to one block of context (1,024 with the default tiling).
                if n + step <= smallTiling.keyTile {
                    #expect(run.counters.otherFlops - before.otherFlops == Int64(cost.executedFlops.other),
                            "\(spec.id) decode other B\(batch) at \(n + step)")
                }
            }
        }
    }

    /// Two workers and tiles with room for the chunks' slots (32 rows of scratch: block 64 keys at
    /// H 4, 7 slots per worker), so YOCO's last-position cross layers at B = 1 take the split
    /// decode (from 32 keys): one pass's tail (100), a head of blocks then the quarter-block tail
    /// (200, 500: exactly the 14 slots), and too many chunks for a fine tail (700).
    static let splitTiling = AttentionKernelTiling(queryTile: 32, keyTile: 8, workers: 2)

    @Test("prefill other FLOPs count the B = 1 split's chunks", arguments: [TestModels.yocoGRet, TestModels.yocoSWA, TestModels.yocoSWAGQA])
    func splitChunks(spec: ModelSpec) throws {
        let tiling = Self.tiling(spec, Self.splitTiling)
        // the split walks more blocks than one pass, or this test would not see a miscount
        #expect(tiling.singleQueryBlockVisits(keys: 200, batch: 1, heads: spec.heads, headDim: spec.headDim) == 10)
        #expect(tiling.singleQueryBlockVisits(keys: 200, batch: 2, heads: spec.heads, headDim: spec.headDim) == 4)
        for (batch, n) in [(1, 31), (1, 100), (1, 200), (1, 500), (1, 700), (2, 200)] {
            let alloc = CountingAllocator()
            let weights = try ModelWeights(spec: spec, seed: 1, allocator: alloc)
            let run = try ModelRun(weights: weights, batch: batch, capacityTokens: n + 1,
                                   options: RunOptions(attention: Self.splitTiling), allocator: alloc)
            _ = try run.prefill(tokens: (0..<(batch * n)).map { Int32($0 % spec.vocabSize) })
            let prefill = spec.prefillCost(batch: batch, promptTokens: n, dtypes: .uniform(.fp32), tiling: tiling)
            #expect(run.counters.otherFlops == Int64(prefill.executedFlops.other), "\(spec.id) prefill B\(batch) N\(n)")
            #expect(run.counters.matmulFlops == Int64(prefill.executedFlops.matmul), "\(spec.id) prefill B\(batch) N\(n)")
        }
    }
}
