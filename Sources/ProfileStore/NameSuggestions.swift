// "Did you mean": the known names closest to a mistyped one (profile ids, report columns).
//
// Names are compared with case and the separators `-`, `_`, `.` and spaces ignored ("yoco3b" is
// "yoco-3b"), by optimal-string-alignment distance (insertions, deletions, substitutions and
// swaps of neighbours each cost 1). A known name that starts with the typed one ("h100" for
// "h100-sxm-80gb") counts as distance 1.

public enum NameSuggestions {
    /// At most `limit` names of `known` within a distance of a third of the typed length (at least 1),
    /// closest first (ties in `known` order); only the exact ones when some differ by separators alone.
    public static func closest(to name: String, in known: [String], limit: Int = 3) -> [String] {
        let typed = normalized(name)
        guard !typed.isEmpty else { return [] }
        let allowed = max(1, typed.count / 3)
        let scored = known.enumerated().compactMap { index, candidate -> (Int, Int, String)? in
            let c = normalized(candidate)
            var d = distance(typed, c)
            if typed.count >= 3 && c.starts(with: typed) { d = min(d, 1) }
            return d <= allowed ? (d, index, candidate) : nil
        }
        let sorted = scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        let exact = sorted.filter { $0.0 == 0 }
        return (exact.isEmpty ? sorted : exact).prefix(limit).map(\.2)
    }

    /// "did you mean `a` or `b`?", or "" when nothing is close: the sentence an error message adds.
    public static func phrase(for name: String, in known: [String]) -> String {
        let s = closest(to: name, in: known)
        guard !s.isEmpty else { return "" }
        let quoted = s.map { "`\($0)`" }
        let list = quoted.count == 1 ? quoted[0] : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
        return "did you mean \(list)?"
    }

    static func normalized(_ s: String) -> [Character] {
        s.lowercased().filter { !"-_. ".contains($0) }.map { $0 }
    }

    /// Optimal-string-alignment distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
