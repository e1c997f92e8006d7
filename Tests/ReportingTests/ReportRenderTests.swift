// Reports rendered as CSV, JSON, table and markdown, and the display units. Outputs are compared
// whole where they are short, so a stray space or a lost digit fails.

import Foundation
import Testing
@testable import Reporting

@Suite("Report renderers")
struct ReportRenderTests {
    static let columns = [Column("model", .text), Column("kv_cache_bytes", .bytes), Column("max_context_tokens", .tokens)]

    static func single(_ values: [Value], title: String = "Memory") -> Report {
        Report(title: title, columns: columns, rows: [values], notes: ["a note"], isSingle: true)
    }

    // MARK: Table layout

    static func wideReport() -> Report {
        var r = Report(title: "", columns: [
            Column("model", .text), Column("a_long_column_key_bytes", .bytes), Column("state_bytes", .bytes),
            Column("context_tokens", .tokens), Column("source", .text),
        ], summaryKeys: ["model", "context_tokens", "source", "a_long_column_key_bytes"])
        r.append([.text("yoco-3b"), .int(1), .int(1024), .int(32768), .text(String(repeating: "s", count: 60))])
        r.append([.text("transformer-3b"), .int(2), .int(0), .int(65536), .text("short")], inapplicable: ["state_bytes"])
        return r
    }

    @Test("a table keeps the summary columns that fit, in column order, cutting one text column to the room left")
    func narrowTable() {
        let text = Self.wideReport().rendered(as: .table, layout: TableLayout(width: 50))
        let lines = text.split(separator: "\n").map(String.init)
        // model (14) + context_tokens (14) + gaps (4) = 32: source gets the 18 left, cut with an ellipsis
        #expect(lines[0] == "model           context_tokens  source", "\(text)")
        #expect(lines[2] == "yoco-3b                 32,768  sssssssssssssssss…")
        #expect(lines.allSatisfy { $0.count <= 50 }, "\(text)")
        #expect(text.contains("note: showing 3 of 5 columns (the width is 50);"))
    }

    @Test("--wide: every column; an inapplicable cell is blank; a column no row has is dropped")
    func wideTable() {
        var r = Self.wideReport()
        let text = r.rendered(as: .table, layout: TableLayout(wide: true, width: 50))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("model           a_long_column_key_bytes  state_bytes  context_tokens  source"))
        #expect(lines[3].hasPrefix("transformer-3b                      2 B                       65,536  short"), "\(text)")
        r.inapplicable[0].insert("state_bytes")
        #expect(!r.rendered(as: .table, layout: TableLayout(wide: true)).contains("state_bytes"))
        #expect(r.rendered(as: .csv).hasPrefix("model,a_long_column_key_bytes,state_bytes,"), "CSV keeps every column")
    }

    @Test("a single result drops the lines that do not apply")
    func singleInapplicable() {
        var r = Report(title: "", columns: Self.columns, isSingle: true)
        r.append([.text("transformer-3b"), .int(0), .int(1638)], inapplicable: ["kv_cache_bytes"])
        #expect(r.rendered(as: .table) == "metric              value\n------------------  --------------\nmodel               transformer-3b\nmax_context_tokens  1,638\n")
        #expect(r.rendered(as: .json).contains("\"kv_cache_bytes\": 0"))
    }

    // MARK: CSV

    @Test("CSV: header of snake_case keys, then one line per row, exact integers")
    func csvPlain() {
        var r = Report(title: "t", columns: Self.columns)
        r.append([.text("yoco-3b"), .int(4096), .int(131_072)])
        r.append([.text("transformer-3b"), .int(106_496), .int(1638)])
        #expect(r.rendered(as: .csv) == "model,kv_cache_bytes,max_context_tokens\nyoco-3b,4096,131072\ntransformer-3b,106496,1638\n")
    }

    @Test("CSV quoting follows RFC 4180", arguments: [
        ("plain", "plain"),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        ("crlf\r\nhere", "\"crlf\r\nhere\""),  // "\r\n" is one Character in Swift
        ("\"\u{301}", "\"\"\"\u{301}\""),     // a quote with a combining accent is still a quote
        ("", ""),
        ("µs ✓", "µs ✓"),
    ] as [(String, String)])
    func csvQuoting(text: String, expected: String) {
        let r = Report(title: "", columns: [Column("source", .text), Column("n", .count)], rows: [[.text(text), .int(1)]])
        #expect(r.rendered(as: .csv) == "source,n\n\(expected),1\n")
    }

    @Test("CSV cells: doubles shortest, null empty, booleans as words, non-finite empty")
    func csvCells() {
        let r = Report(title: "", columns: ["a", "b", "c", "d", "e", "f", "g"].map { Column($0, .ratio) },
                       rows: [[.double(0.1), .double(2.0), .double(1e20), .null, .bool(true), .double(.nan), .double(-0.5)]])
        #expect(r.rendered(as: .csv) == "a,b,c,d,e,f,g\n0.1,2,1e+20,,true,,-0.5\n")
    }

    @Test("CSV: Int128 values beyond Int64 keep every digit")
    func csvInt128() {
        let big: Int128 = Int128(Int64.max) * 1_000_003
        let r = Report(title: "", columns: [Column("flops", .flops)], rows: [[.int(big)], [.int(Int128.min)]])
        #expect(r.rendered(as: .csv) == "flops\n9223399706970886371327421\n-170141183460469231731687303715884105728\n")
    }

    // MARK: JSON

    @Test("JSON: a single-row report is one object, keys in column order, numbers exact")
    func jsonSingle() throws {
        let r = Self.single([.text("yoco-65b"), .int(1 << 30), .int(131_072)])
        let text = r.rendered(as: .json)
        #expect(text == "{\n  \"model\": \"yoco-65b\",\n  \"kv_cache_bytes\": 1073741824,\n  \"max_context_tokens\": 131072\n}\n")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(parsed["max_context_tokens"] as? Int == 131_072)
    }

    @Test("JSON: several rows are an array of objects; no rows is []")
    func jsonArray() throws {
        var r = Report(title: "t", columns: Self.columns)
        #expect(r.rendered(as: .json) == "[]\n")
        r.append([.text("a"), .int(1), .null])
        r.append([.text("b"), .int(2), .int(3)])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(r.rendered(as: .json).utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["max_context_tokens"] is NSNull)
        #expect(parsed[1]["kv_cache_bytes"] as? Int == 2)
        // A report not marked single stays an array even with one row (CSV-like consumers rely on it).
        let one = Report(title: "t", columns: Self.columns, rows: [[.text("a"), .int(1), .int(2)]])
        #expect(one.rendered(as: .json).hasPrefix("[\n"))
    }

    @Test("JSON escaping: quotes, backslashes, control characters, non-ASCII", arguments: [
        ("say \"hi\"", #""say \"hi\"""#),
        ("C:\\dir", #""C:\\dir""#),
        ("a\nb\tc\rd", #""a\nb\tc\rd""#),
        ("\u{01}\u{1f}", #""\u0001\u001f""#),
        ("K̂/V̂ ✓ µs", "\"K̂/V̂ ✓ µs\""),
    ] as [(String, String)])
    func jsonEscaping(text: String, expected: String) throws {
        let r = Report(title: "", columns: [Column("s", .text)], rows: [[.text(text)]], isSingle: true)
        let out = r.rendered(as: .json)
        #expect(out == "{\n  \"s\": \(expected)\n}\n")
        // And it parses back to the same string.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(parsed["s"] as? String == text)
    }

    @Test("JSON: Int128 digits exact beyond 2^53 and 2^64; non-finite doubles are null")
    func jsonNumbers() throws {
        let big: Int128 = (1 << 100) + 1
        let r = Report(title: "", columns: [Column("a", .flops), Column("b", .seconds), Column("c", .ratio), Column("d", .text)],
                       rows: [[.int(big), .double(.infinity), .double(1.5e-7), .bool(false)]], isSingle: true)
        #expect(r.rendered(as: .json) == "{\n  \"a\": 1267650600228229401496703205377,\n  \"b\": null,\n  \"c\": 1.5e-07,\n  \"d\": false\n}\n")
        _ = try JSONSerialization.jsonObject(with: Data(r.rendered(as: .json).utf8))  // valid JSON
    }

    // MARK: Table and markdown

    @Test("table: a single-row report is a metric/value list with display units and notes")
    func tableSingle() {
        let r = Self.single([.text("yoco-65b"), .int(1 << 30), .int(131_072)], title: "Capacity")
        #expect(r.rendered(as: .table) == """
            Capacity

            metric              value
            ------------------  --------
            model               yoco-65b
            kv_cache_bytes      1 GiB
            max_context_tokens  131,072

            note: a note

            """)
    }

    @Test("table: several rows are columns, numbers right-aligned, null as -")
    func tableRows() {
        let r = Report(title: "", columns: Self.columns,
                       rows: [[.text("yoco-3b"), .int(4096), .int(131_072)], [.text("t"), .int(1536), .null]])
        #expect(r.rendered(as: .table) == """
            model    kv_cache_bytes  max_context_tokens
            -------  --------------  ------------------
            yoco-3b           4 KiB             131,072
            t              1.50 KiB                   -

            """)
    }

    @Test("table: long text is clipped at 48 characters; CSV keeps it whole")
    func tableClip() {
        let long = String(repeating: "x", count: 60)
        let r = Report(title: "", columns: [Column("source", .text)], rows: [[.text(long)]])
        #expect(r.rendered(as: .table).contains(String(repeating: "x", count: 47) + "…"))
        #expect(!r.rendered(as: .table).contains(long))
        #expect(r.rendered(as: .csv).contains(long))
    }

    @Test("markdown: single rows as metric/value, pipes and newlines escaped, notes as a list")
    func markdown() {
        let r = Self.single([.text("a|b\nc"), .int(2048), .int(1)], title: "M")
        #expect(r.rendered(as: .markdown) == """
            ### M

            | metric | value |
            |---|---:|
            | `model` | a\\|b c |
            | `kv_cache_bytes` | 2 KiB |
            | `max_context_tokens` | 1 |

            - a note

            """)
        let rows = Report(title: "", columns: Self.columns, rows: [[.text("x"), .int(1), .int(2)], [.text("y"), .int(3), .int(4)]])
        #expect(rows.rendered(as: .markdown) == """
            | model | kv_cache_bytes | max_context_tokens |
            |---|---:|---:|
            | x | 1 B | 2 |
            | y | 3 B | 4 |

            """)
    }

    @Test("Report.value finds a cell by key; unknown keys and rows give nil")
    func valueLookup() {
        let r = Self.single([.text("m"), .int(7), .int(8)])
        #expect(r.value("kv_cache_bytes") == .int(7))
        #expect(r.value("nope") == nil)
        #expect(r.value("model", row: 1) == nil)
    }

    @Test("every format renders the same report without losing a row", arguments: OutputFormat.allCases)
    func allFormats(format: OutputFormat) {
        var r = Report(title: "T", columns: Self.columns)
        for i in 0..<5 { r.append([.text("m\(i)"), .int(Int128(i)), .int(Int128(i * 10))]) }
        let out = r.rendered(as: format)
        for i in 0..<5 { #expect(out.contains("m\(i)")) }
    }
}

@Suite("Display units")
struct UnitsTests {
    @Test("bytes: binary prefixes; exact multiples without decimals", arguments: [
        (0, "0 B"),
        (512, "512 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (1536, "1.50 KiB"),
        (4096, "4 KiB"),
        (106_496, "104 KiB"),
        (1 << 30, "1 GiB"),
        (81_559 * 1_048_576, "79.65 GiB"),
        (1 << 60, "1 EiB"),
        (1 << 70, "1024 EiB"),
        (-2048, "-2 KiB"),
        ((1 << 20) - 1, "1.00 MiB"),
    ] as [(Int128, String)])
    func bytes(value: Int128, expected: String) {
        #expect(Units.bytes(value) == expected)
    }

    @Test("grouped digits", arguments: [
        (0, "0"), (999, "999"), (1000, "1,000"), (131_072, "131,072"), (1_000_000, "1,000,000"),
        (-1638, "-1,638"), (Int128.max, "170,141,183,460,469,231,731,687,303,715,884,105,727"),
    ] as [(Int128, String)])
    func grouped(value: Int128, expected: String) {
        #expect(Units.grouped(value) == expected)
    }

    @Test("seconds", arguments: [
        (0.0, "0 s"), (5e-9, "5.0 ns"), (5e-6, "5.0 µs"), (0.0015, "1.50 ms"), (12.346, "12.35 s"),
        (900.0, "15.0 min"), (7200.0, "2.00 h"), (0.9999999, "1.00 s"),
    ] as [(Double, String)])
    func seconds(value: Double, expected: String) {
        #expect(Units.seconds(value) == expected)
    }

    @Test("SI prefixes", arguments: [
        (0.0, "FLOP", "0.00 FLOP"), (1.5e12, "FLOP", "1.50 TFLOP"), (3.35e12, "B/s", "3.35 TB/s"),
        (150e9, "FLOP/s", "150.0 GFLOP/s"), (999.96e3, "FLOP", "1.00 MFLOP"),
    ] as [(Double, String, String)])
    func si(value: Double, unit: String, expected: String) {
        #expect(Units.si(value, unit) == expected)
    }

    @Test("fixed-point rendering", arguments: [
        (1.005, 0, "1"), (2.5, 1, "2.5"), (-0.001, 2, "0.00"), (-1.25, 1, "-1.3"), (0.05, 2, "0.05"), (123.456, 2, "123.46"),
    ] as [(Double, Int, String)])
    func fixed(value: Double, places: Int, expected: String) {
        #expect(Units.fixed(value, places) == expected)
    }
}
