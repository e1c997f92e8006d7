// How far an engine's CUDA graphs reach (suite/graph-capture.csv): rules read by engine and
// version label, and the decode steps past the limit priced at the eager launch cost.

import CostModel
import Foundation
import Testing
@testable import Profiler
import ProfileStore

@Suite("engine graph capture")
struct EngineGraphCaptureTests {
    static let header = "row_id,engine_prefix,versions,max_seq_len_to_capture,source,note\n"
    static let table = header + "c1,vLLM,0.4.2,8192,src,\nc2,vLLM,0.6.3,none,src,\n"

    @Test("a rule matches by engine prefix and version label; none and no rule both mean no limit")
    func lookup() throws {
        let rules = try EngineGraphCapture.rules(csv: Self.table, file: "t.csv")
        func limit(_ engine: String, _ version: String) -> Int? { EngineGraphCapture.limit(rules, engine: engine, versionText: version) }
        #expect(limit("vLLM", "0.4.2 (PyTorch 2.3.0+cu118, FlashAttention 2.5.6, CUDA 11.8)") == 8192)
        #expect(limit("vLLM", "0.4.20") == nil)  // a label matches itself or itself and a dot
        #expect(limit("vLLM", "0.6.3 (PyTorch 2.4.0)") == nil)
        #expect(limit("vLLM", "0.5.0") == nil)
        #expect(limit("TensorRT-LLM", "0.4.2") == nil)
    }

    @Test("a malformed rule is refused by file, line and field", arguments: [
        ("c1,vLLM,0.4.2,0,src,", "max_seq_len_to_capture"),
        ("c1,vLLM,0.4.2,8k,src,", "max_seq_len_to_capture"),
        ("c1,vLLM,,8192,src,", "versions"),
        ("c1,vLLM,0.4.2;;0.4.3,8192,src,", "versions"),
        ("c1,vLLM,0.4.2,8192,,", "source"),
        ("c1,,0.4.2,8192,src,", "engine_prefix"),
    ])
    func malformed(line: String, field: String) {
        #expect { try EngineGraphCapture.rules(csv: Self.header + line + "\n", file: "t.csv") } throws: {
            let e = $0 as? PublishedSuiteError
            return e?.field == field && e?.line == 2 && e?.file == "t.csv"
        }
    }

    @Test("suite/graph-capture.csv parses: vLLM 0.4.2 falls back at 8192 tokens, 0.6.3 never; each rule sourced, its engine modelled")
    func committed() throws {
        let rules = try EngineGraphCapture.rules(csv: try PublishedSuiteTests.text("suite/graph-capture.csv"), file: "graph-capture.csv")
        #expect(EngineGraphCapture.limit(rules, engine: "vLLM", versionText: "0.4.2") == 8192)
        #expect(EngineGraphCapture.limit(rules, engine: "vLLM", versionText: "0.6.3") == nil)
        let maps = try PublishedSuiteTests.maps()
        for r in rules {
            #expect(!r.source.isEmpty, "\(r.id)")
            #expect(maps.engines.contains { $0.prefix == r.enginePrefix && $0.modelled }, "\(r.id)")
        }
    }

    /// One vLLM 0.4.2 generation-speed row of the committed suite, run with and without `rules`.
    static func run(_ id: String, graphCapture: String?) throws -> PublishedRecord {
        let row = try #require(try PublishedSuiteTests.rows().first { $0.id == id })
        var maps = try PublishedSuiteTests.maps()
        if let text = graphCapture { maps.graphCaptureRules = try EngineGraphCapture.rules(csv: text, file: "t.csv") }
        let store = PublishedSuiteTests.store
        return try #require(try PublishedSuite.run([row], maps: maps, model: { try store.loadModel($0) },
                                                   hardware: { try store.loadHardware($0) }).first)
    }

    @Test("past the limit every decode step is priced eager: the decode equals the cost model's eager sum, the prefill stays in graph mode")
    func eagerPastTheLimit() throws {
        // e164: vLLM 0.4.2, Qwen2-0.5B, batch 1, 14,336 prompt tokens, 2048 generated: every decode
        // step's sequence (14,337 ... 16,383 tokens) is past 8192
        let graphs = try Self.run("e164", graphCapture: nil), mixed = try Self.run("e164", graphCapture: Self.table)
        #expect(graphs.status == "ok" && mixed.status == "ok", "\(mixed.status)")
        #expect(mixed.launchMode == "cuda_graphs; eager past 8192 tokens")
        let store = PublishedSuiteTests.store
        let spec = try store.loadModel(try #require(PublishedSuiteTests.maps().models["Qwen2-0.5B-Instruct"]).id)
        let hw = try store.loadHardware("a100-sxm-80gb")
        let plan = DTypePlan.uniform(.bf16)
        func seconds(_ launch: LaunchMode) throws -> (prefill: Double, decode: Double) {
            let rates = try RooflineRates(hardware: hw, computeDType: .bf16, attentionKernel: .flash2, launchMode: launch)
            // each pass with its element-wise kernels (the A100 prices them apart, Roofline+Elementwise.swift)
            return (rates.seconds(spec.prefillCost(batch: 1, promptTokens: 14336, dtypes: plan)) + rates.elementwiseSeconds(spec, rows: 14336, dtype: .bf16),
                    spec.decodeSeconds(batch: 1, promptTokens: 14336, generatedTokens: 2047, dtypes: plan, rates: rates)
                        + 2047 * rates.elementwiseSeconds(spec, rows: 1, dtype: .bf16))
        }
        let graph = try seconds(.cudaGraphs), eager = try seconds(.eager)
        // predicted speed = 2048 / (prefill + decode); without engine-host.csv there is no host term
        #expect(abs(graphs.predicted! - 2048 / (graph.prefill + graph.decode)) / graphs.predicted! < 1e-12)  // equal to rounding
        #expect(abs(mixed.predicted! - 2048 / (graph.prefill + eager.decode)) / mixed.predicted! < 1e-12)  // equal to rounding
        #expect(mixed.predicted! < graphs.predicted!)
    }

    @Test("a decode that ends within the limit is unchanged, and one that crosses it is priced in two parts")
    func withinAndAcross() throws {
        // e163: 6144 prompt tokens, 2048 generated: the last decode step holds 8191 tokens
        let inside = try Self.run("e163", graphCapture: Self.table), plain = try Self.run("e163", graphCapture: nil)
        #expect(inside.predicted == plain.predicted)
        // the same row with a limit of 7000 tokens: steps at 6145 ... 7000 graphed, 7001 ... 8191 eager
        let across = try Self.run("e163", graphCapture: Self.header + "c1,vLLM,0.4.2,7000,src,\n")
        let allEager = try Self.run("e163", graphCapture: Self.header + "c1,vLLM,0.4.2,1,src,\n")
        #expect(across.predicted! < plain.predicted! && across.predicted! > allEager.predicted!)
    }
}
