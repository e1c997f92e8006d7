// `yocoprof inspect` in every format, and the `parameters` column of memory and estimate.

import Foundation
import Testing

@Suite("inspect")
struct InspectCommandTests {
    static let gemma2 = "Tests/Fixtures/hf/google--gemma-2-9b-it.json"

    @Test("json: summary, runs and slots of Gemma-2-9B, figures as the cost model has them")
    func json() throws {
        let r = try Binary.run(["inspect", "--model", Self.gemma2, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let summary = try #require(o["summary"] as? [String: Any])
        #expect(summary["parameters"] as? Int == 9_241_705_984)
        #expect(summary["kv_cache_bytes_per_token"] as? Int == 172_032)
        #expect(summary["model_context_limit_tokens"] as? Int == 8192)
        // 21 sliding layers of 8 x 256 x 2 x 2 bytes x 4096 positions once the rings are full.
        #expect(summary["windowed_kv_bytes_when_full"] as? Int == 21 * 8192 * 4096)
        let runs = try #require(o["runs"] as? [[String: Any]])
        #expect(runs.count == 42)
        #expect(runs[0]["span"] as? String == "sliding" && runs[0]["window_tokens"] as? Int == 4096)
        #expect(runs[1]["span"] as? String == "full" && runs[1]["kv_bytes_per_token_per_layer"] as? Int == 8192)
        let slots = try #require(o["slots"] as? [[String: Any]])
        #expect(slots.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 42)
    }

    @Test("every format renders", arguments: ["table", "csv", "json", "markdown"])
    func formats(format: String) throws {
        for model in ["yoco-3b", "transformer-3b", Self.gemma2, "Tests/Fixtures/hf/openai-community--gpt2.json"] {
            let r = try Binary.run(["inspect", "--model", model, "--format", format])
            #expect(r.status == 0, "\(model): \(r.stderr)")
            #expect(!r.stdout.isEmpty)
        }
    }

    @Test("YOCO: one shared slot read by the 13 cross layers")
    func yoco() throws {
        let o = try #require(try JSONSerialization.jsonObject(with: Data(try Binary.run(["inspect", "--model", "yoco-3b", "--format", "json"]).stdout.utf8)) as? [String: Any])
        let slots = try #require(o["slots"] as? [[String: Any]])
        #expect(slots.last?["writer"] as? String == "shared_projection")
        #expect(slots.last?["readers"] as? String == "13-25")
        #expect((o["summary"] as? [String: Any])?["kv_cache_bytes_per_token"] as? Int == 4096)
    }

    @Test("memory and estimate report parameters; an estimate past the model's limit says so")
    func parameters() throws {
        let m = try Binary.run(["memory", "--model", Self.gemma2, "--context", "16K", "--format", "json"]).object()
        #expect(m["parameters"] as? Int == 9_241_705_984)
        let e = try Binary.run(["estimate", "--model", Self.gemma2, "--hardware", "h100-sxm-80gb", "--context", "16K",
                                "--generate", "16", "--batch", "1", "--format", "table"])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("past the model's own context limit of 8192"))
        let c = try Binary.run(["capacity", "--model", Self.gemma2, "--memory", "80GiB", "--kv-only", "--format", "json"]).object()
        #expect(c["limited_by"] as? String == "model_context_limit")
        #expect(c["max_context_tokens"] as? Int == 8192)
        #expect((c["memory_max_context_tokens"] as? Int ?? 0) > 8192)
    }
}
