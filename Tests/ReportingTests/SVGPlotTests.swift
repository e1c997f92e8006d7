// The SVG line chart: well-formed XML (parsed with Foundation's XMLParser), the expected series and
// legend entries, log axes when the data spans decades, escaping, and undrawable points.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Reporting

/// Collects elements, their attributes and text.
final class SVGCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [(classes: String, text: String)] = []
    private var stack: [(name: String, cls: String, text: String)] = []
    var root: String?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = name }
        elements.append((name, attributes))
        stack.append((name, attributes["class"] ?? "", ""))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let top = stack.removeLast()
        if top.name == "text" { texts.append((top.cls, top.text)) }
    }

    static func parse(_ svg: String) -> (ok: Bool, collector: SVGCollector) {
        let c = SVGCollector()
        let p = XMLParser(data: Data(svg.utf8))
        p.delegate = c
        let ok = p.parse()
        return (ok, c)
    }

    func seriesNames(class cls: String) -> [String] {
        elements.filter { $0.name == "g" && $0.attributes["class"] == cls }.compactMap { $0.attributes["data-series"] }
    }
    func tickTexts() -> [String] { texts.filter { $0.classes == "tick" }.map(\.text) }
}

@Suite("SVG line chart")
struct SVGPlotTests {
    let contexts: [Double] = [32768, 65536, 131072, 262144, 524288, 1_048_576]

    func chart() -> LineChart {
        LineChart(
            title: "Prefill time: yoco-3b vs transformer-3b",
            x: PlotAxis(label: "prompt tokens", format: .binary, ticks: contexts),
            y: PlotAxis(label: "prefill time (s)"),
            series: [
                PlotSeries(name: "yoco-3b", xs: contexts, ys: contexts.map { $0 * 1e-5 }),
                PlotSeries(name: "transformer-3b", xs: contexts, ys: contexts.map { $0 * $0 * 1e-10 }, dashed: true),
            ],
            caption: "H100 SXM, bf16, roofline model")
    }

    @Test("the document is well-formed and carries every series and legend entry")
    func wellFormed() throws {
        let (ok, c) = SVGCollector.parse(chart().svg())
        #expect(ok)
        #expect(c.root == "svg")
        #expect(c.seriesNames(class: "series") == ["yoco-3b", "transformer-3b"])
        #expect(c.seriesNames(class: "legend-entry") == ["yoco-3b", "transformer-3b"])
        #expect(c.elements.filter { $0.name == "polyline" }.count == 2)
        // 6 points per series, plus one marker per legend entry
        #expect(c.elements.filter { $0.attributes["class"] == "marker" }.count == 12 + 2)
        #expect(c.texts.contains { $0.classes == "x-label" && $0.text.contains("prompt tokens") })
        #expect(c.texts.contains { $0.classes == "y-label" && $0.text.contains("(s)") })
    }

    @Test("data spanning decades gets a log axis with power-of-ten ticks; given ticks are used as they are")
    func logAxes() {
        let (_, c) = SVGCollector.parse(chart().svg())
        // y spans 0.33 .. 110 s: more than two decades -> log, ticks 0.1, 1, 10, 100, 1000
        #expect(c.texts.contains { $0.classes == "y-label" && $0.text.hasSuffix("(log scale)") })
        let ticks = c.tickTexts()
        for t in ["32K", "64K", "128K", "256K", "512K", "1M", "0.1", "1", "10", "100", "1000"] {
            #expect(ticks.contains(t), "tick \(t)")
        }
        // a narrow range stays linear
        let narrow = LineChart(title: "t", x: PlotAxis(label: "x"), y: PlotAxis(label: "y"),
                               series: [PlotSeries(name: "s", xs: [1, 2, 3], ys: [10, 20, 30])])
        let (ok, n) = SVGCollector.parse(narrow.svg())
        #expect(ok)
        #expect(!n.texts.contains { $0.text.contains("log scale") })
        #expect(n.tickTexts().contains("0"))
    }

    @Test("names are escaped; undrawable points break the line instead of breaking the document")
    func escapingAndGaps() {
        let c = LineChart(
            title: "A <b> & \"c\"", x: PlotAxis(label: "x", scale: .log), y: PlotAxis(label: "y"),
            series: [
                PlotSeries(name: "a & <b>", xs: [1, 10, 100, 1000], ys: [1, .nan, 3, 4]),
                PlotSeries(name: "empty", points: []),
                PlotSeries(name: "non-positive x", xs: [0, -1], ys: [1, 2]),
            ])
        let (ok, p) = SVGCollector.parse(c.svg())
        #expect(ok)
        #expect(p.seriesNames(class: "series") == ["a & <b>", "empty", "non-positive x"])
        #expect(p.texts.contains { $0.classes == "title" && $0.text == "A <b> & \"c\"" })
        // three drawable points of the first series, one run of two (the NaN splits them)
        #expect(p.elements.filter { $0.attributes["class"] == "marker" }.count == 3 + 3)  // + one per legend entry
        #expect(p.elements.filter { $0.name == "polyline" }.count == 1)
    }

    @Test("coinciding series stay apart: each has its own marker, dashed ones their own dash pattern")
    func coinciding() throws {
        let ys = contexts.map { $0 * 1e-5 }
        let names = ["a", "b", "c", "d"]
        let c = LineChart(title: "t", x: PlotAxis(label: "x"), y: PlotAxis(label: "y"),
                          series: names.enumerated().map { PlotSeries(name: $1, xs: contexts, ys: ys, dashed: $0 >= 2) })
        let (ok, p) = SVGCollector.parse(c.svg())
        #expect(ok)
        let groups = p.elements.filter { $0.name == "g" && $0.attributes["class"] == "series" }
        let markers = groups.compactMap { $0.attributes["data-marker"] }
        #expect(markers.count == 4 && Set(markers).count == 4, "\(markers)")
        #expect(groups.map { $0.attributes["data-dash"] } == ["solid", "solid", "6 4", "2 3"])
        // every point of every series is drawn with its series' shape
        #expect(p.elements.filter { $0.name == "rect" && $0.attributes["class"] == "marker" }.count == contexts.count + 1)
    }

    @Test("long captions wrap at spaces")
    func captionWrap() {
        #expect("aa bb cc dd".lines(width: 5) == ["aa bb", "cc dd"])
        #expect("averyveryverylongword x".lines(width: 5) == ["averyveryverylongword", "x"])
        let long = String(repeating: "word ", count: 60)
        let c = LineChart(title: "t", x: PlotAxis(label: "x"), y: PlotAxis(label: "y"),
                          series: [PlotSeries(name: "s", xs: [1, 2], ys: [1, 2])], caption: long)
        let (ok, p) = SVGCollector.parse(c.svg())
        #expect(ok)
        let lines = p.texts.filter { $0.classes == "caption" }
        #expect(lines.count >= 2)
        #expect(lines.allSatisfy { $0.text.count <= 860 / 6 })
    }

    @Test("tick labels", arguments: [
        (TickFormat.binary, 32768.0, "32K"), (.binary, 1_048_576, "1M"), (.si, 2.5e9, "2.5G"),
        (.plain, 0.25, "0.25"), (.plain, 1234, "1234"), (.plain, 3e8, "3e8"), (.si, 999, "999"),
    ])
    func labels(format: TickFormat, value: Double, expected: String) {
        #expect(chart().label(value, format) == expected)
    }
}
