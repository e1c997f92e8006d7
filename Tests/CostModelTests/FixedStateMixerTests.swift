// Fixed-state mixers (FixedStateMixer+Cost.swift): their state and work on small shapes derived by
// hand, and the properties every kind must keep (a state that does not grow with the context, the
// Mamba scan as n recurrent steps, a hybrid's KV cache equal to its attention layers').

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

    @Test("Mamba's selective scan in prefill is n recurrent steps", arguments: [1, 7, 4096])
    func mambaScan(n: Int) {
        let m = FixedStateMixer.mamba(innerSize: 64, stateSize: 16, timeStepRank: 4, convKernel: 4, convBias: true,
                                      projectionBias: false, timeStepNorms: true)
        #expect(m.prefillCoreFlops(tokens: Int128(n)) == Int128(n) * m.decodeCoreFlops)
        // per channel: matmul 4N = 64, other 3N + 12 = 60; 64 channels.
        #expect(m.decodeCoreFlops == FlopCount(matmul: 64 * 64, other: 64 * 60))
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
