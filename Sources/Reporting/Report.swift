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
    /// The narrow set a table shows by default, most important first (it keeps as many as fit the
    /// width, in column order); nil = every column. CSV and JSON always have every column.
    public var summaryKeys: [String]?
    /// Per row, the keys that do not apply to it (a Transformer has no recurrent state): tables and
    /// markdown leave those cells blank, drop a column that applies to no row (unless it was picked,
    /// `columnsPicked`), and a single result drops the line. CSV and JSON keep the value (0), so the
    /// schema stays the same for every row.
    public var inapplicable: [Set<String>]
    /// The columns were picked by name (`--columns`): each is shown even where it applies to no
    /// row (its cells blank), since dropping what was asked for would print an empty table.
    public var columnsPicked = false

    public init(title: String, columns: [Column], rows: [[Value]] = [], notes: [String] = [], isSingle: Bool = false,
                summaryKeys: [String]? = nil) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.notes = notes
        self.isSingle = isSingle
        self.summaryKeys = summaryKeys
        self.inapplicable = rows.map { _ in [] }
    }

    /// Appends a row; its cells must follow `columns`.
    public mutating func append(_ row: [Value], inapplicable keys: Set<String> = []) {
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
        inapplicable.append(keys)
    }

    /// Whether `key` applies to row `row`.
    func applies(_ key: String, row: Int) -> Bool {
        !(row < inapplicable.count && inapplicable[row].contains(key))
    }

    /// Indices of the columns that apply to at least one row (every column of an empty report, or
    /// of one whose columns were picked by name).
    var applicableColumns: [Int] {
        columns.indices.filter { i in columnsPicked || rows.isEmpty || rows.indices.contains { applies(columns[i].key, row: $0) } }
    }

    /// Keys of `keys` that name no column.
    public func unknownKeys(_ keys: [String]) -> [String] {
        keys.filter { k in !columns.contains { $0.key == k } }
    }

    /// The report with only `keys`, in that order (every format). Unknown keys are skipped: check
    /// them with `unknownKeys` first.
    public func selecting(_ keys: [String]) -> Report {
        let indices = keys.compactMap { k in columns.firstIndex { $0.key == k } }
        var r = Report(title: title, columns: indices.map { columns[$0] }, notes: notes, isSingle: isSingle)
        r.columnsPicked = true
        for (i, row) in rows.enumerated() {
            r.append(indices.map { row[$0] }, inapplicable: i < inapplicable.count ? inapplicable[i] : [])
        }
        return r
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

/// How a table is laid out on a terminal.
public struct TableLayout: Sendable, Hashable {
    /// Every column, not the narrow default set fitted to the width.
    public var wide: Bool
    /// The widest line a table may print (the terminal's width); nil = no limit.
    public var width: Int?

    public init(wide: Bool = false, width: Int? = nil) {
        self.wide = wide
        self.width = width
    }
}

extension Report {
    public func rendered(as format: OutputFormat, layout: TableLayout = TableLayout()) -> String {
        switch format {
        case .table: TableRenderer.render(self, layout: layout)
        case .csv: CSVRenderer.render(self)
        case .json: JSONRenderer.render(self)
        case .markdown: MarkdownRenderer.render(self)
        }
    }
}
