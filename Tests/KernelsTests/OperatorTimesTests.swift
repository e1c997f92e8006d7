// Per-operator timing (Kernels/OperatorTimes.swift): the kernels charge time to exactly the typed
// operator ids the cost model lists for the same pass, so predicted and measured join by id.
// No timing value is asserted beyond > 0 and the sum bound: wall times on a shared machine vary.

import CostModel
import Foundation
import Testing
@testable import Kernels

@Suite struct OperatorTimesTests {
    static func costIDs(_ ops: [OperatorCost]) -> Set<OperatorID> { Set(ops.filter { $0.count > 0 }.map(\.id)) }

    @Test(arguments: TestModels.all)
    func prefillAndDecodeTimeTheCostModelsOperators(spec: ModelSpec) throws {
        let alloc = CountingAllocator()
        let w = try ModelWeights(spec: spec, seed: 5, allocator: alloc)
        let B = 2, N = 11, G = 3
        let run = try ModelRun(weights: w, batch: B, capacityTokens: N + G, options: RunOptions(attention: smallTiling), allocator: alloc)
        let clock = ContinuousClock(), begin = clock.now
        _ = try run.prefill(tokens: tokens(B * N, vocab: spec.vocabSize, seed: 1))
        let wall = begin.duration(to: clock.now)
        let prefill = run.operatorTimes
        let predicted = spec.prefillCost(batch: B, promptTokens: N, dtypes: .uniform(.fp32))
        #expect(Set(prefill.order) == Self.costIDs(predicted.operators))
        #expect(prefill.order.allSatisfy { prefill.seconds[$0]! > 0 })
        // The laps tile the forward call: their sum cannot exceed the call's own wall time.
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
        #expect(prefill.totalSeconds <= wallSeconds)

        run.resetOperatorTimes()
        for g in 0..<G { _ = try run.decode(tokens: tokens(B, vocab: spec.vocabSize, seed: 10 + UInt64(g))) }
        let decode = run.operatorTimes
        #expect(Set(decode.order) == Self.costIDs(spec.decodeOperators(batch: B, dtypes: .uniform(.fp32)).map(\.fixed)))
        // A decode attention core over a cache is charged to its cache read, never to a workspace core.
        for id in decode.order {
            if case .attentionCore = id.part { #expect(decode.stepSeconds[id]?[.core] == nil) }
        }
    }

    @Test func timingOffRecordsNothing() throws {
        let spec = TestModels.yocoGRet
        let alloc = CountingAllocator()
        let run = try ModelRun(weights: try ModelWeights(spec: spec, seed: 5, allocator: alloc), batch: 1, capacityTokens: 8, allocator: alloc)
        run.timesOperators = false
        _ = try run.prefill(tokens: tokens(8, vocab: spec.vocabSize, seed: 1))
        #expect(run.operatorTimes.order.isEmpty)
    }

    @Test func medianIsPerOperatorAndStep() {
        let id = OperatorID(run: 0, label: "attention", part: .ffn)
        var a = OperatorTimes(), b = OperatorTimes(), c = OperatorTimes()
        a.add(id, .norm, seconds: 1); a.add(id, .products, seconds: 10)
        b.add(id, .norm, seconds: 3); b.add(id, .products, seconds: 30)
        c.add(id, .norm, seconds: 2); c.add(id, .products, seconds: 20)
        let m = OperatorTimes.median([a, b, c])
        #expect(m.stepSeconds[id] == [.norm: 2, .products: 20])
        #expect(m.seconds[id] == 22)
    }
}
