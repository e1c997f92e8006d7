// Regression gate: a baseline is a CSV of configurations (key columns) and metrics. Each metric
// declares, in code beside it, its unit, whether smaller is better, and its tolerance: exact for
// analytic figures (bytes), relative for measured ones (time, RSS). `compare` lists every
// difference beyond tolerance; the command turns a non-empty list into exit code 2.

/// How much a metric may move before it counts as a change.
public enum Tolerance: Sendable, Hashable {
    /// Any difference is a change (analytic, exact figures).
    case exact
    /// |new - old| / |old| beyond this fraction is a change (measured figures).
    case relative(Double)
}

public enum Direction: String, Sendable, Hashable {
    case smallerIsBetter = "smaller_is_better"
    case largerIsBetter = "larger_is_better"
}

/// One baseline metric and the rules for comparing it.
public struct BaselineMetric: Sendable, Hashable {
    public var key: String
    public var unit: ColumnUnit
    public var direction: Direction
    public var tolerance: Tolerance

    public init(_ key: String, _ unit: ColumnUnit, _ direction: Direction, _ tolerance: Tolerance) {
        self.key = key
        self.unit = unit
        self.direction = direction
        self.tolerance = tolerance
    }
}

/// One configuration of a baseline and its metric values as written.
public struct BaselineRow: Sendable, Hashable {
    public var key: [String]
    public var values: [String: String]
    /// The line of the file the row was read from (0 for a computed row), for error messages;
    /// not part of the row's identity.
    public var line: Int

    public init(key: [String], values: [String: String], line: Int = 0) {
        self.key = key
        self.values = values
        self.line = line
    }

    public static func == (a: Self, b: Self) -> Bool { a.key == b.key && a.values == b.values }
    public func hash(into h: inout Hasher) {
        h.combine(key)
        h.combine(values)
    }
}

/// A parsed baseline: key columns identify a row, metric columns hold numbers.
public struct BaselineTable: Sendable, Hashable {
    public var keyColumns: [String]
    public var metrics: [BaselineMetric]
    public var rows: [BaselineRow]

    public init(keyColumns: [String], metrics: [BaselineMetric], rows: [BaselineRow] = []) {
        self.keyColumns = keyColumns
        self.metrics = metrics
        self.rows = rows
    }

    /// The baseline as a report (CSV when rendered as such).
    public var report: Report {
        var r = Report(title: "", columns: keyColumns.map { Column($0, .text) } + metrics.map { Column($0.key, $0.unit) })
        for row in rows {
            r.append(row.key.map(Value.text) + metrics.map { m in row.values[m.key].map(Value.text) ?? .null })
        }
        return r
    }

    /// Parses CSV text whose header must hold `keyColumns` then every metric of `metrics` (any
    /// order). Errors name the line and the column.
    public static func parse(_ text: String, keyColumns: [String], metrics: [BaselineMetric]) throws(BaselineParseError) -> BaselineTable {
        let records: [[String]], lines: [Int]
        do { (records, lines) = try CSVReader.parseWithLines(text) } catch { throw BaselineParseError(reason: error.description) }
        guard let header = records.first else { throw BaselineParseError(reason: "the file is empty (no header row)") }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if index[name] != nil { throw BaselineParseError(reason: "line 1: column `\(name)` appears twice") }
            index[name] = i
        }
        for name in keyColumns + metrics.map(\.key) where index[name] == nil {
            throw BaselineParseError(reason: "line 1: the header lacks column `\(name)`")
        }
        var rows: [BaselineRow] = []
        var seen: Set<[String]> = []
        for (record, line) in zip(records.dropFirst(), lines.dropFirst()) {
            guard record.count == header.count else {
                throw BaselineParseError(reason: "line \(line): \(record.count) fields for \(header.count) columns")
            }
            let key = keyColumns.map { record[index[$0]!] }
            guard seen.insert(key).inserted else {
                throw BaselineParseError(reason: "line \(line): configuration \(key.joined(separator: ",")) appears twice")
            }
            var values: [String: String] = [:]
            for m in metrics {
                let v = record[index[m.key]!]
                guard v.isEmpty || Double(v) != nil else {
                    throw BaselineParseError(reason: "line \(line): `\(m.key)` must be a number; received \"\(v)\"")
                }
                values[m.key] = v
            }
            rows.append(BaselineRow(key: key, values: values, line: line))
        }
        return BaselineTable(keyColumns: keyColumns, metrics: metrics, rows: rows)
    }
}

public struct BaselineParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// One difference between a baseline and a fresh run.
public struct BaselineDifference: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case regression, improvement, changed
        case missingRow = "missing_row"
        case newRow = "new_row"
        /// A configuration of the configurations file that the baseline has no row for (the
        /// baseline was truncated, or emptied to its header).
        case notInBaseline = "not_in_baseline"
    }
    public var configuration: [String]
    public var metric: String
    public var kind: Kind
    public var baseline: String
    public var current: String
    /// (current - baseline) / baseline, when both are numbers and baseline != 0.
    public var relativeChange: Double?
}

public enum BaselineComparison {
    /// Every difference beyond tolerance, in baseline row order, then rows only in `current`.
    public static func compare(baseline: BaselineTable, current: BaselineTable) -> [BaselineDifference] {
        var diffs: [BaselineDifference] = []
        var currentByKey: [[String]: [String: String]] = [:]
        for r in current.rows { currentByKey[r.key] = r.values }
        let baselineKeys = Set(baseline.rows.map(\.key))
        for row in baseline.rows {
            guard let now = currentByKey[row.key] else {
                diffs.append(BaselineDifference(configuration: row.key, metric: "*", kind: .missingRow, baseline: "present", current: "absent"))
                continue
            }
            for m in baseline.metrics {
                let old = row.values[m.key] ?? "", new = now[m.key] ?? ""
                if let d = difference(m, old, new) {
                    diffs.append(BaselineDifference(configuration: row.key, metric: m.key, kind: d.0, baseline: old, current: new, relativeChange: d.1))
                }
            }
        }
        for row in current.rows where !baselineKeys.contains(row.key) {
            diffs.append(BaselineDifference(configuration: row.key, metric: "*", kind: .newRow, baseline: "absent", current: "present"))
        }
        return diffs
    }

    /// One `notInBaseline` difference per row of `configurations` whose key has no baseline row:
    /// a baseline truncated at a line boundary parses, and must still fail the gate.
    public static func uncovered(baseline: BaselineTable, configurations: BaselineTable, file: String) -> [BaselineDifference] {
        let present = Set(baseline.rows.map(\.key))
        return configurations.rows.filter { !present.contains($0.key) }.map {
            BaselineDifference(configuration: $0.key, metric: "*", kind: .notInBaseline, baseline: "absent", current: "\(file) line \($0.line)")
        }
    }

    /// nil when within tolerance. Integers compare exactly as integers (no rounding through Double).
    static func difference(_ m: BaselineMetric, _ old: String, _ new: String) -> (BaselineDifference.Kind, Double?)? {
        if old == new { return nil }
        guard let o = Double(old), let n = Double(new) else { return (.changed, nil) }
        let rel: Double? = o != 0 ? (n - o) / abs(o) : nil
        switch m.tolerance {
        case .exact:
            if let oi = Int128(old), let ni = Int128(new), oi == ni { return nil }
            if Int128(old) == nil && o == n { return nil }
        case .relative(let t):
            if o == n { return nil }
            if let rel, abs(rel) <= t { return nil }
        }
        let worse = m.direction == .smallerIsBetter ? n > o : n < o
        return (worse ? .regression : .improvement, rel)
    }
}
