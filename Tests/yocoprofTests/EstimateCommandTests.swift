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

    @Test("bad input: exit codes and messages", arguments: [
        (["--context", "512K", "--generate", "1024", "--batch", "8", "--model", "transformer-3b"], Int32(1), "kv_cache"),
        (["--context", "32K", "--generate", "1024", "--batch", "1000000", "--model", "yoco-3b"], 1, "does not fit"),
        (["--context", "32K", "--generate", "16", "--compute-dtype", "int4", "--model", "yoco-3b"], 64, "peak_flops_per_second.int4"),
        (["--context", "1M", "--generate", "1024", "--batch", "max", "--model", "transformer-3b"], 1, "one sequence does not fit"),
        (["--context", "16M", "--generate", "1", "--model", "yoco-3b"], 64, "16777216"),
        (["--context", "32K", "--generate", "16", "--batch", "0", "--model", "yoco-3b"], 64, "--batch"),
    ])
    func badInput(args: [String], status: Int32, message: String) throws {
        let r = try Binary.run(["estimate", "--hardware", "h100-sxm-80gb"] + args)
        #expect(r.status == status, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("sweep: one CSV row per point, ranges expanded, failed points keep their row")
    func sweep() throws {
        let r = try Binary.run(["sweep", "--model", "yoco-3b,transformer-3b", "--hardware", "h100-sxm-80gb",
                                "--context", "256K..1M*2", "--generate", "1024", "--batch", "1,max", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        for key in Self.briefKeys + ["status"] { #expect(header.contains(key)) }
        #expect(lines.count == 1 + 2 * 3 * 2)  // 2 models x (256K, 512K, 1M) x (1, max)
        let failed = lines.filter { $0.hasPrefix("transformer-3b,h100-sxm-80gb,1048576,") }
        #expect(failed.count == 2)
        #expect(failed.allSatisfy { $0.contains("does not fit") })
        #expect(lines.filter { $0.hasSuffix(",ok") }.count == 10)
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
