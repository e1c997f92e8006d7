// Blocks that reuse another run's weights with per-use adapters (Model/SharedBlocks.swift), on a
// shape small enough to derive every figure by hand: d 4, V 10 (tied), two uses of one block of
// attention over an 8-wide input (H 2, Hkv 2, dh 4) and a gated SiLU feed-forward of F 8, adapters of
// rank 2 on q, k, v and gate/up, and the d x d output linear.

import CostModel
import Testing

@Suite("Shared-weight blocks with per-use adapters, by hand")
struct SharedBlockTests {
    static var spec: ModelSpec {
        var a = Attention(heads: 2, kvHeads: 2, headDim: 4)
        a.inputWidth = 8
        let block = Block(mixer: .attention(a), feedForward: .gated(inner: 8, activation: .silu),
                          adapters: InvocationAdapters(rank: 2, onQKV: true, onGateUp: true, outputLinear: true))
        return ModelSpec(id: "shared-toy", source: "test", hiddenSize: 4, vocabSize: 10, tiedEmbeddings: true,
                         runs: [BlockRun(block, count: 1), BlockRun(block, count: 1, weightsOf: 0)])
    }

    @Test("the shared weights count once, every use's adapters and K/V slot count apiece")
    func parameters() throws {
        let s = Self.spec
        try s.validate()
        // Shared, once: q, k, v 8 x 8 each = 192, o 8 x 4 = 32; gated 3 x 4 x 8 = 96; norms 8 (over the 8-wide input) + 4.
        // Per use: q, k, v adapters 3 x (8 x 2 + 2 x 8) = 96 and the linear 4 x 4 = 16 (attention class);
        // gate/up adapter 4 x 2 + 2 x 16 = 40 (ffn class). Embedding 10 x 4, final norm 4.
        let p = s.parameterCount
        #expect(p[.attention] == 224 + 2 * 112)
        #expect(p[.ffn] == 96 + 2 * 40)
        #expect(p[.norms] == 12 + 4)
        #expect(p.total == 332 + 2 * 152 + 40 + 4)  // 680
        #expect(p.active == p.total)
        // Each use writes its own slot: 2 x 2 KV heads x (4 + 4) x 2 B per token.
        #expect(s.kvBytesPerToken(dtype: .bf16) == 64)
        #expect(s.caches.count == 2)
    }

    @Test("a decode step prices each use's products, shared weights read again: literal FLOPs and bytes")
    func decode() {
        let ops = Self.spec.decodeStepCost(batch: 1, context: 1, dtypes: .uniform(.bf16)).operators
        let proj = ops.filter { $0.id.part == .projections }, ffn = ops.filter { $0.id.part == .ffn }
        #expect(proj.count == 2 && ffn.count == 2)
        // Projections, one row: 2 x 8 x (8 + 8 + 8) = 384 matmul; other: norm 4 x 8 = 32, RoPE 3 x (8 + 8) = 48: 80.
        // Adapters: down 3 x 2 x 8 x 2 = 96, up 3 x 2 x 2 x 8 = 96; their adds 8 + 8 + 8 = 24.
        #expect(proj.allSatisfy { $0.flops == FlopCount(matmul: 576, other: 104) })
        // Feed-forward, one row: 2 x 4 x 16 + 2 x 8 x 4 = 192 matmul; other: norm 16 + 5 x 8 = 56.
        // Gate/up adapter 2 x 4 x 2 + 2 x 2 x 16 = 80, linear 2 x 4 x 4 = 32; the adapter's add 16.
        #expect(ffn.allSatisfy { $0.flops == FlopCount(matmul: 304, other: 72) })
        // Feed-forward bytes (bf16): weights 96 + adapter 40 + linear 16 = 152 elements; activations 3 x 4 + 2 x 8 = 28,
        // the rank-2 intermediate written and read 4, the linear's input and output 8: 40. (152 + 40) x 2 B.
        #expect(ffn.allSatisfy { $0.bytes == 384 })
    }

    @Test("weights_of must name an earlier owner with the same block")
    func validation() {
        var s = Self.spec
        s.runs[1].weightsOf = 1
        #expect(throws: SpecError.self) { try s.validate() }
        s.runs[1].weightsOf = 0
        s.runs[1].block.feedForward = .gated(inner: 16, activation: .silu)
        #expect(throws: SpecError.self) { try s.validate() }
        // A gate/up adapter needs a gated feed-forward to add into.
        var mlp = Self.spec
        mlp.runs = [BlockRun(Block(mixer: mlp.runs[0].block.mixer, feedForward: .mlp(inner: 8, activation: .gelu, bias: false),
                                   adapters: mlp.runs[0].block.adapters), count: 1)]
        #expect(throws: SpecError.self) { try mlp.validate() }
    }

    @Test("layouts that would place shared weights are refused by name")
    func layouts() {
        for layout in [ParallelLayout(tensor: 2, pipeline: 1, expert: 1, data: 1), ParallelLayout(tensor: 1, pipeline: 2, expert: 1, data: 1)] {
            do {
                try layout.check(for: Self.spec)
                Issue.record("\(layout) accepted")
            } catch {
                #expect(error.constraint.contains("shared-weight blocks"), "\(error)")
            }
        }
        #expect((try? ParallelLayout(tensor: 1, pipeline: 1, expert: 1, data: 2).check(for: Self.spec)) != nil)
    }
}
