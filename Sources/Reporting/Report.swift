// A report: typed columns (snake_case keys with units in the name) and rows of typed values, rendered
// as a table, CSV, JSON or markdown. Values keep base units (bytes, FLOPs, seconds); only the table
// and markdown renderers convert for display.

/// What a column measures; decides how a table shows it.
public enum ColumnUnit: Sendable, Hashable {
    case bytes
    case tokens
    case flops
    case seconds
    case tokensPerSecond
    case bytesPerSecond
    case flopsPerSecond
    case count
    case ratio
    case text
}

public struct Column: Sendable, Hashable {
    /// snake_case key with the unit in the name (`kv_cache_bytes`): the CSV header and JSON key.
    public var key: String
    public var unit: ColumnUnit

    public init(_ key: String, _ unit: ColumnUnit) {
        self.key = key
        self.unit = unit
    }
}

/// One cell.
public enum Value: Sendable, Hashable {
    case int(Int128)
    case double(Double)
    case text(String)
    case bool(Bool)
    case null
}

public struct Report: Sendable, Hashable {
    public var title: String
    public var columns: [Column]
    public var rows: [[Value]]
    /// Lines printed under a table or markdown report (assumptions, sources); not in CSV/JSON.
    public var notes: [String]
    /// A single result: JSON prints one object instead of an array, tables print key/value pairs.
    public var isSingle: Bool

    public init(title: String, columns: [Column], rows: [[Value]] = [], notes: [String] = [], isSingle: Bool = false) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
        self.isSingle = isSingle
    }

    /// Appends a row; its cells must follow `columns`.
    public mutating func append(_ row: [Value]) {
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The value of `key` in row `row` (tests and joins).
    public func value(_ key: String, row: Int = 0) -> Value? {
        guard let i = columns.firstIndex(where: { $0.key == key }), row < rows.count else { return nil }
        return rows[row][i]
    }
}

/// The output formats of every report command (BRIEF §4).
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, csv, json, markdown
}

extension Report {
    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .table: TableRenderer.render(self)
        case .csv: CSVRenderer.render(self)
        case .json: JSONRenderer.render(self)
        case .markdown: MarkdownRenderer.render(self)
        }
    }
}
