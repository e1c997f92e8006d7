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

    /// Free text (profile sources) is cut at this width in tables; CSV and JSON keep it whole.
    static let textWidth = 48
    /// A text column cut to fit the line keeps at least this many characters.
    static let minimumClippedWidth = 12

    static func render(_ r: Report, layout: TableLayout = TableLayout()) -> String {
        var out = r.title.isEmpty ? "" : r.title + "\n\n"
        var notes = r.notes
        if r.isSingle, let row = r.rows.first {
            let shown = r.applicableColumns
            let keyWidth = shown.map { r.columns[$0].key.count }.max() ?? 0
            // A value longer than the line is cut (unless --wide); the key column stays whole.
            let valueWidth = layout.wide ? nil : layout.width.map { max(minimumClippedWidth, $0 - keyWidth - 2) }
            let cells = shown.map { i in
                let text = r.applies(r.columns[i].key, row: 0) ? row[i].display(r.columns[i].unit) : ""
                return [r.columns[i].key, valueWidth.map { clip(text, $0) } ?? text]
            }
            out += grid(["metric", "value"], cells, rightAligned: [false, false])
        } else {
            // Columns that apply to no row are dropped; inapplicable cells are blank.
            let present = r.applicableColumns
            let cells = r.rows.enumerated().map { n, row in
                r.columns.indices.map { i in r.applies(r.columns[i].key, row: n) ? clip(row[i].display(r.columns[i].unit), textWidth) : "" }
            }
            var widths = r.columns.indices.map { i in max(r.columns[i].key.count, cells.map { $0[i].count }.max() ?? 0) }
            var shown = present
            // Picked columns (--columns) are all shown; the notes still wrap to the width.
            if !layout.wide && !r.columnsPicked {
                let priority = r.summaryKeys.map { keys in keys.compactMap { k in present.first { r.columns[$0].key == k } } } ?? present
                shown = fitted(priority, widths: &widths, units: r.columns.map(\.unit), keys: r.columns.map(\.key), width: layout.width)
            }
            let header = shown.map { r.columns[$0].key }
            let body = cells.map { row in shown.map { clip(row[$0], widths[$0]) } }
            out += grid(header, body, rightAligned: shown.map { isNumeric(r.columns[$0].unit) })
            if shown.count < present.count {
                let fit = layout.width.map { " (the width is \($0))" } ?? ""
                notes.append("showing \(shown.count) of \(present.count) columns\(fit); --wide shows all, --columns KEY,... picks any (the keys of the CSV header)")
            }
        }
        if !notes.isEmpty {
            // Notes wrap at spaces to the width, continuation lines indented under the text.
            let lines = notes.flatMap { note in
                let wrapped = layout.wide ? [note] : layout.width.map { note.lines(width: max(20, $0 - 6)) } ?? [note]
                return wrapped.enumerated().map { ($0 == 0 ? "note: " : "      ") + $1 }
            }
            out += "\n" + lines.joined(separator: "\n") + "\n"
        }
        return out
    }

    /// The columns of `priority` that fit `width` (most important first, each kept if it fits what
    /// is left; one text column may be cut to the room that remains), in column order. The first
    /// column is always shown.
    static func fitted(_ priority: [Int], widths: inout [Int], units: [ColumnUnit], keys: [String], width: Int?) -> [Int] {
        guard let width else { return priority.sorted() }
        var chosen: [Int] = [], used = 0
        for i in priority {
            let gap = chosen.isEmpty ? 0 : 2
            if chosen.isEmpty || used + gap + widths[i] <= width {
                chosen.append(i)
                used += gap + widths[i]
            } else if units[i] == .text, width - used - gap >= max(keys[i].count, minimumClippedWidth) {
                widths[i] = width - used - gap
                chosen.append(i)
                used = width
            }
        }
        return chosen.sorted()
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
            for i in r.applicableColumns {
                let c = r.columns[i]
                out += "| `\(c.key)` | \(r.applies(c.key, row: 0) ? cell(row[i].display(c.unit)) : "") |\n"
            }
        } else {
            // Every column, but one that applies to no row is dropped and inapplicable cells are blank.
            let shown = r.applicableColumns
            out += "| " + shown.map { cell(r.columns[$0].key) }.joined(separator: " | ") + " |\n"
            out += "|" + shown.map { TableRenderer.isNumeric(r.columns[$0].unit) ? "---:" : "---" }.joined(separator: "|") + "|\n"
            for (n, row) in r.rows.enumerated() {
                out += "| " + shown.map { r.applies(r.columns[$0].key, row: n) ? cell(row[$0].display(r.columns[$0].unit)) : "" }.joined(separator: " | ") + " |\n"
            }
        }
        if !r.notes.isEmpty { out += "\n" + r.notes.map { "- " + $0 }.joined(separator: "\n") + "\n" }
        return out
    }
}

extension String {
    /// Lines of at most `width` characters, broken at spaces (a longer word stays whole).
    func lines(width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        return lines + (current.isEmpty ? [] : [current])
    }

    var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
