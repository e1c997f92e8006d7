// The host time of issuing an eager decode step (suite/eager-dispatch.csv): rules read by engine
// and version label, calls counted from the model's blocks, and an eager step priced at
// max(GPU step, calls x host seconds per call).

import CostModel
import Foundation
import Testing
@testable import Profiler
import ProfileStore

@Suite("engine eager dispatch")
struct EngineEagerDispatchTests {
    static let header = "row_id,engine_prefix,versions,ops_per_block,ops_per_block_tp,ops_per_step,host_us_per_op,source,note\n"
    static let graphs = EngineGraphCaptureTests.header + "c1,vLLM,0.4.2,8192,src,\n"

    @Test("a rule matches by engine prefix and version label; the calls are blocks x (per block + tp extra) + per step")
    func lookupAndCount() throws {
        let rules = try EngineEagerDispatch.rules(csv: Self.header + "d1,vLLM,0.4.2,11,2,4,20,src,\n", file: "t.csv")
        #expect(EngineEagerDispatch.rule(rules, engine: "vLLM", versionText: "0.4.2 (PyTorch 2.3.0+cu118)") != nil)
        #expect(EngineEagerDispatch.rule(rules, engine: "vLLM", versionText: "0.6.3") == nil)
        #expect(EngineEagerDispatch.rule(rules, engine: "TensorRT-LLM", versionText: "0.4.2") == nil)
        let rule = try #require(rules.first)
        let store = PublishedSuiteTests.store
        let qwen = try store.loadModel("qwen2-0.5b-instruct")  // 24 decoder layers (config.json num_hidden_layers)
        let layers = qwen.runs.reduce(0) { $0 + $1.count }
        #expect(layers == 24)
        // 24 x 11 + 4 = 268 calls at 20 us; at tp 4, 24 x 13 + 4 = 316
        #expect(abs(try #require(rule.stepSeconds(qwen, tensorParallel: 1)) - 268 * 20e-6) < 1e-15)  // equal to rounding
        #expect(abs(try #require(rule.stepSeconds(qwen, tensorParallel: 4)) - 316 * 20e-6) < 1e-15)  // equal to rounding
        // a mixture-of-experts model's blocks are not the block the calls were counted for
        #expect(rule.stepSeconds(try store.loadModel("mixtral-8x7b"), tensorParallel: 1) == nil)
    }

    @Test("a malformed rule is refused by file, line and field", arguments: [
        ("d1,vLLM,0.4.2,0,2,4,20,src,", "ops_per_block"),
        ("d1,vLLM,0.4.2,11,-1,4,20,src,", "ops_per_block_tp"),
        ("d1,vLLM,0.4.2,11,2,x,20,src,", "ops_per_step"),
        ("d1,vLLM,0.4.2,11,2,4,0,src,", "host_us_per_op"),
        ("d1,vLLM,0.4.2,11,2,4,20,,", "source"),
        ("d1,vLLM,,11,2,4,20,src,", "versions"),
    ])
    func malformed(line: String, field: String) {
        #expect { try EngineEagerDispatch.rules(csv: Self.header + line + "\n", file: "t.csv") } throws: {
            let e = $0 as? PublishedSuiteError
            return e?.field == field && e?.line == 2 && e?.file == "t.csv"
        }
    }

    @Test("suite/eager-dispatch.csv parses: vLLM 0.4.2 only, sourced, its engine modelled")
    func committed() throws {
        let rules = try EngineEagerDispatch.rules(csv: try PublishedSuiteTests.text("suite/eager-dispatch.csv"), file: "eager-dispatch.csv")
        #expect(rules.count == 1)
        let rule = try #require(EngineEagerDispatch.rule(rules, engine: "vLLM", versionText: "0.4.2"))
        #expect(EngineEagerDispatch.rule(rules, engine: "vLLM", versionText: "0.6.3") == nil)
        #expect(!rule.source.isEmpty)
        // 1 / 25.5 tok/s over gpt-fast's 1,625 calls per step (the source column's count)
        #expect(abs(rule.hostSecondsPerCall - 1 / 25.5 / 1625) < 0.05e-6)  // the file rounds to 0.1 us
        let maps = try PublishedSuiteTests.maps()
        #expect(maps.engines.contains { $0.prefix == rule.enginePrefix && $0.modelled })
    }

    /// One committed row run with graph-capture rule c1 and, when given, `dispatch`.
    static func run(_ id: String, dispatch: String?) throws -> PublishedRecord {
        let row = try #require(try PublishedSuiteTests.rows().first { $0.id == id })
        var maps = try PublishedSuiteTests.maps()
        maps.graphCaptureRules = try EngineGraphCapture.rules(csv: Self.graphs, file: "g.csv")
        if let text = dispatch { maps.eagerDispatchRules = try EngineEagerDispatch.rules(csv: text, file: "t.csv") }
        let store = PublishedSuiteTests.store
        return try #require(try PublishedSuite.run([row], maps: maps, model: { try store.loadModel($0) },
                                                   hardware: { try store.loadHardware($0) }).first)
    }

    @Test("past the graph limit a step takes max(GPU step, dispatch): a dispatch longer than the GPU step sets it, a shorter one changes nothing")
    func eagerStepIsTheLonger() throws {
        // e164: Qwen2-0.5B, batch 1, 14,336 prompt tokens, 2048 generated: all 2047 decode steps past 8192
        let plain = try Self.run("e164", dispatch: nil)
        // 1 us per call: 268 us per step, below the GPU step of a 0.5B model (about 2 ms): no change
        let short = try Self.run("e164", dispatch: Self.header + "d1,vLLM,0.4.2,11,2,4,1,src,\n")
        #expect(short.predicted == plain.predicted)
        // 100 us per call: 26.8 ms per step, far above the GPU step, so every decode step's device
        // time is the dispatch; the prefill of 14,336 tokens (tens of ms on the GPU) keeps its time
        let long = try Self.run("e164", dispatch: Self.header + "d1,vLLM,0.4.2,11,2,4,100,src,\n")
        let longer = try Self.run("e164", dispatch: Self.header + "d1,vLLM,0.4.2,11,2,4,150,src,\n")
        // rate = 2048 / (prefill + 2047 x dispatch) (no engine-host table here): 50 us more per call
        // adds 2047 x 268 x 50 us (the prefill's GPU time, about 60 ms, stays above 40.2 ms of dispatch)
        let added = 2048 / longer.predicted! - 2048 / long.predicted!
        #expect(abs(added - 2047 * 268 * 50e-6) / added < 1e-9)  // equal to rounding
        #expect(long.breakdown.contains("eager dispatch"))
        #expect(!plain.breakdown.contains("eager dispatch"))
    }

    @Test("a row whose decode stays within the graphs is unchanged apart from its one eager prefill")
    func graphedRowsKeepTheirSteps() throws {
        // e163: 6144 prompt tokens, the last decode step holds 8191: every step replays the graph;
        // its prefill of 6144 tokens takes longer on the GPU than 268 calls x 24.1 us
        let plain = try Self.run("e163", dispatch: nil)
        let committed = try Self.run("e163", dispatch: try PublishedSuiteTests.text("suite/eager-dispatch.csv"))
        #expect(committed.predicted == plain.predicted)
    }
}
