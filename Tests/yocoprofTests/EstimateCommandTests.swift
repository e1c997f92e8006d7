// End-to-end runs of `estimate`, `sweep` and `plot`: the BRIEF §4 keys, exit codes for bad input,
// list/range parsing, rows for points that do not fit, and well-formed SVG files.

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

@Suite("estimate, sweep and plot commands")
struct EstimateCommandTests {
    static let briefKeys = ["prefill_flops", "prefill_seconds", "decode_tokens_per_second",
                            "throughput_tokens_per_second", "memory_bytes", "batch"]

    func estimate(_ model: String, _ extra: [String] = []) throws -> RunResult {
        try Binary.run(["estimate", "--model", model, "--hardware", "h100-sxm-80gb", "--context", "524288",
                        "--generate", "1024", "--batch", "max", "--format", "json"] + extra)
    }

    @Test("the paper's 512K setting: both models print the BRIEF keys; YOCO serves a larger batch faster")
    func paperSetting() throws {
        let y = try estimate("yoco-3b"), t = try estimate("transformer-3b")
        #expect(y.status == 0, "\(y.stderr)")
        #expect(t.status == 0, "\(t.stderr)")
        let yo = try y.object(), to = try t.object()
        for key in Self.briefKeys {
            #expect(yo[key] != nil && !(yo[key] is NSNull), "yoco-3b lacks \(key)")
            #expect(to[key] != nil && !(to[key] is NSNull), "transformer-3b lacks \(key)")
        }
        #expect(try yo.int("batch") > to.int("batch"))
        #expect(try to.int("batch") >= 1)
        let yt = try #require(yo["throughput_tokens_per_second"] as? Double)
        let tt = try #require(to["throughput_tokens_per_second"] as? Double)
        #expect(yt > tt)
        #expect(try yo.int("memory_bytes") <= yo.int("memory_capacity_bytes"))
    }

    @Test("zero generated tokens: throughput 0 and a null decode rate")
    func zeroGenerated() throws {
        let r = try Binary.run(["estimate", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "32K",
                                "--generate", "0", "--batch", "4", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        #expect(o["decode_tokens_per_second"] is NSNull)
        #expect(o["throughput_tokens_per_second"] as? Double == 0)
    }

    @Test("a point that does not fit is an answer: exit 0, fits false, what binds, the memory and FLOPs, no times", arguments: [
        (["--context", "512K", "--batch", "8", "--model", "transformer-3b"], Int128(8), Int128(1), "kv_cache"),
        // YOCO's KV is small: what one more sequence adds most is its 4K-token prefill activations
        (["--context", "32K", "--batch", "1000", "--model", "yoco-3b"], 1000, 234, "activations"),
        // batch max where not even one sequence fits: the figures are those of one sequence
        (["--context", "1M", "--batch", "max", "--model", "transformer-3b"], 1, 0, "kv_cache"),
    ])
    func doesNotFit(args: [String], batch: Int128, maxBatch: Int128, limitedBy: String) throws {
        let r = try Binary.run(["estimate", "--hardware", "h100-sxm-80gb", "--generate", "1024", "--format", "json"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        #expect(o["fits"] as? Bool == false)
        #expect(o["limited_by"] as? String == limitedBy)
        #expect(try o.int("batch") == batch)
        #expect(try o.int("max_batch") == maxBatch)
        #expect(try o.int("memory_bytes") > o.int("memory_capacity_bytes"))
        for key in ["weight_bytes", "kv_cache_bytes", "prefill_flops", "decode_flops"] {
            #expect(try o.int(key) > 0, "\(key) is defined whether or not the batch fits")
        }
        for key in ["prefill_seconds", "decode_tokens_per_second", "throughput_tokens_per_second", "total_seconds"] {
            #expect(o[key] is NSNull, "\(key) would describe a run that cannot happen")
        }
        // The table says it once, with sizes in units, not raw byte counts.
        let t = try Binary.run(["estimate", "--hardware", "h100-sxm-80gb", "--generate", "1024", "--format", "table"] + args)
        #expect(t.status == 0)
        let text = t.stdout.replacingOccurrences(of: "\n      ", with: " ")  // notes wrap to the width
        #expect(text.contains("does not fit h100-sxm-80gb: needs "), "\(t.stdout)")
        #expect(text.contains(" GiB of 79.65 GiB; the largest batch that fits is \(maxBatch) (limited by \(limitedBy)"), "\(t.stdout)")
        #expect(!t.stdout.contains("85520809984"), "no raw byte counts in a table")
    }

    @Test("a point that fits answers the same questions: fits true, the largest batch and what binds it")
    func fits() throws {
        let o = try Binary.run(["estimate", "--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K",
                                "--generate", "1024", "--batch", "4", "--format", "json"]).object()
        #expect(o["fits"] as? Bool == true)
        #expect(try o.int("batch") == 4)
        #expect(try o.int("max_batch") == 20)  // the README's capacity example: 20 sequences of 32K + 1024
        #expect(o["limited_by"] as? String == "kv_cache")
        #expect(o["prefill_seconds"] as? Double != nil)
    }

    @Test("bad input: exit codes and messages", arguments: [
        (["--context", "32K", "--generate", "16", "--compute-dtype", "int4", "--model", "yoco-3b"], Int32(64), "peak_flops_per_second.int4"),
        (["--context", "16M", "--generate", "1", "--model", "yoco-3b"], 64, "16777216"),
        (["--context", "32K", "--generate", "16", "--batch", "0", "--model", "yoco-3b"], 64, "--batch"),
    ])
    func badInput(args: [String], status: Int32, message: String) throws {
        let r = try Binary.run(["estimate", "--hardware", "h100-sxm-80gb"] + args)
        #expect(r.status == status, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("sweep: one CSV row per point, ranges expanded, points that do not fit keep every defined figure")
    func sweep() throws {
        let r = try Binary.run(["sweep", "--model", "yoco-3b,transformer-3b", "--hardware", "h100-sxm-80gb",
                                "--context", "256K..1M*2", "--generate", "1024", "--batch", "1,max", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        for key in Self.briefKeys + ["status", "fits", "limited_by", "max_batch"] { #expect(header.contains(key)) }
        #expect(lines.count == 1 + 2 * 3 * 2)  // 2 models x (256K, 512K, 1M) x (1, max)
        let failed = lines.filter { $0.hasPrefix("transformer-3b,h100-sxm-80gb,1048576,") }
        #expect(failed.count == 2)
        #expect(lines.filter { $0.hasSuffix(",ok") }.count == 10)
        for line in failed {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let row = Dictionary(uniqueKeysWithValues: zip(header, cells))
            #expect(row["status"] == "does_not_fit" && row["fits"] == "false" && row["limited_by"] == "kv_cache", "\(row)")
            #expect(row["max_batch"] == "0")
            // weight_bytes (the figure that explains why) and the memory it needs stay; times are empty
            #expect(Int(row["weight_bytes"] ?? "") == 6_467_155_968)
            #expect((Int(row["memory_bytes"] ?? "") ?? 0) > (Int(row["memory_capacity_bytes"] ?? "") ?? .max))
            #expect(row["prefill_seconds"] == "" && row["throughput_tokens_per_second"] == "")
        }
    }

    @Test("sweep rejects a range without a step", arguments: ["32K..1M", "32K..1M*1", "1M..32K*2,x"])
    func badRange(context: String) throws {
        let r = try Binary.run(["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", context])
        #expect(r.status == 64, "\(r.stderr)")
    }

    @Test("plot writes four well-formed SVG figures")
    func plot() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-plot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Binary.run(["plot", "--context", "32K..128K*2", "--output-dir", dir.path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["memory", "prefill", "throughput", "kv-per-token"] {
            let data = try Data(contentsOf: dir.appendingPathComponent("\(name).svg"))
            #expect(XMLParser(data: data).parse(), "\(name).svg is not well-formed")
            let text = String(decoding: data, as: UTF8.self)
            if name != "kv-per-token" {
                #expect(text.contains("data-series=\"yoco-3b\"") && text.contains("data-series=\"transformer-3b\""))
            }
        }
    }
}
