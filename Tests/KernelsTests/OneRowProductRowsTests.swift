// The cost model's one-row threshold is the kernels' own: below it Linear.forward runs one sgemv
// per row, which is what `one_row_product_call_seconds` is charged per (Roofline.swift).

import CostModel
import Kernels
import Testing

@Suite("One-row product threshold")
struct OneRowProductRowsTests {
    @Test("OperatorCost.oneRowProductRows equals Linear.gemvRows")
    func same() {
        #expect(OperatorCost.oneRowProductRows == Int128(Linear.gemvRows))
    }
}
