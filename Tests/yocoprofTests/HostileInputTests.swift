// A corpus of hostile inputs run through the built binary (issue 16). Every case states its exit
// code and a fragment of its message; each must give exactly one error line (argument-parser
// usage errors add their usage lines after it), never a signal or a backtrace, and must leave no
// file behind in its folder. The files are generated here, the large ones at run time.

import Foundation
import Testing

/// One hostile case: files to lay out, the arguments (`$D` is the case's folder), the expected
/// exit code and a fragment of the error line.
struct HostileCase: CustomTestStringConvertible, Sendable {
    var name: String
    var files: [String: Data] = [:]
    var setup: (@Sendable (URL) throws -> Void)?
    var args: [String]
    var status: Int32
    var message: String
    var testDescription: String { name }
}

enum HostileCorpus {
    static let repo = Binary.repoRoot

    static func profile(_ name: String) -> String {
        try! String(contentsOf: repo.appendingPathComponent("Profiles/\(name).json"), encoding: .utf8)
    }

    /// host-gqa as a JSON object, edited.
    static func model(_ edit: (inout [String: Any]) -> Void) -> Data {
        var p = try! JSONSerialization.jsonObject(with: Data(profile("models/host-gqa").utf8)) as! [String: Any]
        edit(&p)
        return try! JSONSerialization.data(withJSONObject: p)
    }

    static func hardware(_ edit: (inout [String: Any]) -> Void) -> Data {
        var p = try! JSONSerialization.jsonObject(with: Data(profile("hardware/h100-sxm-80gb").utf8)) as! [String: Any]
        edit(&p)
        return try! JSONSerialization.data(withJSONObject: p)
    }

    static let memory = ["memory", "--model", "$D/m.json", "--context", "1K"]
    static let estimate = ["estimate", "--model", "yoco-3b", "--hardware", "$D/h.json", "--context", "1K", "--generate", "1"]
    static let configHeader = "model,context_tokens,generated_tokens,batch,weight_dtype,kv_dtype,state_dtype,activation_dtype\n"

    static let cases: [HostileCase] = {
        let gqa = profile("models/host-gqa")
        var c: [HostileCase] = []
        func modelCase(_ name: String, _ data: Data, _ message: String, status: Int32 = 65) {
            c.append(HostileCase(name: "model: " + name, files: ["m.json": data], args: memory, status: status, message: message))
        }
        func hardwareCase(_ name: String, _ data: Data, _ message: String) {
            c.append(HostileCase(name: "hardware: " + name, files: ["h.json": data], args: estimate, status: 65, message: message))
        }
        // JSON that JSONSerialization would accept or misread
        modelCase("duplicate key", Data(gqa.replacingOccurrences(of: "\"kv_heads\": 2,", with: "\"kv_heads\": 2, \"kv_heads\": 4,").utf8),
                  "`kv_heads` appears twice")
        modelCase("duplicate nested key", Data(gqa.replacingOccurrences(of: "\"weights\": \"fp32\"", with: "\"weights\": \"fp32\", \"weights\": \"bf16\"").utf8),
                  "`dtypes.weights` appears twice")
        modelCase("duplicate key through an escape", Data(gqa.replacingOccurrences(of: "\"layers\": 4,", with: "\"layers\": 4, \"\\u006cayers\": 8,").utf8),
                  "`layers` appears twice")
        modelCase("trailing comma in an object", Data((gqa.trimmingCharacters(in: .whitespacesAndNewlines).dropLast() + ",}").utf8),
                  "trailing comma before `}`")
        modelCase("trailing comma in an array", Data(gqa.replacingOccurrences(of: "\"layers\": 4,", with: "\"layers\": 4, \"x\": [1,],").utf8),
                  "trailing comma before `]`")
        modelCase("a leading zero", Data(gqa.replacingOccurrences(of: "\"layers\": 4,", with: "\"layers\": 04,").utf8), "leading zero")
        modelCase("text after the object", Data((gqa + "{}").utf8), "text after the JSON value")
        modelCase("an unclosed string", Data("{\"id\": \"host".utf8), "string is not closed")
        modelCase("a NaN literal", Data(gqa.replacingOccurrences(of: "\"layers\": 4,", with: "\"layers\": NaN,").utf8), "expected a value")
        modelCase("a comment", Data(("// profile\n" + gqa).utf8), "expected a value")
        modelCase("not UTF-8", Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), "UTF-8")
        modelCase("empty file", Data(), "ends before")
        modelCase("nested 100,000 deep", Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8),
                  "nested")
        modelCase("unclosed nesting 100,000 deep", Data(String(repeating: "{\"a\":", count: 100_000).utf8), "ends before")
        // Characters that would reach a terminal
        modelCase("escape sequence in the id", model { $0["id"] = "host\u{1B}[2J" }, "control characters (U+001B")
        modelCase("NUL in the id", model { $0["id"] = "host\u{0}x" }, "control characters (U+0000")
        modelCase("bidi override in the id", model { $0["id"] = "host\u{202E}x" }, "control characters (U+202E")
        modelCase("newline in the source", model { $0["source"] = "a\nb" }, "`source` must not contain control characters")
        c.append(HostileCase(name: "command line: an escape sequence in an id", args: ["memory", "--model", "x\u{1B}[2J", "--context", "1K"],
                             status: 64, message: "unknown model `x\\u{1B}[2J`"))
        // Shapes
        modelCase("kv_heads not dividing heads", model { $0["kv_heads"] = 3 }, "`kv_heads` must divide")
        modelCase("layers far too large", model { $0["layers"] = 1 << 40 }, "`layers`")
        modelCase("a fractional width", model { $0["hidden_size"] = 256.5 }, "whole number")
        // Files that are not regular files
        c.append(HostileCase(name: "model: a directory", setup: { try FileManager.default.createDirectory(at: $0.appendingPathComponent("m.json"), withIntermediateDirectories: false) },
                             args: memory, status: 65, message: "is a directory"))
        c.append(HostileCase(name: "model: a FIFO", setup: { #expect(mkfifo($0.appendingPathComponent("m.json").path, 0o600) == 0) },
                             args: memory, status: 65, message: "is a FIFO"))
        c.append(HostileCase(name: "model: /dev/zero", args: ["memory", "--model", "/dev/zero", "--context", "1K"], status: 65, message: "is a character device"))
        c.append(HostileCase(name: "model: a symlink loop", setup: {
            #expect(symlink("n.json", $0.appendingPathComponent("m.json").path) == 0)
            #expect(symlink("m.json", $0.appendingPathComponent("n.json").path) == 0)
        }, args: memory, status: 65, message: "loop of symbolic links"))
        c.append(HostileCase(name: "model: a dangling symlink", setup: { #expect(symlink("gone.json", $0.appendingPathComponent("m.json").path) == 0) },
                             args: memory, status: 65, message: "symbolic link to nothing"))
        c.append(HostileCase(name: "model: missing", args: memory, status: 65, message: "does not exist"))
        // Hardware figures outside physical ranges
        hardwareCase("subnormal bandwidth", hardware { $0["memory_bandwidth_bytes_per_second"] = 5e-324 }, "`memory_bandwidth_bytes_per_second` must be from 1e6")
        hardwareCase("subnormal peak", hardware { $0["peak_flops_per_second"] = ["bf16": 5e-324] }, "`peak_flops_per_second.bf16` must be from 1e6")
        hardwareCase("1e308-second overhead", hardware { $0["operator_overhead_seconds"] = 1e308 }, "`operator_overhead_seconds` must be from 0 to 1")
        hardwareCase("memory of 2^62 bytes", hardware { $0["memory_bytes"] = 1 << 62 }, "`memory_bytes` must be from 2^20")
        hardwareCase("subnormal efficiency", hardware { $0["compute_efficiency"] = 1e-310 }, "`compute_efficiency` must be from 0.001")
        hardwareCase("row key +5 beside 5", hardware { $0["compute_efficiency_by_rows"] = ["+5": 0.5, "5": 0.6] }, "`compute_efficiency_by_rows.+5` is not a row count")
        hardwareCase("row key 05", hardware { $0["compute_efficiency_by_rows"] = ["05": 0.5] }, "`compute_efficiency_by_rows.05` is not a row count")
        // Requests that would trap or allocate without bound
        c.append(HostileCase(name: "forward: batch 10^9", args: ["forward", "--model", "host-transformer", "--context", "16M", "--batch", "1000000000", "--dump", "$D/d"],
                             status: 64, message: "--batch must be between 1 and"))
        c.append(HostileCase(name: "forward: 16M x 16M", args: ["forward", "--model", "host-transformer", "--context", "16M", "--batch", "16777216", "--dump", "$D/d"],
                             status: 1, message: "refused before allocating"))
        let widest = model {
            $0["id"] = "widest"; $0["layers"] = 4096; $0["hidden_size"] = 1 << 20; $0["heads"] = 1 << 16; $0["kv_heads"] = 1 << 16
            $0["head_dim"] = 1 << 14; $0["ffn_size"] = 1 << 23; $0["vocab_size"] = 1 << 24
        }
        c.append(HostileCase(name: "forward: every width at its maximum", files: ["m.json": widest],
                             args: ["forward", "--model", "$D/m.json", "--context", "16M", "--batch", "16777216", "--dump", "$D/d"],
                             status: 1, message: "beyond a 64-bit count"))
        c.append(HostileCase(name: "profile: every width at its maximum", files: ["m.json": widest],
                             args: ["profile", "--model", "$D/m.json", "--context", "1M", "--batch", "4096"], status: 1, message: "refused before allocating"))
        c.append(HostileCase(name: "calibrate: every width at its maximum", files: ["m.json": widest],
                             args: ["calibrate", "--model", "$D/m.json", "--no-write"], status: 1, message: "calibration buffers"))
        c.append(HostileCase(name: "calibrate: 16M rows of a 3B model", args: ["calibrate", "--model", "yoco-3b", "--rows", "16M", "--no-write"],
                             status: 1, message: "calibration buffers"))
        c.append(HostileCase(name: "forward: odd head_dim", files: ["m.json": model { $0["head_dim"] = 63 }],
                             args: ["forward", "--model", "$D/m.json", "--context", "8", "--dump", "$D/d"], status: 65, message: "m.json: `head_dim` must be even"))
        c.append(HostileCase(name: "sweep: a 10^6+ point grid", args: ["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "1..1000+1", "--generate", "1..1001+1"],
                             status: 64, message: "the grid has 1001000 points"))
        c.append(HostileCase(name: "capacity: --memory 1_0GiB", args: ["capacity", "--model", "yoco-3b", "--memory", "1_0GiB", "--kv-only"],
                             status: 64, message: "`_` may only separate groups of three digits"))
        // The baseline gate
        let baseline = try! String(contentsOf: repo.appendingPathComponent("Reports/baselines/memory.csv"), encoding: .utf8)
        let header = String(baseline.prefix { $0 != "\n" }) + "\n"
        c.append(HostileCase(name: "baseline check: header only", files: ["b.csv": Data(header.utf8)],
                             args: ["baseline", "check", "--baseline", "$D/b.csv"], status: 65, message: "holds no configurations"))
        let truncated = baseline.split(separator: "\n").prefix(5).joined(separator: "\n") + "\n"
        c.append(HostileCase(name: "baseline check: truncated at a line", files: ["b.csv": Data(truncated.utf8)],
                             args: ["baseline", "check", "--baseline", "$D/b.csv", "--configurations", "Reports/baselines/configurations.csv", "--format", "csv"],
                             status: 2, message: "differences"))
        c.append(HostileCase(name: "baseline check: a FIFO", setup: { #expect(mkfifo($0.appendingPathComponent("b.csv").path, 0o600) == 0) },
                             args: ["baseline", "check", "--baseline", "$D/b.csv"], status: 65, message: "is a FIFO"))
        c.append(HostileCase(name: "baseline update: header-only configurations", files: ["c.csv": Data(configHeader.utf8)],
                             args: ["baseline", "update", "--configurations", "$D/c.csv", "--baseline", "$D/b.csv"], status: 65, message: "holds no configurations"))
        for (name, row, message) in [
            ("a +5 context", "yoco-3b,+5,0,1,bf16,bf16,bf16,bf16", "c.csv:2: configuration"),
            ("an unknown model", "no-such-model,1024,0,1,bf16,bf16,bf16,bf16", "c.csv:2: configuration"),
            ("an unknown dtype", "yoco-3b,1024,0,1,bf17,bf16,bf16,bf16", "`weight_dtype` must be one of"),
            ("too few fields", "yoco-3b,1024", "line 2: 2 fields for 8 columns"),
            ("an unclosed quote", "\"yoco-3b,1024,0,1,bf16,bf16,bf16,bf16", "quoted field is not closed"),
        ] {
            c.append(HostileCase(name: "baseline update: \(name)", files: ["c.csv": Data((configHeader + row + "\n").utf8)],
                                 args: ["baseline", "update", "--configurations", "$D/c.csv", "--baseline", "$D/b.csv"], status: 65, message: message))
        }
        c.append(HostileCase(name: "baseline update: configurations is a directory",
                             setup: { try FileManager.default.createDirectory(at: $0.appendingPathComponent("c.csv"), withIntermediateDirectories: false) },
                             args: ["baseline", "update", "--configurations", "$D/c.csv", "--baseline", "$D/b.csv"], status: 64, message: "is a directory"))
        // Output targets that must not be replaced
        c.append(HostileCase(name: "output: a directory", setup: { try FileManager.default.createDirectory(at: $0.appendingPathComponent("out"), withIntermediateDirectories: false) },
                             args: ["models", "--output", "$D/out"], status: 64, message: "it is a directory"))
        c.append(HostileCase(name: "output: a missing folder", args: ["models", "--output", "$D/no/such/x.csv"], status: 1, message: "does not exist"))
        c.append(HostileCase(name: "output: a symlink loop", setup: {
            #expect(symlink("b", $0.appendingPathComponent("a").path) == 0)
            #expect(symlink("a", $0.appendingPathComponent("b").path) == 0)
        }, args: ["models", "--output", "$D/a"], status: 64, message: "symbolic links (a loop?)"))
        c.append(HostileCase(name: "output: a socket", setup: { dir in
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let path = dir.appendingPathComponent("sock").path
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = b }
            }
            let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            #expect(bound == 0, "a Unix socket path must fit sun_path")
            close(fd)
        }, args: ["models", "--output", "$D/sock"], status: 64, message: "it is a socket"))
        c.append(HostileCase(name: "plot: output folder under a file", files: ["f": Data("x".utf8)],
                             args: ["plot", "--output-dir", "$D/f/figs", "--output", "$D/r.csv"], status: 64, message: "not a folder"))
        return c
    }()
}

@Suite("Hostile inputs: one clean line and an exit code, never a crash or a stray file")
struct HostileInputTests {
    @Test(arguments: HostileCorpus.cases)
    func hostile(_ c: HostileCase) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, data) in c.files { try data.write(to: dir.appendingPathComponent(name)) }
        try c.setup?(dir)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        let r = try Binary.run(c.args.map { $0.replacingOccurrences(of: "$D", with: dir.path) })
        #expect(r.status == c.status, "stderr: \(r.stderr)")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        let errorLines = lines.filter { $0.lowercased().hasPrefix("error:") }
        #expect(errorLines.count == 1, "exactly one error line: \(r.stderr)")
        #expect(errorLines.first?.contains(c.message) == true, "`\(c.message)` in: \(r.stderr)")
        if c.status != 64 {
            // Our own errors are the one line; argument-parser usage errors add their usage text.
            #expect(lines.count == 2 && lines.last == "", "one line: \(r.stderr)")
        }
        #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Fatal error") && !r.stderr.contains("Backtrace"))
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(after == before, "files left behind: \(after.subtracting(before).sorted())")
    }
}
