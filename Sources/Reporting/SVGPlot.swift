// A small dependency-free SVG line-chart writer: named series, linear or log axes (chosen
// automatically when the data spans two decades or more), tick labels, axis labels with units and a
// legend. The output is one self-contained <svg> document, readable in any browser.
//
// Structure (tests and scripts may rely on it):
//   <svg class="line-chart">
//     <text class="title">, <text class="x-label">, <text class="y-label">
//     <g class="grid"> ... <g class="x-ticks"> <text class="tick">...  <g class="y-ticks"> ...
//     <g class="series" data-series="NAME" data-marker="SHAPE" data-dash="PATTERN|solid">
//        <polyline/>... then one hollow marker (class="marker") per point </g>   one per series
//     <g class="legend"> <g class="legend-entry" data-series="NAME"> <line/> <marker/> <text>NAME</text> </g>... </g>
// Points that cannot be drawn (NaN, infinite, or <= 0 on a log axis) are left out and break the line.

import Foundation

/// How an axis maps values to pixels.
public enum AxisScale: String, Sendable, Hashable {
    case linear, log
    /// Log when every value is positive and max/min >= 100, else linear.
    case auto
}

/// How tick values are written.
public enum TickFormat: Sendable, Hashable {
    /// 1.5, 20, 3000, 1.2e+07 (compact decimal).
    case plain
    /// Decimal SI suffixes: 2k, 1.5M, 3G.
    case si
    /// Binary token counts: 32K, 1M (K = 1024), as the command line writes contexts.
    case binary
}

public struct PlotAxis: Sendable, Hashable {
    /// The label, units included ("prompt tokens", "memory (GiB)").
    public var label: String
    public var scale: AxisScale
    public var format: TickFormat
    /// Tick positions; nil = chosen automatically.
    public var ticks: [Double]?
    /// A log axis spans the data (5% margin) with 1-2-5 ticks instead of whole decades.
    public var fitsData: Bool

    public init(label: String, scale: AxisScale = .auto, format: TickFormat = .plain, ticks: [Double]? = nil, fitsData: Bool = false) {
        self.label = label
        self.scale = scale
        self.format = format
        self.ticks = ticks
        self.fitsData = fitsData
    }
}

public struct PlotSeries: Sendable, Hashable {
    public var name: String
    public var points: [PlotPoint]
    public var dashed: Bool
    /// Markers only, no line between the points (a scatter, e.g. a parity plot's cases).
    public var markersOnly: Bool
    /// A line only, no markers (a reference line: y = x, a ±10% band edge).
    public var lineOnly: Bool

    public init(name: String, points: [PlotPoint], dashed: Bool = false, markersOnly: Bool = false, lineOnly: Bool = false) {
        self.name = name
        self.points = points
        self.dashed = dashed
        self.markersOnly = markersOnly
        self.lineOnly = lineOnly
    }

    public init(name: String, xs: [Double], ys: [Double], dashed: Bool = false) {
        self.init(name: name, points: zip(xs, ys).map { PlotPoint(x: $0, y: $1) }, dashed: dashed)
    }
}

public struct PlotPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

public struct LineChart: Sendable, Hashable {
    public var title: String
    public var x: PlotAxis
    public var y: PlotAxis
    public var series: [PlotSeries]
    public var width: Int
    public var height: Int
    /// A line under the title (assumptions, source).
    public var caption: String?

    public init(title: String, x: PlotAxis, y: PlotAxis, series: [PlotSeries], width: Int = 860, height: Int = 500, caption: String? = nil) {
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.width = width
        self.height = height
        self.caption = caption
    }

    /// Colour-blind-safe palette (Okabe-Ito).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// The whole SVG document.
    public func svg() -> String {
        let xScale = resolvedScale(x.scale, series.flatMap { $0.points.map(\.x) })
        let yScale = resolvedScale(y.scale, series.flatMap { $0.points.map(\.y) })
        let xr = AxisMap(values: series.flatMap { $0.points.map(\.x) }, scale: xScale, ticks: x.ticks, fitsData: x.fitsData)
        let yr = AxisMap(values: series.flatMap { $0.points.map(\.y) }, scale: yScale, ticks: y.ticks, fitsData: y.fitsData)

        let captionLines = caption.map { $0.lines(width: max(40, width / 6)) } ?? []
        // The legend column is as wide as its longest name (about 7 px per character at 12 px).
        let longest = Double(series.map(\.name.count).max() ?? 0)
        let left = 84.0, right = max(200.0, 56 + 7.2 * longest), top = 48.0 + 14.0 * Double(captionLines.count), bottom = 64.0
        let pw = Double(width) - left - right, ph = Double(height) - top - bottom
        func px(_ v: Double) -> Double { left + xr.unit(v) * pw }
        func py(_ v: Double) -> Double { top + (1 - yr.unit(v)) * ph }

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"line-chart\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        out += "<title>\(escape(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        out += "<text class=\"title\" x=\"\(fmt(left + pw / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(escape(title))</text>\n"
        for (i, line) in captionLines.enumerated() {
            out += "<text class=\"caption\" x=\"\(fmt(Double(width) / 2))\" y=\"\(42 + 14 * i)\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555555\">\(escape(line))</text>\n"
        }
        // grid and ticks
        out += "<g class=\"grid\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n"
        for t in xr.ticks { out += "<line x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(top + ph))\"/>\n" }
        for t in yr.ticks { out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(left + pw))\" y2=\"\(fmt(py(t)))\"/>\n" }
        out += "</g>\n"
        out += "<rect class=\"plot-area\" x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(pw))\" height=\"\(fmt(ph))\" fill=\"none\" stroke=\"#333333\"/>\n"
        out += "<g class=\"x-ticks\" text-anchor=\"middle\">\n"
        for t in xr.ticks {
            out += "<line x1=\"\(fmt(px(t)))\" y1=\"\(fmt(top + ph))\" x2=\"\(fmt(px(t)))\" y2=\"\(fmt(top + ph + 5))\" stroke=\"#333333\"/>"
            out += "<text class=\"tick\" x=\"\(fmt(px(t)))\" y=\"\(fmt(top + ph + 19))\">\(escape(label(t, x.format)))</text>\n"
        }
        out += "</g>\n<g class=\"y-ticks\" text-anchor=\"end\">\n"
        for t in yr.ticks {
            out += "<line x1=\"\(fmt(left - 5))\" y1=\"\(fmt(py(t)))\" x2=\"\(fmt(left))\" y2=\"\(fmt(py(t)))\" stroke=\"#333333\"/>"
            out += "<text class=\"tick\" x=\"\(fmt(left - 8))\" y=\"\(fmt(py(t) + 4))\">\(escape(label(t, y.format)))</text>\n"
        }
        out += "</g>\n"
        let xSuffix = xScale == .log ? " (log scale)" : "", ySuffix = yScale == .log ? " (log scale)" : ""
        out += "<text class=\"x-label\" x=\"\(fmt(left + pw / 2))\" y=\"\(fmt(Double(height) - 18))\" text-anchor=\"middle\" font-size=\"13\">\(escape(x.label + xSuffix))</text>\n"
        out += "<text class=\"y-label\" transform=\"translate(20 \(fmt(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">\(escape(y.label + ySuffix))</text>\n"

        // series: each has its colour, its marker shape and (when dashed) its dash pattern, so two
        // series that coincide stay told apart: hollow markers of different shapes overlap visibly
        // and a solid line shows through the gaps of a dashed one drawn over it.
        let styles = seriesStyles()
        for (i, s) in series.enumerated() {
            let style = styles[i]
            let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<g class=\"series\" data-series=\"\(escape(s.name))\" data-marker=\"\(style.marker.rawValue)\" data-dash=\"\(style.dash ?? "solid")\" stroke=\"\(style.colour)\" fill=\"#ffffff\">\n"
            var run: [String] = []
            func flush() {
                if run.count > 1 && !s.markersOnly { out += "<polyline fill=\"none\" stroke-width=\"2\"\(dash) points=\"\(run.joined(separator: " "))\"/>\n" }
                run = []
            }
            var markers = ""
            for p in s.points {
                guard xr.drawable(p.x), yr.drawable(p.y) else { flush(); continue }
                let (cx, cy) = (px(p.x), py(p.y))
                run.append("\(fmt(cx)),\(fmt(cy))")
                if s.lineOnly { continue }
                markers += style.marker.svg(x: cx, y: cy, fmt: fmt, title: "\(escape(s.name)): \(escape(label(p.x, x.format))), \(escape(label(p.y, y.format)))") + "\n"
            }
            flush()
            out += markers + "</g>\n"
        }
        // legend
        out += "<g class=\"legend\">\n"
        for (i, s) in series.enumerated() {
            let style = styles[i]
            let ly = top + 12 + Double(i) * 20, lx = left + pw + 16
            let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<g class=\"legend-entry\" data-series=\"\(escape(s.name))\" stroke=\"\(style.colour)\" fill=\"#ffffff\">"
            if !s.markersOnly { out += "<line x1=\"\(fmt(lx))\" y1=\"\(fmt(ly))\" x2=\"\(fmt(lx + 24))\" y2=\"\(fmt(ly))\" stroke-width=\"2\"\(dash)/>" }
            if !s.lineOnly { out += style.marker.svg(x: lx + 12, y: ly, fmt: fmt, title: nil) }
            out += "<text x=\"\(fmt(lx + 30))\" y=\"\(fmt(ly + 4))\" stroke=\"none\" fill=\"#000000\">\(escape(s.name))</text></g>\n"
        }
        out += "</g>\n</svg>\n"
        return out
    }

    /// Dash patterns given to dashed series in turn.
    static let dashPatterns = ["6 4", "2 3", "10 3 2 3", "12 5"]

    /// Colour, marker and dash of each series: colours and markers in turn; dashed series take the
    /// dash patterns in turn, solid ones stay solid.
    func seriesStyles() -> [SeriesStyle] {
        var dashed = 0
        return series.enumerated().map { i, s in
            let dash = s.dashed ? Self.dashPatterns[dashed % Self.dashPatterns.count] : nil
            if s.dashed { dashed += 1 }
            return SeriesStyle(colour: Self.palette[i % Self.palette.count],
                               marker: MarkerShape.allCases[i % MarkerShape.allCases.count], dash: dash)
        }
    }

    func resolvedScale(_ s: AxisScale, _ values: [Double]) -> AxisScale {
        guard s == .auto else { return s }
        let v = values.filter { $0.isFinite }
        guard let lo = v.min(), let hi = v.max(), lo > 0 else { return .linear }
        return hi / lo >= 100 ? .log : .linear
    }

    func label(_ v: Double, _ f: TickFormat) -> String {
        switch f {
        case .plain: return compact(v)
        case .si:
            let units: [(Double, String)] = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
            for (k, s) in units where abs(v) >= k { return compact(v / k) + s }
            return compact(v)
        case .binary:
            let units: [(Double, String)] = [(1_099_511_627_776, "T"), (1_073_741_824, "G"), (1_048_576, "M"), (1024, "K")]
            for (k, s) in units where abs(v) >= k { return compact(v / k) + s }
            return compact(v)
        }
    }

    /// Up to 3 significant digits, no trailing zeros.
    func compact(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e7 || a < 1e-3 {
            let e = Int(floor(log10(a)))
            return compact(v / pow10(e)) + "e" + String(e)
        }
        let digits = max(0, 2 - Int(floor(log10(a))))
        var s = fixed(v, digits)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    func fixed(_ v: Double, _ digits: Int) -> String {
        let scale = pow10(digits)
        let r = (abs(v) * scale).rounded()
        let whole = Int(r / scale), frac = Int(r.truncatingRemainder(dividingBy: scale))
        var s = (v < 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return s
    }

    func fmt(_ v: Double) -> String { fixed(v, 1) }

    func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            default: o.append(c)
            }
        }
        return o
    }
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
}

/// How one series is drawn.
struct SeriesStyle: Hashable {
    var colour: String
    var marker: MarkerShape
    /// An SVG stroke-dasharray, nil for a solid line.
    var dash: String?
}

/// Hollow point markers, one shape per series in turn.
enum MarkerShape: String, CaseIterable {
    case circle, square, triangle, diamond, cross, downTriangle = "down-triangle"

    /// The marker centred on (x, y), with a tooltip when `title` is given.
    func svg(x: Double, y: Double, fmt: (Double) -> String, title: String?) -> String {
        let tip = title.map { "<title>\($0)</title>" } ?? ""
        func poly(_ pts: [(Double, Double)]) -> String {
            "<polygon class=\"marker\" stroke-width=\"1.5\" points=\"\(pts.map { "\(fmt(x + $0.0)),\(fmt(y + $0.1))" }.joined(separator: " "))\">\(tip)</polygon>"
        }
        switch self {
        case .circle:
            return "<circle class=\"marker\" stroke-width=\"1.5\" cx=\"\(fmt(x))\" cy=\"\(fmt(y))\" r=\"3.5\">\(tip)</circle>"
        case .square:
            return "<rect class=\"marker\" stroke-width=\"1.5\" x=\"\(fmt(x - 3.2))\" y=\"\(fmt(y - 3.2))\" width=\"6.4\" height=\"6.4\">\(tip)</rect>"
        case .triangle: return poly([(0, -4.5), (4, 3), (-4, 3)])
        case .diamond: return poly([(0, -4.8), (4.8, 0), (0, 4.8), (-4.8, 0)])
        case .downTriangle: return poly([(0, 4.5), (4, -3), (-4, -3)])
        case .cross:
            return "<path class=\"marker\" stroke-width=\"1.8\" d=\"M\(fmt(x - 4)) \(fmt(y - 4))L\(fmt(x + 4)) \(fmt(y + 4))M\(fmt(x - 4)) \(fmt(y + 4))L\(fmt(x + 4)) \(fmt(y - 4))\">\(tip)</path>"
        }
    }
}

/// Maps one axis's values to [0, 1].
private struct AxisMap {
    var scale: AxisScale
    var lo: Double
    var hi: Double
    var ticks: [Double]

    init(values: [Double], scale: AxisScale, ticks given: [Double]?, fitsData: Bool = false) {
        self.scale = scale
        var v = values.filter { $0.isFinite && (scale != .log || $0 > 0) }
        if let given { v += given.filter { $0.isFinite && (scale != .log || $0 > 0) } }
        var lo = v.min() ?? (scale == .log ? 1 : 0), hi = v.max() ?? (scale == .log ? 10 : 1)
        if scale == .linear && lo > 0 && lo < hi * 0.5 { lo = 0 }  // start counts and sizes at zero
        if hi <= lo {
            if scale == .log { lo /= 2; hi *= 2 } else { lo -= 1; hi += 1 }
        }
        if scale == .log && fitsData && given == nil {
            // the data's own span, 5% of it (in log space) as margin, ticks at 1, 2 and 5 per decade
            let margin = max(0.02, 0.05 * (log10(hi) - log10(lo)))
            lo = Foundation.pow(10, log10(lo) - margin)
            hi = Foundation.pow(10, log10(hi) + margin)
            self.lo = lo
            self.hi = hi
            var t: [Double] = []
            var e = Int(floor(log10(lo)))
            while pow10(e) <= hi {
                for m in [1.0, 2.0, 5.0] where m * pow10(e) >= lo && m * pow10(e) <= hi { t.append(m * pow10(e)) }
                e += 1
            }
            if t.count > 9 { t = t.filter { v in abs(log10(v).rounded() - log10(v)) < 1e-9 } }  // decades only when crowded
            ticks = t
            return
        }
        if scale == .log {
            // pad to whole decades when no ticks are given
            if given == nil {
                lo = pow10(Int(floor(log10(lo))))
                hi = pow10(Int(ceil(log10(hi))))
            }
        } else if given == nil {
            let step = AxisMap.niceStep((hi - lo) / 5)
            lo = floor(lo / step) * step
            hi = ceil(hi / step) * step
        }
        self.lo = lo
        self.hi = hi
        if let given {
            ticks = given.filter { $0 >= lo && $0 <= hi && (scale != .log || $0 > 0) }
        } else if scale == .log {
            var t: [Double] = []
            var e = Int(floor(log10(lo)))
            let decades = Int(ceil(log10(hi))) - e
            let stride = max(1, decades / 8)
            while pow10(e) <= hi * 1.000001 {
                if pow10(e) >= lo * 0.999999 { t.append(pow10(e)) }
                e += stride
            }
            ticks = t
        } else {
            let step = AxisMap.niceStep((hi - lo) / 5)
            var t: [Double] = []
            var x = lo
            while x <= hi + step * 1e-9 {
                t.append(abs(x) < step * 1e-9 ? 0 : x)
                x += step
            }
            ticks = t
        }
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let e = pow10(Int(floor(log10(raw))))
        let f = raw / e
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e
    }

    func drawable(_ v: Double) -> Bool { v.isFinite && (scale != .log || v > 0) }

    func unit(_ v: Double) -> Double {
        switch scale {
        case .log: return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
        default: return (v - lo) / (hi - lo)
        }
    }
}
