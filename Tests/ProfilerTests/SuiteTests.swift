// The named validation suites: which models and sizes they run, and that the paper-160m suite's
// largest run fits a 24 GiB machine by the memory plan MemoryGuard checks before allocating.

import CostModel
import Foundation
import Kernels
import Profiler
import ProfileStore
import Testing

@Suite("Validation suites")
struct SuiteTests {
    static let store = ProfileStore(directory: Fixtures.repoRoot.appendingPathComponent("Profiles"))

    @Test("paper-160m runs yoco-160m and transformer-160m at 1K, 4K and 8K; every run's plan fits 24 GiB")
    func paper160m() throws {
        let suite = ValidationSuite.paper160m
        let ids = try #require(suite.defaultModelIDs)
        let specs = try ids.map { try Self.store.loadModel($0) }
        #expect(specs.map(\.hiddenSize) == [768, 768] && specs.map(\.layers) == [12, 12])
        let cases = suite.cases(models: specs)
        #expect(Set(cases.map(\.contextTokens)) == [1024, 4096, 8192])
        #expect(cases.count == 6)
        let limit = try MemoryGuard(fraction: MemoryGuard.defaultFraction)
        for c in cases {
            // 24 GiB of MemAvailable, injected: the outcome does not depend on this machine.
            try limit.check(c.request.memoryPlan, what: c.request.label, availableBytes: 24 << 30)
        }
        #expect(ValidationSuite.default.defaultModelIDs == nil && ValidationSuite.quick.defaultModelIDs == nil)
    }
}
