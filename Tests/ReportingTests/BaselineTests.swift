import Reporting
import Testing

@Suite("Baseline comparison")
struct BaselineTests {
    static let metrics = [
        BaselineMetric("bytes", .bytes, .smallerIsBetter, .exact),
        // Measured figures carry a tolerance: 30% because timings here are noisy (BRIEF §5).
        BaselineMetric("seconds", .seconds, .smallerIsBetter, .relative(0.30)),
        BaselineMetric("tokens_per_second", .tokensPerSecond, .largerIsBetter, .relative(0.30)),
    ]

    static func table(_ rows: [([String], [String])]) -> BaselineTable {
        BaselineTable(keyColumns: ["model"], metrics: metrics, rows: rows.map {
            BaselineRow(key: $0.0, values: Dictionary(uniqueKeysWithValues: zip(["bytes", "seconds", "tokens_per_second"], $0.1)))
        })
    }

    @Test("Identical tables have no differences")
    func same() {
        let t = Self.table([(["a"], ["100", "1.0", "50"])])
        #expect(BaselineComparison.compare(baseline: t, current: t).isEmpty)
    }

    @Test("Exact metrics: one byte is a change; integers beyond 2^53 compare exactly")
    func exact() {
        let old = Self.table([(["a"], ["9007199254740993", "1.0", "50"])])
        let new = Self.table([(["a"], ["9007199254740992", "1.0", "50"])])
        let d = BaselineComparison.compare(baseline: old, current: new)
        #expect(d.map(\.metric) == ["bytes"])
        #expect(d.first?.kind == .improvement)
    }

    @Test("Relative tolerance and direction")
    func relative() {
        let old = Self.table([(["a"], ["100", "1.0", "50"])])
        // +20% seconds and -20% tokens/s are within 30%: no difference.
        #expect(BaselineComparison.compare(baseline: old, current: Self.table([(["a"], ["100", "1.2", "40"])])).isEmpty)
        // +50% seconds is a regression; +50% tokens/s an improvement.
        let d = BaselineComparison.compare(baseline: old, current: Self.table([(["a"], ["100", "1.5", "75"])]))
        #expect(d.map(\.kind) == [.regression, .improvement])
    }

    @Test("Missing and new rows are differences")
    func rows() {
        let old = Self.table([(["a"], ["1", "1", "1"]), (["b"], ["1", "1", "1"])])
        let new = Self.table([(["a"], ["1", "1", "1"]), (["c"], ["1", "1", "1"])])
        #expect(BaselineComparison.compare(baseline: old, current: new).map(\.kind) == [.missingRow, .newRow])
    }

    @Test("Parsing: header, field counts, numbers, duplicates", arguments: [
        ("", "empty"),
        ("model,bytes,seconds\n", "lacks column `tokens_per_second`"),
        ("model,bytes,seconds,tokens_per_second\na,1,2\n", "3 fields for 4 columns"),
        ("model,bytes,seconds,tokens_per_second\na,x,2,3\n", "`bytes` must be a number"),
        ("model,bytes,seconds,tokens_per_second\na,1,2,3\na,1,2,3\n", "appears twice"),
        ("model,bytes,seconds,tokens_per_second\n\"a,1,2,3\n", "not closed"),
    ])
    func parseErrors(text: String, expected: String) {
        #expect {
            _ = try BaselineTable.parse(text, keyColumns: ["model"], metrics: Self.metrics)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test("A baseline round-trips through CSV, quotes included")
    func roundTrip() throws {
        let t = Self.table([(["a,\"quoted\""], ["1", "0.5", "2"]), (["b"], ["3", "4", "5"])])
        let back = try BaselineTable.parse(t.report.rendered(as: .csv), keyColumns: ["model"], metrics: Self.metrics)
        #expect(back == t)
    }
}
