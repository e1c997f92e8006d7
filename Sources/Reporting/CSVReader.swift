// An RFC 4180 reader: fields separated by commas, quoted with double quotes (a doubled quote is a
// literal quote), records separated by LF or CRLF. The counterpart of CSVRenderer.

public struct CSVError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

public enum CSVReader {
    /// Parses `text` into records of fields. Blank lines are skipped.
    public static func parse(_ text: String) throws(CSVError) -> [[String]] { try parseWithLines(text).records }

    /// The records and the line each starts on.
    public static func parseWithLines(_ text: String) throws(CSVError) -> (records: [[String]], lines: [Int]) {
        var records: [[String]] = []
        var lines: [Int] = []
        var recordLine = 1
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var line = 1
        var chars = Array(text.unicodeScalars)[...]
        func endRecord() {
            record.append(field)
            if !(record.count == 1 && record[0].isEmpty && !fieldWasQuoted) {
                records.append(record)
                lines.append(recordLine)
            }
            record = []
            field = ""
            fieldWasQuoted = false
        }
        while let c = chars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if chars.first == "\"" { chars.removeFirst(); field.unicodeScalars.append("\"") } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else { throw CSVError(line: line, reason: "a quote inside an unquoted field") }
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\r":
                if chars.first == "\n" { continue }
                endRecord()
                line += 1
                recordLine = line
            case "\n":
                endRecord()
                line += 1
                recordLine = line
            default:
                if fieldWasQuoted { throw CSVError(line: line, reason: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw CSVError(line: line, reason: "a quoted field is not closed") }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted { endRecord() }
        return (records, lines)
    }
}
