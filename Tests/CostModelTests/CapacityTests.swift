import CostModel
import Testing

@Suite("Capacity inversions")
struct CapacityTests {
    @Test("The paper's headline: 1 GiB of KV holds 1,638 tokens (GQA 65B) and 131,072 (YOCO 65B)")
    func headline() {
        // 2^30 / (80 layers * 2 * 16 * 128 * 2 B = 655,360 B) = 1,638.4 -> 1,638.
        let t = Fixtures.transformer65B.maxContext(budgetBytes: 1 << 30, batch: 1, dtypes: .uniform(.bf16), scope: .kvCacheOnly)
        #expect(t.value == 1638)
        #expect(t.limitedBy == .kvCache)
        // 2^30 / 8,192 B = 131,072 exactly: the last token fills the budget to the byte.
        let y = Fixtures.yoco65B.maxContext(budgetBytes: 1 << 30, batch: 1, dtypes: .uniform(.bf16), scope: .kvCacheOnly)
        #expect(y.value == 131_072)
        #expect(y.usedBytes == 1 << 30)
        // With the 80 MiB gRet state budgeted too: (2^30 - 40*64*128*128*2) / 8,192 = 120,832.
        let ys = Fixtures.yoco65B.maxContext(budgetBytes: 1 << 30, batch: 1, dtypes: .uniform(.bf16), scope: .cacheAndState)
        #expect(ys.value == 120_832)
    }

    static let budgets: [Int128] = [1, 4096, 1 << 30, 10_000_000_000, 85_520_809_984, 1 << 40]

    @Test("Context answers fit and one more token does not", arguments: Fixtures.all)
    func contextBoundary(model: ModelSpec) throws {
        for budget in Self.budgets {
            for scope in [CapacityScope.kvCacheOnly, .cacheAndState, .everything] {
                let a = model.maxContext(budgetBytes: budget, batch: 2, dtypes: model.dtypes, scope: scope, runtimeOverheadBytes: 1 << 29)
                if a.limitedBy == .toolLimit {
                    #expect(a.value == Limits.maxContextTokens)
                    #expect(a.usedBytes <= budget)
                } else if a.value > 0 || a.usedBytes <= budget {
                    #expect(a.usedBytes <= budget, "\(model.id) \(scope) \(budget)")
                    #expect(try #require(a.nextBytes) > budget, "\(model.id) \(scope) \(budget)")
                } else {
                    // Nothing fits: even 0 tokens exceed the budget (weights, reserve or state).
                    #expect([BindingConstraint.weights, .state].contains(a.limitedBy))
                }
            }
        }
    }

    @Test("Batch answers fit and one more sequence does not", arguments: Fixtures.all)
    func batchBoundary(model: ModelSpec) throws {
        for budget in Self.budgets {
            let a = model.maxBatch(budgetBytes: budget, promptTokens: 32_768, generatedTokens: 1024, dtypes: model.dtypes, scope: .everything, runtimeOverheadBytes: 1 << 29)
            if a.value == 0 {
                let next = try #require(a.nextBytes)
                #expect(a.limitedBy == .weights || next > budget)
            } else if a.limitedBy != .toolLimit {
                #expect(a.usedBytes <= budget)
                #expect(try #require(a.nextBytes) > budget)
            }
        }
    }

    @Test("Weights that do not fit name the weights")
    func weightsBind() {
        let a = Fixtures.transformer3B.maxContext(budgetBytes: 1 << 30, batch: 1, dtypes: .uniform(.bf16), scope: .everything)
        #expect(a.value == 0)
        #expect(a.limitedBy == .weights)
    }

    @Test("A fully windowed model's KV stops growing: the tool's limit binds")
    func windowUnbounded() {
        let a = Fixtures.mistral7B.maxContext(budgetBytes: 1 << 30, batch: 1, dtypes: .uniform(.bf16), scope: .kvCacheOnly)
        // 32 rings * 4096 positions * 4 KiB/position... = 512 MiB < 1 GiB at any context.
        #expect(a.value == Limits.maxContextTokens)
        #expect(a.limitedBy == .toolLimit)
    }
}
