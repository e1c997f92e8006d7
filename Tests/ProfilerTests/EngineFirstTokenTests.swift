// Which pass samples the first token (suite/first-token.csv): rules read by engine and version
// label, and an engine that samples it from a decode step prices its first-token latency as a
// prefill of N - 1 tokens plus one decode step at context N.

import CostModel
import Foundation
import Testing
@testable import Profiler
import ProfileStore

@Suite("engine first token")
struct EngineFirstTokenTests {
    static let header = "row_id,engine_prefix,versions,first_token,source,note\n"
    static let table = header + "t1,LMDeploy,0.0;0.1.0a1,decode_step,src,\n"

    @Test("a rule matches by engine prefix and version label (a label, or a label and a dot); anything else reads the prefill")
    func lookup() throws {
        let rules = try EngineFirstToken.rules(csv: Self.table, file: "t.csv")
        func pass(_ engine: String, _ version: String) -> FirstTokenPass { EngineFirstToken.pass(rules, engine: engine, versionText: version) }
        #expect(pass("LMDeploy TurboMind (profile_generation.py, static)", "0.1.0a1 (CUDA 11.8)") == .decodeStep)
        #expect(pass("LMDeploy", "0.0.14") == .decodeStep)
        #expect(pass("LMDeploy", "0.1.0a2") == .prefill)
        #expect(pass("LMDeploy", "0.1.0") == .prefill)
        #expect(pass("LMDeploy", "0.05") == .prefill)  // "0.0" covers 0.0.x only
        #expect(pass("vLLM", "0.1.0a1") == .prefill)
        #expect(pass("LMDeploy", "") == .prefill)
    }

    @Test("a malformed rule is refused by file, line and field", arguments: [
        ("t1,LMDeploy,0.1.0a1,first,src,", "first_token"),
        ("t1,LMDeploy,,decode_step,src,", "versions"),
        ("t1,LMDeploy,0.1 a,decode_step,src,", "versions"),
        ("t1,LMDeploy,0.1.0a1,decode_step,,", "source"),
        (",LMDeploy,0.1.0a1,decode_step,src,", "row_id"),
    ])
    func malformed(line: String, field: String) {
        #expect { try EngineFirstToken.rules(csv: Self.header + line + "\n", file: "t.csv") } throws: {
            let e = $0 as? PublishedSuiteError
            return e?.field == field && e?.line == 2 && e?.file == "t.csv"
        }
    }

    @Test("suite/first-token.csv parses, each rule sourced, each engine prefix one engines.csv models")
    func committed() throws {
        let rules = try EngineFirstToken.rules(csv: try PublishedSuiteTests.text("suite/first-token.csv"), file: "first-token.csv")
        #expect(!rules.isEmpty)
        let maps = try PublishedSuiteTests.maps()
        for r in rules {
            #expect(!r.source.isEmpty, "\(r.id)")
            #expect(maps.engines.contains { $0.prefix == r.enginePrefix && $0.modelled }, "\(r.id)")
        }
    }

    @Test("LMDeploy v0.1.0a1's first-token latency is a prefill of N - 1 tokens and one decode step at context N, from the cost model directly")
    func decodeStepFormula() throws {
        let row = try #require(try PublishedSuiteTests.rows().first { $0.id == "e219" })  // LMDeploy 0.1.0a1, Llama-2-13b, FTL at 128 tokens
        #expect(row.unit == "s" && row.inputTokens == 128)
        var maps = try PublishedSuiteTests.maps()
        let store = PublishedSuiteTests.store
        func run(_ m: PublishedMaps) throws -> PublishedRecord {
            try #require(try PublishedSuite.run([row], maps: m, model: { try store.loadModel($0) }, hardware: { try store.loadHardware($0) }).first)
        }
        let plain = try run(maps)
        maps.firstTokenRules = try EngineFirstToken.rules(csv: try PublishedSuiteTests.text("suite/first-token.csv"), file: "first-token.csv")
        let record = try run(maps)
        #expect(record.status == "ok", "\(record.status)")
        let spec = try store.loadModel("llama-2-13b"), hw = try store.loadHardware("a100-sxm-80gb")
        let rates = try RooflineRates(hardware: hw, computeDType: .fp16, attentionKernel: .flash2, launchMode: .eager)
        let plan = DTypePlan.uniform(.fp16)
        // each pass with its element-wise kernels (the A100 prices them apart, Roofline+Elementwise.swift)
        let prefill = rates.seconds(spec.prefillCost(batch: 1, promptTokens: 127, dtypes: plan)) + rates.elementwiseSeconds(spec, rows: 127, dtype: .fp16)
        // decodeSeconds(promptTokens: p, generatedTokens: k) sums the steps at contexts p + 1 ... p + k
        let step = spec.decodeSeconds(batch: 1, promptTokens: 127, generatedTokens: 1, dtypes: plan, rates: rates)
            + rates.elementwiseSeconds(spec, rows: 1, dtype: .fp16)
        // the prefill, then the decode parts summed per operator: equal to rounding
        #expect(abs(record.predicted! - (prefill + step)) / record.predicted! < 1e-12)
        let whole = rates.seconds(spec.prefillCost(batch: 1, promptTokens: 128, dtypes: plan)) + rates.elementwiseSeconds(spec, rows: 128, dtype: .fp16)
        #expect(abs(plain.predicted! - whole) / plain.predicted! < 1e-12)
    }
}
