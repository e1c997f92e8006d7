// The validation figures' pieces: log axes that fit the data (not whole decades), scatter and
// reference-line series, and the per-operator error bars.
import Foundation
import Testing
@testable import Reporting

@Suite("Validation figures")
struct ValidationFigureTests {
    @Test("a fitted log axis spans the data with 1-2-5 ticks, not the padded decades")
    func fittedLogAxis() {
        let chart = LineChart(title: "t", x: PlotAxis(label: "prompt tokens", scale: .log, format: .binary, ticks: [1024, 4096, 16384]),
                              y: PlotAxis(label: "s", scale: .log, fitsData: true),
                              series: [PlotSeries(name: "a", xs: [1024, 4096, 16384], ys: [0.15, 0.6, 3.1])])
        let (ok, c) = SVGCollector.parse(chart.svg())
        #expect(ok)
        let ticks = c.tickTexts()
        #expect(ticks.contains("1K") && ticks.contains("4K") && ticks.contains("16K"))
        #expect(!ticks.contains("100K") && !ticks.contains("1000"))
        // 0.15 .. 3.1 s: ticks 0.2, 0.5, 1, 2 inside; the decade ends 0.1 and 10 are outside the span
        for t in ["0.2", "0.5", "1", "2"] { #expect(ticks.contains(t), "tick \(t)") }
        #expect(!ticks.contains("0.1") && !ticks.contains("10"))
    }

    @Test("markers-only series draw no line; line-only series draw no markers; the legend follows")
    func scatterAndReferenceLines() {
        let chart = LineChart(title: "parity", x: PlotAxis(label: "predicted", scale: .log, fitsData: true),
                              y: PlotAxis(label: "measured", scale: .log, fitsData: true), series: [
                                  PlotSeries(name: "cases", points: [PlotPoint(x: 1, y: 1.2), PlotPoint(x: 2, y: 1.9)], markersOnly: true),
                                  PlotSeries(name: "y = x", points: [PlotPoint(x: 0.8, y: 0.8), PlotPoint(x: 2.5, y: 2.5)], lineOnly: true),
                              ])
        let svg = chart.svg()
        #expect(SVGCollector.parse(svg).ok)
        func group(_ name: String) -> Substring {
            let start = svg.range(of: "<g class=\"series\" data-series=\"\(name)\"")!.lowerBound
            return svg[start..<svg[start...].range(of: "</g>")!.upperBound]
        }
        #expect(!group("cases").contains("<polyline") && group("cases").contains("class=\"marker\""))
        #expect(group("y = x").contains("<polyline") && !group("y = x").contains("class=\"marker\""))
    }

    @Test("error bars: one row per name with its median, min and max; the axis covers the data and the band")
    func errorBars() {
        let chart = ErrorBarChart(title: "ops", rows: [
            ErrorBarRow(name: "gret.core", median: 0.35, min: 0.2, max: 0.6),
            ErrorBarRow(name: "head <x>", median: -0.05, min: -0.08, max: 0.01),
        ])
        let (ok, c) = SVGCollector.parse(chart.svg())
        #expect(ok)
        let rows = c.elements.filter { $0.name == "g" && $0.attributes["class"] == "row" }
        #expect(rows.map { $0.attributes["data-name"] } == ["gret.core", "head <x>"])
        #expect(rows.first?.attributes["data-max"] == "0.6")
        let ticks = c.tickTexts()
        #expect(ticks.contains("-10%") && ticks.contains("60%") && ticks.contains("0%"))
    }
}
