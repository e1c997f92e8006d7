// Relative errors per category (one row each): a bar to the median and a whisker from the minimum
// to the maximum, with reference lines at 0 and at ±`band`. validate draws its per-operator errors
// with it, so the operator that carries a phase's error is visible at a glance.
//
// Structure (tests may rely on it):
//   <svg class="error-bars">
//     <text class="title">, <text class="x-label">
//     <g class="band"> (the ±band lines)   <g class="x-ticks"> <text class="tick">...
//     <g class="row" data-name="NAME" data-median="M" data-min="A" data-max="B"> <rect/> <line/> <text/> </g> ...

import Foundation

public struct ErrorBarRow: Sendable, Hashable {
    public var name: String
    /// Relative errors as fractions (0.1 = 10%).
    public var median: Double
    public var min: Double
    public var max: Double

    public init(name: String, median: Double, min: Double, max: Double) {
        self.name = name
        self.median = median
        self.min = min
        self.max = max
    }
}

public struct ErrorBarChart: Sendable, Hashable {
    public var title: String
    public var rows: [ErrorBarRow]
    /// The ±band drawn as dashed lines (0.1 = ±10%).
    public var band: Double
    public var caption: String?
    public var width: Int

    public init(title: String, rows: [ErrorBarRow], band: Double = 0.1, caption: String? = nil, width: Int = 900) {
        self.title = title
        self.rows = rows
        self.band = band
        self.caption = caption
        self.width = width
    }

    public func svg() -> String {
        let finite = rows.flatMap { [$0.min, $0.max, $0.median] }.filter(\.isFinite)
        // The axis spans the data and the band, in steps of 10% (20%, 50% beyond ±100%).
        var lo = Swift.min(-band, finite.min() ?? 0), hi = Swift.max(band, finite.max() ?? 0)
        let span = hi - lo
        let step = span <= 1 ? 0.1 : span <= 2.5 ? 0.25 : span <= 5 ? 0.5 : (span / 10).rounded(.up)
        lo = (lo / step).rounded(.down) * step
        hi = (hi / step).rounded(.up) * step
        let longest = Double(rows.map(\.name.count).max() ?? 0)
        let left = 24 + 7.2 * longest, right = 40.0, top = caption == nil ? 48.0 : 64.0, rowH = 22.0
        let height = Int(top + rowH * Double(Swift.max(rows.count, 1)) + 64)
        let pw = Double(width) - left - right, ph = rowH * Double(Swift.max(rows.count, 1))
        func px(_ v: Double) -> Double { left + (v - lo) / (hi - lo) * pw }

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"error-bars\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "<title>\(esc(title))</title>\n<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        out += "<text class=\"title\" x=\"\(f(Double(width) / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(esc(title))</text>\n"
        if let caption {
            out += "<text class=\"caption\" x=\"\(f(Double(width) / 2))\" y=\"42\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555555\">\(esc(caption))</text>\n"
        }
        out += "<rect class=\"plot-area\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333333\"/>\n"
        out += "<g class=\"x-ticks\" text-anchor=\"middle\">\n"
        var t = lo
        while t <= hi + step * 1e-9 {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(top + ph))\" stroke=\"#e0e0e0\"/>"
            out += "<text class=\"tick\" x=\"\(f(px(t)))\" y=\"\(f(top + ph + 18))\">\(Int((100 * t).rounded()))%</text>\n"
            t += step
        }
        out += "</g>\n<g class=\"band\" stroke=\"#555555\" stroke-dasharray=\"6 4\">\n"
        for v in [-band, band] { out += "<line x1=\"\(f(px(v)))\" y1=\"\(f(top))\" x2=\"\(f(px(v)))\" y2=\"\(f(top + ph))\"/>\n" }
        out += "</g>\n<line class=\"zero\" x1=\"\(f(px(0)))\" y1=\"\(f(top))\" x2=\"\(f(px(0)))\" y2=\"\(f(top + ph))\" stroke=\"#000000\"/>\n"
        for (i, r) in rows.enumerated() {
            let cy = top + rowH * (Double(i) + 0.5)
            let inBand = abs(r.median) <= band
            out += "<g class=\"row\" data-name=\"\(esc(r.name))\" data-median=\"\(r.median)\" data-min=\"\(r.min)\" data-max=\"\(r.max)\">"
            out += "<text x=\"\(f(left - 6))\" y=\"\(f(cy + 4))\" text-anchor=\"end\">\(esc(r.name))</text>"
            if r.median.isFinite {
                let a = px(Swift.min(0, r.median)), b = px(Swift.max(0, r.median))
                out += "<rect x=\"\(f(a))\" y=\"\(f(cy - 6))\" width=\"\(f(Swift.max(1, b - a)))\" height=\"12\" fill=\"\(inBand ? "#009E73" : "#D55E00")\" fill-opacity=\"0.7\"><title>\(esc(r.name)): median \(pct(r.median)), min \(pct(r.min)), max \(pct(r.max))</title></rect>"
            }
            if r.min.isFinite && r.max.isFinite {
                out += "<line x1=\"\(f(px(r.min)))\" y1=\"\(f(cy))\" x2=\"\(f(px(r.max)))\" y2=\"\(f(cy))\" stroke=\"#000000\" stroke-width=\"1.5\"/>"
                for v in [r.min, r.max] { out += "<line x1=\"\(f(px(v)))\" y1=\"\(f(cy - 5))\" x2=\"\(f(px(v)))\" y2=\"\(f(cy + 5))\" stroke=\"#000000\" stroke-width=\"1.5\"/>" }
            }
            out += "</g>\n"
        }
        out += "<text class=\"x-label\" x=\"\(f(left + pw / 2))\" y=\"\(f(top + ph + 44))\" text-anchor=\"middle\" font-size=\"13\">(measured - predicted) / predicted: bar to the median, whisker min to max; dashed: ±\(Int((100 * band).rounded()))%</text>\n"
        out += "</svg>\n"
        return out
    }

    private func pct(_ v: Double) -> String { v.isFinite ? "\(Int((100 * v).rounded()))%" : "n/a" }
    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&apos;")
    }
}
