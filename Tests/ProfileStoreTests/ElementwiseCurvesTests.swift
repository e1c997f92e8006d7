// The element-wise kernel curves (issue 15, seventh session): the A100 file reads Vidur's measured
// kernels, H100/H200 have none, a partial set is refused, and the per-block count follows the model.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("element-wise kernel curves")
struct ElementwiseCurvesTests {
    @Test("the A100 file has the four kernels from Vidur's Llama-2-7B rows; the H100 and H200 files have none")
    func committed() throws {
        let a100 = try #require(try Fixtures.store.loadHardware("a100-sxm-80gb").efficiencyCurves)
        #expect(Set(a100.elementwise.keys) == Set(ElementwiseKernel.allCases))
        // num_tokens 128, RMSNorm: 2 (2 x 128 x 4096 + 4096) = 2105344 bytes in 5 us (mlp.csv line 244,
        // k753): 2105344 / 5e-6 / 2039e9 = 0.2065; the file writes 4 decimals
        #expect(abs((a100.elementwise[.norm]?.value(at: 2_105_344) ?? 0) - 0.2065) < 5e-5)
        for id in ["h100-sxm-80gb", "h200-sxm-141gb"] {
            #expect(try Fixtures.store.loadHardware(id).efficiencyCurves?.elementwise.isEmpty == true, "\(id) has no sourced element-wise curve")
        }
    }

    @Test("a file with some element-wise kernels but not all four is refused, naming the missing one")
    func partialRefused() throws {
        let url = Fixtures.profiles.appendingPathComponent("hardware/efficiency/a100-sxm-80gb.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        let partial = text.split(separator: "\n").filter { !$0.hasPrefix("elementwise,rope,") }.joined(separator: "\n") + "\n"
        #expect { try EfficiencyCurvesFile.parse(partial, file: "t.csv", defaultKernel: .flash2) }
            throws: { ($0 as? ProfileError)?.field == "elementwise rope" }
    }

    @Test("Llama-2-7B's kernels per pass: 2 norms, rope, act_mul and 2 adds a layer, and the final norm")
    func countedFromTheModel() throws {
        let spec = try Fixtures.store.loadModel("llama-2-7b")
        let ks = spec.elementwiseKernels(rows: 128, dtype: .fp16)
        func launches(_ k: ElementwiseKernel) -> Int { ks.filter { $0.kernel == k }.reduce(0) { $0 + $1.launches } }
        #expect(launches(.norm) == 2 * 32 + 1 && launches(.rope) == 32 && launches(.activation) == 32 && launches(.add) == 2 * 32)
        // the bytes the curves were read at (tools/kernel_rows_elementwise.py): act_mul 2 x 3 x 128 x 11008
        let act = try #require(ks.first(where: { $0.kernel == .activation })), rope = try #require(ks.first(where: { $0.kernel == .rope }))
        #expect(act.bytes == Int128(2 * 3 * 128 * 11008))
        #expect(rope.bytes == Int128(2 * 2 * 128 * 64 * 128))
    }
}
