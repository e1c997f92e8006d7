// The four renderers. CSV follows RFC 4180 (quotes doubled, fields with commas, quotes or newlines
// quoted); JSON keys are the column keys; numbers stay exact (Int128 digits, shortest Doubles).

enum CSVRenderer {
    /// Works on Unicode scalars, not Characters: "\r\n" is one Character, and so is a quote followed
    /// by a combining mark, so a Character test would miss both and emit a broken row.
    static func field(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var out = String.UnicodeScalarView()
        out.append("\"")
        for u in s.unicodeScalars {
            if u == "\"" { out.append("\"") }
            out.append(u)
        }
        out.append("\"")
        return String(out)
    }

    static func render(_ r: Report) -> String {
        var out = r.columns.map { field($0.key) }.joined(separator: ",") + "\n"
        for row in r.rows {
            out += row.map { field($0.plain) }.joined(separator: ",") + "\n"
        }
        return out
    }
}

/// JSON string literals, shared with every writer of JSON files (calibrated profiles too).
public enum JSONText {
    /// `s` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

enum JSONRenderer {
    static func string(_ s: String) -> String { JSONText.quoted(s) }

    static func value(_ v: Value) -> String {
        switch v {
        case .int(let i): "\(i)"
        case .double(let d): d.isFinite ? Value.shortest(d) : "null"
        case .text(let s): string(s)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        }
    }

    static func object(_ r: Report, _ row: [Value], indent: String) -> String {
        let fields = zip(r.columns, row).map { "\(indent)  \(string($0.key)): \(value($1))" }
        return "{\n" + fields.joined(separator: ",\n") + "\n\(indent)}"
    }

    static func render(_ r: Report) -> String {
        if r.isSingle, let row = r.rows.first { return object(r, row, indent: "") + "\n" }
        let items = r.rows.map { "  " + object(r, $0, indent: "  ") }
        return items.isEmpty ? "[]\n" : "[\n" + items.joined(separator: ",\n") + "\n]\n"
    }
}

enum TableRenderer {
    static func pad(_ s: String, _ width: Int, right: Bool) -> String {
        let n = s.count
        guard n < width else { return s }
        let fill = String(repeating: " ", count: width - n)
        return right ? fill + s : s + fill
    }

    static func isNumeric(_ u: ColumnUnit) -> Bool { u != .text }

    static func clip(_ s: String, _ width: Int) -> String {
        s.count <= width ? s : String(s.prefix(width - 1)) + "…"
    }

    /// Rows of cells as aligned columns under a header and a rule.
    static func grid(_ header: [String], _ cells: [[String]], rightAligned: [Bool]) -> String {
        var widths = header.map(\.count)
        for row in cells { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        var lines = [zip(header, widths).enumerated().map { pad($1.0, $1.1, right: rightAligned[$0]) }.joined(separator: "  ")]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells {
            lines.append(row.enumerated().map { pad($1, widths[$0], right: rightAligned[$0]) }.joined(separator: "  "))
        }
        return lines.map { $0.trimmingTrailingSpaces }.joined(separator: "\n") + "\n"
    }

    static func render(_ r: Report) -> String {
        var out = r.title.isEmpty ? "" : r.title + "\n\n"
        if r.isSingle, let row = r.rows.first {
            let cells = zip(r.columns, row).map { [$0.key, $1.display($0.unit)] }
            out += grid(["metric", "value"], cells, rightAligned: [false, false])
        } else {
            // Long free text (profile sources) is cut in tables; CSV and JSON keep it whole.
            let cells = r.rows.map { row in zip(r.columns, row).map { clip($1.display($0.unit), 48) } }
            out += grid(r.columns.map(\.key), cells, rightAligned: r.columns.map { isNumeric($0.unit) })
        }
        if !r.notes.isEmpty { out += "\n" + r.notes.map { "note: " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }
}

enum MarkdownRenderer {
    /// Pipes are escaped and line breaks become spaces: either would otherwise end the table row.
    static func cell(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u {
            case "|": out.append("\\"); out.append(u)
            case "\n", "\r":
                if out.last != " " { out.append(" ") }
            default: out.append(u)
            }
        }
        return String(out)
    }

    static func render(_ r: Report) -> String {
        var out = r.title.isEmpty ? "" : "### \(r.title)\n\n"
        if r.isSingle, let row = r.rows.first {
            out += "| metric | value |\n|---|---:|\n"
            for (c, v) in zip(r.columns, row) { out += "| `\(c.key)` | \(cell(v.display(c.unit))) |\n" }
        } else {
            out += "| " + r.columns.map { cell($0.key) }.joined(separator: " | ") + " |\n"
            out += "|" + r.columns.map { TableRenderer.isNumeric($0.unit) ? "---:" : "---" }.joined(separator: "|") + "|\n"
            for row in r.rows {
                out += "| " + zip(r.columns, row).map { cell($1.display($0.unit)) }.joined(separator: " | ") + " |\n"
            }
        }
        if !r.notes.isEmpty { out += "\n" + r.notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
