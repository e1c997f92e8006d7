// Fixed-state mixers (FixedStateMixer+Cost.swift): their state and work on small shapes derived by
// hand (literal FLOP figures for every kind, derived in the comments from the operations, not from
// the code's formulas), and the properties every kind must keep (a state that does not grow with the
// context, a hybrid's KV cache equal to its attention layers').

import Testing
@testable import CostModel

@Suite("Fixed-state mixers")
struct FixedStateMixerTests {
    /// nk 1 key head of 2, nv 2 value heads of 3, conv 4.
    static let gdn = FixedStateMixer.gatedDeltaNet(keyHeads: 1, keyDim: 2, valueHeads: 2, valueDim: 3, convKernel: 4, chunkTokens: 2)

    static func hybrid(_ mixer: FixedStateMixer, stateDType: DType? = nil) -> ModelSpec {
        var m = mixer
        m.stateDType = stateDType
        let ff = FeedForward.gated(inner: 32, activation: .silu)
        let attention = Block(mixer: .attention(Attention(heads: 4, kvHeads: 2, headDim: 8)), feedForward: ff)
        let linear = Block(mixer: .fixedState(m), feedForward: ff)
        return ModelSpec(id: "hybrid", source: "test", hiddenSize: 16, vocabSize: 64,
                         runs: [BlockRun(linear, count: 3), BlockRun(attention, count: 1), BlockRun(linear, count: 3), BlockRun(attention, count: 1)])
    }

    @Test("Gated DeltaNet on a small shape, by hand")
    func gatedDeltaNet() throws {
        let g = Self.gdn
        // conv channels 2*1*2 + 2*3 = 10; conv state (4 - 1) x 10; recurrent 2 x 2 x 3.
        #expect(g.convChannels == 10 && g.convStateElements == 30 && g.recurrentStateElements == 12)
        // d 4: in_proj 4 x (4 + 12 + 4) = 80, conv 10 x 4 = 40, A_log + dt_bias 4, norm 3, out 6 x 4 = 24.
        #expect(g.parameters(hidden: 4) == 151)
        // decode: matmul 2 x 6 x 2 x 3 = 72; other 2 x (6 + 33 + 8) + 1 x 9 x 2 = 112.
        #expect(g.decodeCoreFlops == FlopCount(matmul: 72, other: 112))
        // prefill n 5, chunk 2: chunks 2, 2, 1: S2 = 9, T2 = 2 + 2 + 0 = 4, 3 chunks.
        // matmul 2 x (4*2*9 + 2*3*9 + 5*4 + 6*6*5) = 652; other 2 x (18 + 5 + 6*3) + 5 x (112 - 12) = 582.
        #expect(g.prefillCoreFlops(tokens: 5) == FlopCount(matmul: 652, other: 582))
    }

    @Test("Mamba's selective scan: literal prefill and decode FLOPs", arguments: [
        // (n, prefill matmul, prefill other): n tokens x 64 channels x (4N = 64 matmul, 3N + 12 = 60 other).
        (1, 4_096, 3_840), (7, 28_672, 26_880), (4096, 16_777_216, 15_728_640),
    ])
    func mambaScan(n: Int, matmul: Int, other: Int) {
        let m = FixedStateMixer.mamba(innerSize: 64, stateSize: 16, timeStepRank: 4, convKernel: 4, convBias: true,
                                      projectionBias: false, timeStepNorms: true)
        // Decode, per channel (N 16): the outer product ΔB x and the read-out Cᵀh, 2N multiply-adds each = 64 matmul
        // FLOPs; the decay of the N state entries 16, exp(ΔA) 2N = 32, softplus 4, Δx 1, D skip 2, SiLU gate 5 = 60.
        #expect(m.decodeCoreFlops == FlopCount(matmul: 4_096, other: 3_840))
        #expect(m.prefillCoreFlops(tokens: Int128(n)) == FlopCount(matmul: Int128(matmul), other: Int128(other)))
    }

    @Test("Kimi delta attention on a small shape, by hand")
    func kimiDelta() {
        // h 2 heads of dk = dv = 4, conv 4, chunk 2.
        let m = FixedStateMixer.kimiDelta(heads: 2, headDim: 4, convKernel: 4, chunkTokens: 2)
        // Decode, per head: Sᵀk, k uᵀ and Sᵀq, 2 x 16 FLOPs each = 96 matmul, x 2 heads = 192.
        // Other per head: the per-channel decay of the 16 state entries 16, u = β(v - Sᵀk) 2 x 4 = 8, the gates
        // 5 x 4 + 4 = 24, the gated output norm 9 x 4 = 36, l2norm of q and k and the q scale 9 x 4 = 36: 120; x 2 = 240.
        #expect(m.decodeCoreFlops == FlopCount(matmul: 192, other: 240))
        // Prefill n 5 in chunks of 2 (2, 2, 1): sum of squared chunk sizes 9, sum of c(c - 1) 4, 3 chunks.
        // Matmul per head: β K Kᵀ 2 x 4 x 9 = 72, the triangular solve (4 + 4) x 4 = 32, W S, Q S and Kᵀ U'
        // 6 x 16 x 5 = 480, Q Kᵀ 72, its product with U' 72: 728; x 2 = 1,456.
        // Other per head: decay mask 2 x 9 = 18, cumulative decays 5, state decay 16 x 3 chunks = 48: 71, x 2 = 142;
        // plus 5 tokens x the decode step's element-wise work without its state decay (240 - 2 x 16 = 208) = 1,040:
        // 1,182.
        #expect(m.prefillCoreFlops(tokens: 5) == FlopCount(matmul: 1_456, other: 1_182))
    }

    @Test("lightning attention on a small shape, by hand")
    func lightning() {
        // h 2 heads of dh 4, blocks of 2.
        let m = FixedStateMixer.lightning(heads: 2, headDim: 4, blockTokens: 2)
        // Decode, per head: S = λS + kᵀv (2 x 16) and o = qS (2 x 16) = 64 matmul, x 2 = 128; other: the decay
        // of 16 entries + norm and gate 9 x 4 = 52, x 2 = 104.
        #expect(m.decodeCoreFlops == FlopCount(matmul: 128, other: 104))
        // Prefill n 5 in blocks of 2 (2, 2, 1): sum of squared block sizes 9, 3 blocks.
        // Matmul per head: Q Kᵀ ⊙ D and its product with V, 4 x 4 x 9 = 144, q S and kᵀv 4 x 16 x 5 = 320: 464,
        // x 2 = 928. Other per head: decay mask 2 x 9 = 18, state decays 16 x 3 = 48, decays on q and k with norm
        // and gate 11 x 4 x 5 = 220: 286, x 2 = 572.
        #expect(m.prefillCoreFlops(tokens: 5) == FlopCount(matmul: 928, other: 572))
    }

    @Test("Mamba2 (SSD) on a small shape, by hand")
    func mamba2() {
        // hm 4 heads of P 8, G 2 groups of state N 4, chunk 2.
        let m = FixedStateMixer.mamba2(heads: 4, headDim: 8, groups: 2, stateSize: 4, convKernel: 4, convBias: true,
                                       projectionBias: false, chunkTokens: 2)
        // Decode, per head: the outer product (Δx)Bᵀ and the read-out hC, 2 x 8 x 4 each = 128 matmul, x 4 = 512.
        // Other per head: the decay of 32 state entries, softplus and exp(ΔA) 6, Δx 8, D skip 16, gated norm 72 = 134;
        // x 4 = 536.
        #expect(m.decodeCoreFlops == FlopCount(matmul: 512, other: 536))
        // Prefill n 5 in chunks of 2 (2, 2, 1): sum of squared chunk sizes 9, 3 chunks.
        // Matmul: C Bᵀ per group 2 x 4 x 9 = 72, x 2 groups = 144; per head (C Bᵀ ⊙ L) X 2 x 8 x 9 = 144 and the chunk
        // states with the state's contribution 4 x 4 x 8 x 5 = 640: 784, x 4 = 3,136; 3,280 in all.
        // Other per head: segment sums 2 x 9 = 18, state passing 32 x 3 chunks = 96, 5 tokens x (12 x 8 + 6) = 510:
        // 624, x 4 = 2,496.
        #expect(m.prefillCoreFlops(tokens: 5) == FlopCount(matmul: 3_280, other: 2_496))
    }

    @Test("every kind's decode work and state do not depend on the context", arguments: FixedStateKind.allCases)
    func fixedInContext(kind: FixedStateKind) {
        let mixer: FixedStateMixer = switch kind {
        case .gatedDeltaNet: Self.gdn
        case .kimiDelta: .kimiDelta(heads: 2, headDim: 4, convKernel: 4)
        case .lightning: .lightning(heads: 2, headDim: 4, blockTokens: 8)
        case .mamba: .mamba(innerSize: 32, stateSize: 4, timeStepRank: 2, convKernel: 4, convBias: true, projectionBias: false, timeStepNorms: false)
        case .mamba2: .mamba2(heads: 4, headDim: 8, groups: 2, stateSize: 4, convKernel: 4, convBias: true, projectionBias: false, chunkTokens: 8)
        }
        let spec = Self.hybrid(mixer)
        #expect((try? spec.validate()) != nil)
        let short = spec.decodeStepCost(batch: 2, context: 10, dtypes: .uniform(.bf16))
        let long = spec.decodeStepCost(batch: 2, context: 1_000_000, dtypes: .uniform(.bf16))
        let cores = { (p: PhaseCost) in p.operators.filter { $0.id.part == .stateCore } }
        #expect(cores(short) == cores(long) && !cores(short).isEmpty)
        #expect(cores(short).allSatisfy { $0.operatorClass == .stateCore })
        // The hybrid's KV is its two attention layers': 2 x 2 KV heads x (8 + 8) x 2 B per token.
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 128)
        #expect(spec.kvCacheBytes(batch: 1, tokens: 1000, dtype: .bf16) == 128_000)
        // The state: 6 layers of conv window + recurrent state, bf16.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 6 * 2 * (mixer.convStateElements + mixer.recurrentStateElements))
    }

    @Test("a recurrent state in its own dtype keeps it whatever the plan says")
    func ownStateDType() {
        let spec = Self.hybrid(Self.gdn, stateDType: .fp32)
        // 6 x (30 conv x 2 B + 12 recurrent x 4 B) = 648; an fp8 plan halves only the conv windows: 6 x (30 + 48) = 468.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 648)
        #expect(spec.stateBytes(batch: 1, dtype: .fp8) == 468)
    }

    @Test("the state core falls back to the retention core's efficiency")
    func fallback() {
        var rates = RooflineRates(flopsPerSecond: 100, bytesPerSecond: 100, overheadSeconds: 0)
        rates.classFlopsPerSecond[.retentionCore] = 10
        let op = OperatorCost(OperatorID(part: .stateCore), flops: FlopCount(matmul: 10), bytes: 0)
        #expect(rates.flopsPerSecond(for: op) == 10)
        rates.classFlopsPerSecond[.stateCore] = 20
        #expect(rates.flopsPerSecond(for: op) == 20)
    }
}
