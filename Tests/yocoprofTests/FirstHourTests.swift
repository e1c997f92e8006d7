// End-to-end runs of the built binary for issue 17, a new user's first hour: one rule for "does
// not fit" in every command, implausibly small budgets, did-you-mean for profile ids and columns,
// --version, help examples that survive 80 columns, narrow tables, and SVG series told apart.

import ArgumentParser
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import yocoprof

@Suite("a new user's first hour")
struct FirstHourTests {
    // MARK: 1. one rule for "does not fit"

    @Test("the same point that does not fit reads the same in estimate, sweep, capacity and memory, all exit 0")
    func oneRule() throws {
        // transformer-3b at 1M + 1024 tokens: 104 KiB per token is 104 GiB of KV, over one H100's 79.65 GiB
        let point = ["--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "1M", "--generate", "1024"]
        let estimate = try Binary.run(["estimate"] + point + ["--format", "json"])
        let capacity = try Binary.run(["capacity"] + point + ["--format", "json"])
        let memory = try Binary.run(["memory"] + point + ["--format", "json"])
        let sweep = try Binary.run(["sweep"] + point + ["--format", "json"])
        for r in [estimate, capacity, memory, sweep] { #expect(r.status == 0, "\(r.stderr)") }
        let sweepRow = try #require(try JSONSerialization.jsonObject(with: Data(sweep.stdout.utf8)) as? [[String: Any]]).first
        for o in [try estimate.object(), try capacity.object(), try memory.object(), try #require(sweepRow)] {
            #expect(o["fits"] as? Bool == false, "\(o)")
            #expect(o["limited_by"] as? String == "kv_cache", "\(o)")
            #expect(try o.int("max_batch") == 0, "\(o)")
        }
        #expect(sweepRow?["status"] as? String == "does_not_fit")
    }

    @Test("capacity: nothing fits is fits false, and no hardware is null, not \"none\"")
    func capacityNulls() throws {
        // 64 x 1M tokens x 104 KiB of KV (6.5 TiB) fits no deployment of up to one node of any profile
        // (yoco-3b's 4 KiB per token, asked here before issue 12, now fits on several devices).
        let o = try Binary.run(["capacity", "--model", "transformer-3b", "--context", "1M", "--batch", "64", "--format", "json"]).object()
        #expect(o["smallest_hardware"] is NSNull)
        #expect(o["fits"] as? Bool == false)
        #expect(o["limited_by"] as? String == "kv_cache")
        let fits = try Binary.run(["capacity", "--model", "yoco-3b", "--context", "32K", "--format", "json"]).object()
        #expect(fits["fits"] as? Bool == true)
        #expect(fits["smallest_hardware"] is String)
        #expect(fits["limited_by"] is NSNull)
    }

    // MARK: 2. implausibly small budgets

    @Test("--memory 80 (bytes) warns that a bare number is bytes and suggests a unit; 80GiB does not")
    func smallBudget() throws {
        let r = try Binary.run(["capacity", "--model", "yoco-3b", "--memory", "80", "--format", "json"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("warning: --memory 80 is 80 B"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 80GiB or 80GB?"))
        let o = try r.object()
        #expect(o["fits"] as? Bool == false)
        #expect(o["limited_by"] as? String == "weights")
        let unit = try Binary.run(["capacity", "--model", "yoco-3b", "--memory", "512KiB", "--kv-only", "--format", "json"])
        #expect(unit.stderr.contains("less than 1 MiB") && !unit.stderr.contains("did you mean"), "\(unit.stderr)")
        let ok = try Binary.run(["capacity", "--model", "yoco-3b", "--memory", "80GiB", "--format", "json"])
        #expect(ok.status == 0 && ok.stderr.isEmpty, "\(ok.stderr)")
    }

    // MARK: 3. did you mean

    @Test("an unknown profile id or column suggests the close ones", arguments: [
        (["memory", "--model", "yoco3b"], "did you mean `yoco-3b`?"),
        (["memory", "--model", "Yoco-3B_swa"], "did you mean `yoco-3b-swa`?"),
        (["estimate", "--model", "yoco-3b", "--hardware", "h100", "--context", "1K", "--generate", "1"], "`h100-sxm-80gb`?"),
        (["sweep", "--model", "yoco-3b,transformr-3b", "--hardware", "h100-sxm-80gb", "--context", "1K"], "did you mean `transformer-3b`"),
        (["memory", "--model", "yoco-3b", "--columns", "modle,batch"], "did you mean `model`?"),
    ])
    func didYouMean(args: [String], suggestion: String) throws {
        let r = try Binary.run(args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(suggestion), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("--columns with a key twice is a usage error, not a JSON object with a duplicate key")
    func columnsTwice() throws {
        let r = try Binary.run(["models", "--columns", "id,parameters,id", "--format", "json"])
        #expect(r.status == 64, "\(r.stdout)")
        #expect(r.stderr.contains("`id` is given twice"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test("nothing close, no suggestion")
    func noSuggestion() throws {
        let r = try Binary.run(["memory", "--model", "gpt-9"])
        #expect(r.status == 64)
        #expect(!r.stderr.contains("did you mean"), "\(r.stderr)")
    }

    // MARK: 4. --version

    @Test("--version prints the version and the commit the binary was built from")
    func version() throws {
        let r = try Binary.run(["--version"])
        #expect(r.status == 0, "\(r.stderr)")
        let line = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = try #require(line.wholeMatch(of: /yocoprof (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12})(-dirty)?\)|yocoprof \d+\.\d+\.\d+ \(commit unknown\)/),
                                 "\(line)")
        #expect(match.1.map(String.init) == YocoProf.version || match.1 == nil)
        // A stamped commit is a commit of this repository (when git is here to ask).
        if let hash = match.2, let git = Self.git(["cat-file", "-t", String(hash)]) {
            #expect(git == "commit", "\(hash) is not a commit of \(Binary.repoRoot.path)")
        }
    }

    static func git(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", Binary.repoRoot.path] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    // MARK: 5. help at 80 columns

    static let commands: [[String]] = [
        [], ["models"], ["hardware"], ["memory"], ["capacity"], ["estimate"], ["sweep"], ["plot"], ["forward"],
        ["calibrate"], ["profile"], ["validate"], ["baseline"], ["baseline", "update"], ["baseline", "check"],
    ]

    @Test("help at 80 columns: no line wider, and every example is one command that parses", arguments: commands)
    func helpExamples(command: [String]) throws {
        let r = try Binary.run(command + ["--help"], environment: ["COLUMNS": "80"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The USAGE synopsis is swift-argument-parser's and it never wraps it; everything we write does.
        for line in lines where !line.hasPrefix("USAGE:") { #expect(line.count <= 80, "wider than 80: \(line)") }
        let examples = Self.examples(lines)
        #expect(!examples.isEmpty, "\(command) --help shows no example")
        for example in examples {
            #expect(example.first == "yocoprof", "an example line that is not a command (a wrapped one?): \(example)")
            do { _ = try YocoProf.parseAsRoot(Array(example.dropFirst())) } catch {
                Issue.record("`\(example.joined(separator: " "))` does not parse: \(error)")
            }
        }
    }

    @Test("help text we break into lines ourselves is within 80 columns, so the parser never re-wraps it mid-row",
          arguments: commands)
    func helpLineBreaks(command: [String]) throws {
        // Unwrapped (a wide terminal): the discussion exactly as written. A paragraph written as one
        // line is wrapped cleanly at any width; a line of a block we broke ourselves (a table of
        // flags, a sentence run over several lines) that is wider than 80 would be split in two at
        // 80 columns, leaving a ragged fragment ("(batch" / "--batch)").
        let r = try Binary.run(command + ["--help"], environment: ["COLUMNS": "1000"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let end = lines.firstIndex { $0.hasPrefix("USAGE:") } ?? lines.count
        let discussion = Array(lines[..<end].drop { !$0.isEmpty })
        for (i, line) in discussion.enumerated() where line.count > 80 {
            let inBlock = (i > 0 && !discussion[i - 1].isEmpty) || (i + 1 < discussion.count && !discussion[i + 1].isEmpty)
            #expect(!inBlock, "\(command): a line of a multi-line block wider than 80: \(line)")
        }
    }

    /// The commands under "Example(s):", with `\` continuations joined and `# comments` and
    /// redirections dropped, split into words.
    static func examples(_ lines: [String]) -> [[String]] {
        var out: [[String]] = [], current: [String]? = nil, inBlock = false
        for raw in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Example") { inBlock = true; continue }
            guard inBlock else { continue }
            if line.isEmpty || line.hasPrefix("USAGE:") { inBlock = false; continue }
            var text = line.split(separator: "#", maxSplits: 1).first.map(String.init) ?? ""
            if let redirect = text.range(of: ">>") { text = String(text[..<redirect.lowerBound]) }
            let continues = text.trimmingCharacters(in: .whitespaces).hasSuffix("\\")
            let words = text.split(separator: " ").map(String.init).filter { $0 != "\\" }
            current = (current ?? []) + words
            if !continues { out.append(current!); current = nil }
        }
        if let current { out.append(current) }
        return out
    }

    @Test("help states the defaults", arguments: [
        ("memory", "--context", "default 4K"), ("memory", "--generate", "default 0"), ("memory", "--batch", "default: 1"),
        ("capacity", "--generate", "default 0"), ("estimate", "--batch", "default: max"), ("sweep", "--generate", "default: 1024"),
        ("plot", "--generate", "default 1024"), ("estimate", "--kv-dtype", "default:"), ("memory", "--prefill-chunk", "default 4K"),
    ])
    func defaults(command: String, option: String, text: String) throws {
        let r = try Binary.run([command, "--help"], environment: ["COLUMNS": "200"])
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let i = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(option + " ") })
        // an option's help may continue on the next line when its name is long
        let help = lines[i] + (i + 1 < lines.count ? lines[i + 1] : "")
        #expect(help.contains(text), "\(lines[i])")
    }

    // MARK: 6. tables

    @Test("tables fit the terminal with a narrow set; --wide and --columns give the rest", arguments: [
        ["models"], ["hardware"],
        ["sweep", "--model", "yoco-3b,transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K..1M*2", "--batch", "1,max"],
    ])
    func narrowTables(args: [String]) throws {
        for width in [80, 120] {
            let r = try Binary.run(args + ["--format", "table"], environment: ["COLUMNS": "\(width)"])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            for line in lines { #expect(line.count <= width, "wider than \(width): \(line)") }
            #expect(r.stdout.contains("--wide shows all"))
        }
        let wide = try Binary.run(args + ["--format", "table", "--wide"], environment: ["COLUMNS": "80"])
        let csvHeader = try #require(try Binary.run(args + ["--format", "csv"]).stdout.split(separator: "\n").first)
        let wideHeader = try #require(wide.stdout.split(separator: "\n").dropFirst().first)
        // --wide: every column of the CSV (a column no row has may drop: none here)
        #expect(wideHeader.split(separator: " ").map(String.init) == csvHeader.split(separator: ",").map(String.init))

        // A table written to a file is not narrowed to the terminal: every column, no "showing" note.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-table-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let toFile = try Binary.run(args + ["--format", "table", "--output", file], environment: ["COLUMNS": "80"])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!written.contains("--wide shows all"))
        let fileHeader = try #require(written.split(separator: "\n").dropFirst().first)
        #expect(fileHeader.split(separator: " ").map(String.init) == csvHeader.split(separator: ",").map(String.init))
    }

    @Test("--columns picks columns in every format, in the order given")
    func columns() throws {
        let args = ["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "32K,64K", "--columns", "context_tokens,model,fits"]
        let csv = try Binary.run(args + ["--format", "csv"])
        #expect(csv.stdout == "context_tokens,model,fits\n32768,yoco-3b,true\n65536,yoco-3b,true\n", "\(csv.stdout)")
        let table = try Binary.run(args + ["--format", "table"], environment: ["COLUMNS": "80"])
        #expect(table.stdout.contains("context_tokens  model    fits"), "\(table.stdout)")
        #expect(!table.stdout.contains("showing"))
        // the picked columns all show, and the notes under them still wrap to the width
        for line in table.stdout.split(separator: "\n") { #expect(line.count <= 80, "wider than 80: \(line)") }
    }

    @Test("a Transformer's table leaves out what only YOCO has; CSV and JSON keep the full schema")
    func inapplicable() throws {
        let t = try Binary.run(["memory", "--model", "transformer-3b", "--format", "table"])
        for key in ["state_bytes", "state_dtype", "weight_retention_bytes", "weight_kv_projection_bytes"] {
            #expect(!t.stdout.contains(key + " "), "\(key) shown for a Transformer")
        }
        let y = try Binary.run(["memory", "--model", "yoco-3b", "--format", "table"])
        for key in ["state_bytes", "state_dtype", "weight_retention_bytes", "weight_kv_projection_bytes"] {
            #expect(y.stdout.contains(key + " "), "\(key) missing for YOCO")
        }
        let o = try Binary.run(["memory", "--model", "transformer-3b", "--format", "json"]).object()
        #expect(try o.int("state_bytes") == 0)
        #expect(try o.int("weight_retention_bytes") == 0)
        // mixed rows: the Transformer's state cell is blank, YOCO's is not
        let sweep = try Binary.run(["sweep", "--model", "yoco-3b,transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K",
                                    "--batch", "1", "--columns", "model,state_bytes", "--format", "markdown"])
        #expect(sweep.stdout.contains("| yoco-3b | 9.75 MiB |"), "\(sweep.stdout)")
        #expect(sweep.stdout.contains("| transformer-3b |  |"), "\(sweep.stdout)")
    }

    @Test("a column picked by name is shown even where it does not apply (blank), not dropped")
    func pickedInapplicable() throws {
        let args = ["memory", "--model", "transformer-3b", "--columns", "model,state_bytes"]
        let table = try Binary.run(args + ["--format", "table"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("state_bytes"), "\(table.stdout)")
        #expect(lines.contains { $0.hasPrefix("model") && $0.hasSuffix("transformer-3b") }, "\(table.stdout)")
        let markdown = try Binary.run(args + ["--format", "markdown"])
        #expect(markdown.stdout.contains("| `state_bytes` |  |"), "\(markdown.stdout)")
        let sweep = try Binary.run(["sweep", "--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K",
                                    "--batch", "1", "--columns", "model,state_bytes", "--format", "table"])
        #expect(sweep.stdout.contains("model           state_bytes"), "\(sweep.stdout)")
        // CSV keeps the value: the schema is the same for every row
        let csv = try Binary.run(args + ["--format", "csv"])
        #expect(csv.stdout == "model,state_bytes\ntransformer-3b,0\n", "\(csv.stdout)")
    }

    @Test("the estimate CSV keeps its columns in their places; new ones come after them")
    func stableSchema() throws {
        let before = """
            model,hardware,context_tokens,generated_tokens,batch,batch_mode,prefill_flops,prefill_seconds,\
            decode_tokens_per_second,throughput_tokens_per_second,memory_bytes,limited_by,compute_dtype,\
            prefill_chunk_tokens,prefill_matmul_flops,prefill_other_flops,prefill_executed_flops,prefill_bytes,\
            attention_pairs_useful,attention_pairs_executed,decode_step_flops,decode_step_bytes,decode_step_seconds,\
            decode_flops,decode_seconds,total_seconds,time_to_first_token_seconds,weight_bytes,kv_cache_bytes,\
            state_bytes,activation_bytes,runtime_overhead_bytes,memory_capacity_bytes
            """
        let r = try Binary.run(["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "32K", "--format", "csv"])
        #expect(r.stdout.hasPrefix(before + ",fits,max_batch,status\n"), "\(r.stdout.prefix(700))")
    }

    // MARK: 7. SVG series

    @Test("every series of every figure has its own marker; dashed series have their own dash pattern")
    func svgSeries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-first-hour-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Binary.run(["plot", "--model", "yoco-3b,yoco-3b-swa,transformer-3b,transformer-3b-mha", "--context", "32K..128K*2",
                                "--output-dir", dir.path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["memory", "prefill", "throughput", "kv-per-token"] {
            let text = try String(contentsOf: dir.appendingPathComponent("\(name).svg"), encoding: .utf8)
            let groups = text.split(separator: "\n").filter { $0.hasPrefix("<g class=\"series\"") }
            let styles = groups.map { g in
                (Self.attribute("data-marker", in: g), Self.attribute("data-dash", in: g))
            }
            #expect(groups.count >= 2, "\(name)")
            #expect(Set(styles.map(\.0)).count == groups.count, "\(name): markers \(styles)")
            let dashes = styles.map(\.1).filter { $0 != "solid" }
            #expect(Set(dashes).count == dashes.count, "\(name): dash patterns \(styles)")
        }
    }

    static func attribute(_ name: String, in line: Substring) -> String {
        guard let r = line.range(of: name + "=\"") else { return "" }
        return String(line[r.upperBound...].prefix { $0 != "\"" })
    }
}
