// Parsing sizes and counts typed by users.
//
// Bytes: a bare integer is bytes; suffixes B, KB/MB/GB/TB (10^3 steps) and KiB/MiB/GiB/TiB
// (2^10 steps), case-insensitive, with an optional fraction ("1.5GiB") when the result is a whole
// number of bytes (`loggedBytes`, for sizes copied from an engine's log: rounded to the nearest
// byte). GB and GiB are never confused: only the `i` makes a unit binary.
// Tokens: a bare integer, or K/M/G (binary: 32K = 32,768, 1M = 1,048,576, the convention of
// context-length names) — and Ki/Mi/Gi as synonyms.

import ArgumentParser
import CostModel

enum Quantities {
    static let byteUnits: [(String, Int128)] = [
        ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40), ("pib", 1 << 50),
        ("kb", 1_000), ("mb", 1_000_000), ("gb", 1_000_000_000), ("tb", 1_000_000_000_000),
        ("pb", 1_000_000_000_000_000), ("b", 1), ("", 1),
    ]
    static let tokenUnits: [(String, Int128)] = [
        ("ki", 1 << 10), ("mi", 1 << 20), ("gi", 1 << 30), ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("", 1),
    ]

    /// Splits "1.5GiB" into digits and a unit, and scales exactly.
    /// `rounding`: a fraction that is not a whole number of units is rounded to the nearest one
    /// (half up) instead of refused.
    static func scaled(_ text: String, units: [(String, Int128)], what: String, example: String,
                       rounding: Bool = false) throws(ValidationError) -> Int128 {
        let s = text.trimmingCharacters(in: " ").lowercased()
        // ASCII digits only: `Character.isNumber` also accepts "½" (no digit value: a crash below)
        // and other scripts' digits.
        func numeric(_ c: Character) -> Bool { c.isASCII && (c.isNumber || c == "." || c == "_") }
        let written = s.prefix(while: numeric)
        // Underscores separate thousands (1_000_000) and nothing else: `1_0GiB` is a typo for
        // 10GiB or 1.0GiB, and reading it as either would be a guess.
        if written.contains("_") {
            let groups = written.split(separator: "_", omittingEmptySubsequences: false)
            guard !written.contains("."), (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                throw ValidationError("\(what) `\(text)`: `_` may only separate groups of three digits (1_000_000)")
            }
        }
        let number = written.filter { $0 != "_" }
        let suffix = String(s.drop(while: numeric)).trimmingCharacters(in: " ")
        guard let unit = units.first(where: { $0.0 == suffix }) else {
            throw ValidationError("\(what) `\(text)` has an unknown unit `\(suffix)` (examples: \(example))")
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard !number.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              !(parts.first ?? "").isEmpty || parts.count == 2 && !parts[1].isEmpty
        else {
            throw ValidationError("\(what) `\(text)` is not a number with a unit (examples: \(example))")
        }
        let whole = String(parts[0]), frac = parts.count == 2 ? String(parts[1]) : ""
        guard whole.count + frac.count <= 24 else { throw ValidationError("\(what) `\(text)` is too large") }
        var numerator: Int128 = 0
        for ch in whole + frac { numerator = numerator * 10 + Int128(ch.wholeNumberValue!) }
        var denominator: Int128 = 1
        for _ in 0..<frac.count { denominator *= 10 }
        let (product, overflow) = numerator.multipliedReportingOverflow(by: unit.1)
        guard !overflow, product / denominator <= Int128(Int64.max) else {
            throw ValidationError("\(what) `\(text)` is too large")
        }
        if rounding { return (2 * product + denominator) / (2 * denominator) }
        guard product % denominator == 0 else {
            throw ValidationError("\(what) `\(text)` is not a whole number of \(what == "size" ? "bytes" : "tokens")")
        }
        return product / denominator
    }

    static func bytes(_ text: String) throws(ValidationError) -> Int128 {
        try scaled(text, units: byteUnits, what: "size", example: "1GiB, 80GB, 81559MiB, 4096")
    }

    /// A size as an engine's log prints it: `bytes`, or a decimal fraction of a unit rounded to the
    /// nearest byte ("6.51GiB"; a log's 2 decimals are far coarser than a byte).
    static func loggedBytes(_ text: String) throws(ValidationError) -> Int128 {
        try scaled(text, units: byteUnits, what: "size", example: "6.51GiB, 80GB, 81559MiB, 4096", rounding: true)
    }

    static func tokens(_ text: String) throws(ValidationError) -> Int {
        let n = try scaled(text, units: tokenUnits, what: "token count", example: "4096, 32K, 1M")
        guard n <= Int128(Limits.maxContextTokens) else {
            throw ValidationError("token count `\(text)` is above the limit of \(Limits.maxContextTokens) (16M) tokens")
        }
        return Int(n)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
