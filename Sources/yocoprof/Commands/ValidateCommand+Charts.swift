// validate's figures (issue 14 §1): per timed metric, the values against context, a parity plot
// (measured against predicted with the y = x line and a ±10% band) and the per-operator errors
// over the suite (median bar, min-max whisker). Axes fit the data; contexts read in K.

import Foundation
import Profiler
import Reporting

extension ValidateCommand {
    /// The files `charts` writes, in order.
    static let chartFiles = ["prefill.svg", "decode.svg", "parity-prefill.svg", "parity-decode.svg",
                             "operators-prefill.svg", "operators-decode.svg"]

    static func charts(_ records: [ValidationRecord]) -> [(file: String, svg: String)] {
        [("prefill.svg", chart(records, metric: "prefill_seconds", label: "prefill time (s)")),
         ("decode.svg", chart(records, metric: "decode_tokens_per_second", label: "decode rate (tokens/s)")),
         ("parity-prefill.svg", parity(records, metric: "prefill_seconds", label: "prefill time (s)")),
         ("parity-decode.svg", parity(records, metric: "decode_tokens_per_second", label: "decode rate (tokens/s)")),
         ("operators-prefill.svg", operatorErrors(records, phase: "prefill")),
         ("operators-decode.svg", operatorErrors(records, phase: "decode"))]
    }

    static func models(_ records: [ValidationRecord], metric: String) -> [String] {
        var seen: [String] = []
        for r in records where r.metric == metric && !seen.contains(r.modelID) { seen.append(r.modelID) }
        return seen
    }

    /// Measured (solid) and predicted (dashed) against context, one pair of lines per model.
    static func chart(_ records: [ValidationRecord], metric: String, label: String) -> String {
        var series: [PlotSeries] = []
        for id in models(records, metric: metric) {
            let rs = records.filter { $0.metric == metric && $0.modelID == id }.sorted { $0.contextTokens < $1.contextTokens }
            series.append(PlotSeries(name: "\(id) measured", xs: rs.map { Double($0.contextTokens) }, ys: rs.map { $0.measured ?? .nan }))
            series.append(PlotSeries(name: "\(id) predicted", xs: rs.map { Double($0.contextTokens) }, ys: rs.map { $0.predicted ?? .nan }, dashed: true))
        }
        let contexts = Array(Set(records.filter { $0.metric == metric }.map { Double($0.contextTokens) })).sorted()
        return LineChart(title: "Predicted against measured: \(label)",
                         x: PlotAxis(label: "prompt tokens", scale: .log, format: .binary, ticks: contexts),
                         y: PlotAxis(label: label, scale: .log, fitsData: true), series: series, width: 1040,
                         caption: "solid: measured on this host (median of repeats); dashed: the cost model on the calibrated host profile").svg()
    }

    /// Measured against predicted, one marker per case, with y = x and the ±10% band.
    static func parity(_ records: [ValidationRecord], metric: String, label: String) -> String {
        let rs = records.filter { $0.metric == metric && ($0.predicted ?? 0) > 0 && ($0.measured ?? 0) > 0 }
        var series = models(records, metric: metric).map { id in
            PlotSeries(name: id, points: rs.filter { $0.modelID == id }.map { PlotPoint(x: $0.predicted!, y: $0.measured!) }, markersOnly: true)
        }
        let values = rs.flatMap { [$0.predicted!, $0.measured!] }
        if let lo = values.min(), let hi = values.max() {
            let ends = [lo / 1.15, hi * 1.15]
            series.append(PlotSeries(name: "y = x", points: ends.map { PlotPoint(x: $0, y: $0) }, lineOnly: true))
            series.append(PlotSeries(name: "+10%", points: ends.map { PlotPoint(x: $0, y: 1.1 * $0) }, dashed: true, lineOnly: true))
            series.append(PlotSeries(name: "-10%", points: ends.map { PlotPoint(x: $0, y: 0.9 * $0) }, dashed: true, lineOnly: true))
        }
        return LineChart(title: "Parity: \(label)", x: PlotAxis(label: "predicted \(label)", scale: .log, fitsData: true),
                         y: PlotAxis(label: "measured \(label)", scale: .log, fitsData: true), series: series, width: 900, height: 640,
                         caption: "one marker per configuration (median of repeats); on the y = x line the prediction is exact; dashed: ±10%").svg()
    }

    /// Signed relative error per operator over the suite: median bar, min-max whisker.
    static func operatorErrors(_ records: [ValidationRecord], phase: String) -> String {
        let prefix = "\(phase)_seconds."
        var order: [String] = []
        var errors: [String: [Double]] = [:]
        for r in records where r.metric.hasPrefix(prefix) {
            guard let e = r.relativeError else { continue }
            let name = String(r.metric.dropFirst(prefix.count))
            if errors[name] == nil { order.append(name) }
            errors[name, default: []].append(e)
        }
        let rows = order.map { name -> ErrorBarRow in
            let e = errors[name]!
            return ErrorBarRow(name: name, median: Spread(e).median, min: e.min()!, max: e.max()!)
        }
        return ErrorBarChart(title: "Per-operator \(phase) time error over the suite", rows: rows, band: 0.1,
                             caption: "each operator's kernel time (laps around it) against the roofline's seconds for it; green: median within ±10%").svg()
    }
}
