// `validate --suite published` and the kernel options of `estimate` end to end (issue 15).

import Foundation
import Testing

@Suite("validate --suite published and --attention-kernel")
struct PublishedValidateCommandTests {
    @Test("the published suite writes its four reports and a summary of both groups and three subsets")
    func suite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("published-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Binary.run(["validate", "--suite", "published", "--output-dir", dir.path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        for file in ["validation.csv", "summary.md", "prefill.svg", "decode.svg"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(file)")
        }
        let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("prefill_latency,") || $0.hasPrefix("decode_rate,") }
        #expect(lines.count == 6)
        let csv = try String(contentsOf: dir.appendingPathComponent("validation.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 241)  // header + every published row, none dropped
    }

    @Test("--suite published refuses --model and --hardware (usage, exit 64)")
    func usage() throws {
        let r = try Binary.run(["validate", "--suite", "published", "--model", "llama-2-7b"])
        #expect(r.status == 64)
    }

    @Test("estimate names the kernel that priced a GPU run, and refuses one the GPU has no curve for")
    func kernels() throws {
        let ok = try Binary.run(["estimate", "--model", "llama-2-7b", "--hardware", "h100-sxm-80gb", "--context", "4K", "--generate", "8",
                                 "--format", "table"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("prefill attention flash3 (the default for h100-sxm-80gb)"))
        let flash2 = try Binary.run(["estimate", "--model", "llama-2-7b", "--hardware", "h100-sxm-80gb", "--context", "4K", "--generate", "8",
                                     "--attention-kernel", "flash2", "--format", "json"])
        #expect(flash2.status == 0, "\(flash2.stderr)")
        let a100 = try Binary.run(["estimate", "--model", "llama-2-7b", "--hardware", "a100-sxm-80gb", "--context", "4K", "--generate", "8",
                                   "--attention-kernel", "flash3"])
        #expect(a100.status == 64)
        #expect(a100.stderr.contains("no efficiency curve for prefill_attention for kernel flash3"))
        let l40s = try Binary.run(["estimate", "--model", "llama-2-7b", "--hardware", "l40s-48gb", "--context", "4K", "--generate", "8",
                                   "--attention-kernel", "flash2"])
        #expect(l40s.status == 64)
        let graphs = try Binary.run(["estimate", "--model", "llama-2-7b", "--hardware", "h100-sxm-80gb", "--context", "4K", "--generate", "8",
                                     "--cuda-graphs", "maybe"])
        #expect(graphs.status == 64)
    }

    @Test("FlashAttention-2 prefill is slower than FlashAttention-3 on an H100 at a long prompt")
    func kernelOrder() throws {
        func prefill(_ kernel: String) throws -> Double {
            let r = try Binary.run(["estimate", "--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "64K", "--generate", "1",
                                    "--attention-kernel", kernel, "--format", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(try r.object()["prefill_seconds"] as? Double)
        }
        let f3 = try prefill("flash3"), f2 = try prefill("flash2"), sdpa = try prefill("sdpa")
        #expect(f3 < f2 && f2 < sdpa)
    }
}
