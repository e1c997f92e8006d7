// Display conversions. Binary prefixes for bytes (KiB = 2^10 ... ), decimal SI prefixes for FLOPs
// and rates; exact digits with thousands separators for token and sequence counts.

public enum Units {
    /// "83.95 GiB", "4 KiB", "512 B": two decimals, none when the value is an exact multiple of the
    /// unit. A value that rounds up to 1024 of a unit is shown in the next unit ("1.00 MiB", not
    /// "1024.00 KiB").
    public static func bytes(_ b: Int128) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var i = 0
        while i < units.count - 1, b.magnitude >= UInt128(1) << (10 * (i + 1)) { i += 1 }
        if i == 0 { return "\(b) B" }
        let unit = Int128(1) << (10 * i)
        if b % unit == 0 { return "\(b / unit) \(units[i])" }
        var value = Double(b) / Double(unit)
        if abs(rounded(value, 2)) >= 1024, i < units.count - 1 {
            value /= 1024
            i += 1
        }
        return "\(fixed(value, 2)) \(units[i])"
    }

    /// SI prefix with a unit: "1.23 TFLOP", "15.0 GB/s" (a value that rounds to 1000 moves up).
    public static func si(_ v: Double, _ unit: String) -> String {
        let prefixes = ["", "K", "M", "G", "T", "P", "E", "Z", "Y"]
        var value = v
        var i = 0
        while i < prefixes.count - 1, abs(value) >= 1000 || abs(rounded(value, places(value))) >= 1000 {
            value /= 1000
            i += 1
        }
        return "\(fixed(value, places(value))) \(prefixes[i])\(unit)"
    }

    private static func places(_ v: Double) -> Int { rounded(v, 2).magnitude >= 100 ? 1 : 2 }

    /// `v` rounded to `places` decimals, as `fixed` shows it.
    static func rounded(_ v: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (v * scale).rounded() / scale
    }

    /// "1.5 ms", "12.3 s", "2.1 h". Each range ends where its rounded display would reach the next
    /// unit, so 0.9999999 s shows as "1.00 s", not "1000.00 ms".
    public static func seconds(_ s: Double) -> String {
        if s == 0 { return "0 s" }
        let a = abs(s)
        if rounded(a * 1e9, 1) < 1000 { return "\(fixed(s * 1e9, 1)) ns" }
        if rounded(a * 1e6, 1) < 1000 { return "\(fixed(s * 1e6, 1)) µs" }
        if rounded(a * 1e3, 2) < 1000 { return "\(fixed(s * 1e3, 2)) ms" }
        if rounded(a, 2) < 600 { return "\(fixed(s, 2)) s" }
        if rounded(a / 60, 1) < 120 { return "\(fixed(s / 60, 1)) min" }
        return "\(fixed(s / 3600, 2)) h"
    }

    /// "131,072".
    public static func grouped(_ n: Int128) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// A fixed-point rendering without Foundation.
    public static func fixed(_ v: Double, _ places: Int) -> String {
        guard v.isFinite else { return "\(v)" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e18 else { return "\(v)" }
        let n = Int(scaled)
        let whole = n / Int(scale)
        let frac = n % Int(scale)
        var s = "\(whole)"
        if places > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: places - f.count) + f
        }
        return (v < 0 && n != 0 ? "-" : "") + s
    }
}

extension Value {
    /// Plain, exact text (CSV cells).
    var plain: String {
        switch self {
        case .int(let i): "\(i)"
        case .double(let d): Value.shortest(d)
        case .text(let s): s
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        }
    }

    /// Human text for tables and markdown.
    func display(_ unit: ColumnUnit) -> String {
        switch (self, unit) {
        case (.int(let b), .bytes): return Units.bytes(b)
        case (.int(let n), .tokens), (.int(let n), .count): return Units.grouped(n)
        case (.int(let n), .flops): return Units.si(Double(n), "FLOP")
        case (.double(let s), .seconds): return Units.seconds(s)
        case (.double(let r), .tokensPerSecond): return Units.si(r, "tok/s")
        case (.double(let r), .flops): return Units.si(r, "FLOP")
        case (.double(let r), .bytesPerSecond): return Units.si(r, "B/s")
        case (.double(let r), .flopsPerSecond): return Units.si(r, "FLOP/s")
        case (.double(let r), .ratio): return Units.fixed(r, 4)
        case (.null, _): return "-"
        default: return plain
        }
    }

    /// Round-trippable shortest decimal for a Double ("0.1", "1e+20"); JSON-safe for finite values.
    static func shortest(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "" }
        if d == d.rounded(), abs(d) < 1e15 { return "\(Int64(d))" }
        return "\(d)"
    }
}
