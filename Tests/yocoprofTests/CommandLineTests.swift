// End-to-end runs of the built binary: exit codes (BRIEF §4), report keys, atomic --output, and
// the exactness of capacity answers. Each launch costs ~50 ms, so cases are chosen, not swept.

import Foundation
import Testing

@Suite("yocoprof command line")
struct CommandLineTests {
    // MARK: Capacity

    @Test("the headline: 1 GiB of KV holds 1,638 tokens of the 65B GQA Transformer and 131,072 of YOCO-65B",
          arguments: [("transformer-65b-gqa", Int128(1638)), ("yoco-65b", 131_072)])
    func headline(model: String, tokens: Int128) throws {
        let r = try Binary.run(["capacity", "--model", model, "--memory", "1GiB", "--kv-only", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        #expect(try o.int("max_context_tokens") == tokens)
        #expect(try o.int("budget_bytes") == 1 << 30)
        #expect(o["limited_by"] as? String == "kv_cache")
        #expect(o["scope"] as? String == "kv_cache")
    }

    @Test("capacity answers are exact: used <= budget < next", arguments: [
        ["--model", "llama-3-8b", "--memory", "20GiB"],
        ["--model", "yoco-3b", "--memory", "8GB", "--batch", "4"],
        ["--model", "yoco-3b-swa", "--memory", "7GiB", "--kv-and-state"],
        ["--model", "transformer-3b", "--hardware", "h100-sxm-80gb"],
        ["--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K", "--generate", "1024"],
        ["--model", "yoco-3b", "--hardware", "a100-sxm-40gb", "--context", "128K"],
        ["--model", "llama-2-7b", "--memory", "24GiB", "--context", "4K", "--kv-dtype", "fp8"],
    ])
    func exact(args: [String]) throws {
        let r = try Binary.run(["capacity"] + args + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        let budget = try o.int("budget_bytes")
        let used = try o.int("used_bytes")
        let nextKey = args.contains("--context") ? "next_batch_bytes" : "next_token_bytes"
        let next = try o.int(nextKey)
        #expect(used <= budget, "\(o)")
        #expect(budget < next, "\(o)")
        let answer = try o.int(args.contains("--context") ? "max_batch" : "max_context_tokens")
        #expect(answer > 0, "every case above fits something: \(o)")
    }

    @Test("a windowed model under a large budget is capped by the tool's limit, with no next size")
    func toolLimit() throws {
        let o = try Binary.run(["capacity", "--model", "mistral-7b", "--memory", "1TiB", "--kv-only", "--format", "json"]).object()
        #expect(try o.int("max_context_tokens") == 16_777_216)
        #expect(o["limited_by"] as? String == "tool_limit")
        #expect(o["next_token_bytes"] is NSNull)
    }

    // MARK: Memory

    @Test("memory: the breakdown keys, adding up to the total")
    func memory() throws {
        let r = try Binary.run(["memory", "--model", "yoco-3b", "--context", "4096", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        let parts = try ["weight_bytes", "kv_cache_bytes", "state_bytes", "activation_bytes", "runtime_overhead_bytes"].map { try o.int($0) }
        #expect(try o.int("total_bytes") == parts.reduce(0, +))
        #expect(try o.int("kv_cache_bytes") == 4096 * 4096)  // 4 KiB per token (BRIEF §2)
        #expect(try o.int("state_bytes") == 13 * 24 * 128 * 128 * 2)
        #expect(try o.int("weight_bytes") == 2 * (2_829_133_824 + 2 * 100_288 * 3072))  // bf16
        #expect(try o.int("context_tokens") == 4096)
    }

    @Test("CSV: one header row of snake_case keys with units, one data row")
    func csvHeader() throws {
        let r = try Binary.run(["memory", "--model", "transformer-3b", "--context", "32K", "--hardware", "h100-sxm-80gb", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let keys = lines[0].split(separator: ",").map(String.init)
        for key in keys {
            #expect(key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "`\(key)` is not snake_case")
        }
        for key in ["weight_bytes", "kv_cache_bytes", "total_bytes", "context_tokens", "headroom_bytes"] {
            #expect(keys.contains(key))
        }
        #expect(lines[1].split(separator: ",", omittingEmptySubsequences: false).count == keys.count)
    }

    @Test("models and hardware list every profile")
    func lists() throws {
        let models = try Binary.run(["models", "--format", "csv"])
        #expect(models.status == 0, "\(models.stderr)")
        #expect(models.stdout.contains("\nyoco-3b,yoco-gret,26,3072,24,8,128,"))
        #expect(models.stdout.contains(",2829133824,4096,bf16,"))
        let hw = try Binary.run(["hardware", "--format", "json"])
        #expect(hw.status == 0, "\(hw.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(hw.stdout.utf8)) as? [[String: Any]])
        #expect(rows.contains { $0["id"] as? String == "h100-sxm-80gb" && ($0["memory_bytes"] as? NSNumber)?.int64Value == 81_559 * 1_048_576 })
    }

    @Test("help text of memory and capacity shows examples", arguments: ["memory", "capacity"])
    func help(command: String) throws {
        let r = try Binary.run([command, "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:"))
        #expect(r.stdout.contains("yocoprof \(command) --model"))
    }

    // MARK: Exit codes

    @Test("usage errors exit 64 with a message", arguments: [
        ["capacity", "--model", "yoco-3b", "--memory", "1GiB", "--frobnicate"],
        ["capacity", "--model", "yoco-3b", "--memory", "1XB"],
        ["capacity", "--model", "yoco-3b", "--memory", "0.3B"],
        ["capacity", "--model", "yoco-3b", "--memory", "1GiB", "--hardware", "h100-sxm-80gb"],
        ["capacity", "--model", "yoco-4b", "--memory", "1GiB"],
        ["capacity", "--model", "yoco-3b", "--memory", "1GiB", "--kv-only", "--kv-and-state"],
        ["capacity", "--model", "yoco-3b", "--memory", "1GiB", "--prefill-chunk", "0"],
        ["capacity", "--model", "yoco-3b", "--memory", "80GiB", "--context", "4K", "--batch", "2"],
        ["memory", "--model", "yoco-3b", "--context", "17M"],
        ["memory", "--model", "yoco-3b", "--hardware", "h300"],
        ["memory", "--model", "yoco-3b", "--format", "yaml"],
        ["memory"],
        ["models", "--profiles", "/nonexistent/Profiles"],
    ])
    func usage(args: [String]) throws {
        let r = try Binary.run(args)
        #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
        #expect(!r.stderr.isEmpty)
        #expect(r.stdout.isEmpty)
    }

    @Test("an unknown model id names the id and lists the known ones")
    func unknownModel() throws {
        let r = try Binary.run(["memory", "--model", "yoco-4b"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: unknown model `yoco-4b`"))
        #expect(r.stderr.contains("yoco-3b"))
    }

    @Test("a broken profile given by path exits 65 with one line naming the file and the field")
    func badProfilePath() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try String(contentsOf: Binary.repoRoot.appendingPathComponent("Profiles/models/yoco-3b.json"), encoding: .utf8)
        let file = dir.appendingPathComponent("bad.json")
        try source.replacingOccurrences(of: "\"kv_heads\": 8", with: "\"kv_head\": 8").write(to: file, atomically: true, encoding: .utf8)
        let r = try Binary.run(["memory", "--model", file.path])
        #expect(r.status == 65)
        #expect(r.stderr.hasPrefix("error: \(file.path): `kv_head` is not a known field"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        try "{ not json".write(to: file, atomically: true, encoding: .utf8)
        let broken = try Binary.run(["capacity", "--model", file.path, "--memory", "1GiB"])
        #expect(broken.status == 65)
        #expect(broken.stderr.hasPrefix("error: \(file.path): is not valid JSON"), "\(broken.stderr)")
    }

    @Test("a bad profile in a --profiles directory exits 65 naming Profiles/models/<id>.json and the field")
    func badProfileDirectory() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let profiles = dir.appendingPathComponent("Profiles")
        for sub in ["models", "hardware"] {
            try FileManager.default.createDirectory(at: profiles.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let source = try String(contentsOf: Binary.repoRoot.appendingPathComponent("Profiles/models/yoco-3b.json"), encoding: .utf8)
        try source.replacingOccurrences(of: "\"layers\": 26", with: "\"layers\": 0")
            .write(to: profiles.appendingPathComponent("models/yoco-3b.json"), atomically: true, encoding: .utf8)
        let r = try Binary.run(["memory", "--model", "yoco-3b", "--profiles", profiles.path])
        #expect(r.status == 65)
        #expect(r.stderr == "error: Profiles/models/yoco-3b.json: `layers` must be between 1 and 4096; received 0\n", "\(r.stderr)")
        let list = try Binary.run(["models", "--profiles", profiles.path])
        #expect(list.status == 65)
    }

    // MARK: --output

    @Test("--output writes atomically, and a failing command leaves the previous file intact")
    func atomicOutput() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.json")
        let ok = try Binary.run(["capacity", "--model", "yoco-65b", "--memory", "1GiB", "--kv-only", "--format", "json", "--output", file.path])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.isEmpty)
        let written = try Data(contentsOf: file)
        let o = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        #expect(try o.int("max_context_tokens") == 131_072)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report.json"], "no temporary file is left")

        // Failures after parsing (bad model) and at parsing (bad size) leave the old report.
        for args in [["--model", "yoco-4b", "--memory", "1GiB"], ["--model", "yoco-3b", "--memory", "1XB"]] {
            let failed = try Binary.run(["capacity"] + args + ["--output", file.path])
            #expect(failed.status == 64)
            #expect(try Data(contentsOf: file) == written)
        }
        // Without --format, a file gets CSV.
        let csv = dir.appendingPathComponent("report.csv")
        #expect(try Binary.run(["memory", "--model", "yoco-3b", "-o", csv.path]).status == 0)
        #expect(try String(contentsOf: csv, encoding: .utf8).hasPrefix("model,batch,context_tokens,"))
        // A folder that does not exist is a failure (exit 1) with no stray file.
        let nowhere = dir.appendingPathComponent("missing/report.json")
        let bad = try Binary.run(["memory", "--model", "yoco-3b", "-o", nowhere.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(nowhere.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["report.csv", "report.json"])
    }

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
