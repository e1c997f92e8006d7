// RFC 8259 syntax, checked strictly before Foundation parses a profile. JSONSerialization keeps
// the last of two equal keys (a merge conflict resolved badly turns `"kv_heads": 8` into 4 without
// a word) and tolerates a trailing comma; here both are errors naming the key or the position.
// Iterative (an explicit stack), so a deeply nested file cannot exhaust the thread's stack.

struct StrictJSON {
    enum Failure: Error {
        /// `path` is the dotted key path ("dtypes.kv").
        case duplicateKey(path: String)
        case syntax(String)
    }

    private let bytes: [UInt8]
    private var i = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Throws the first duplicate key or syntax error of `bytes` (one JSON value, UTF-8).
    static func check(_ bytes: [UInt8]) throws(Failure) {
        var s = StrictJSON(bytes)
        try s.run()
    }

    private struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        /// The key this container is the value of; nil for the root or an array element. Only the
        /// key is kept, not the whole dotted path, so that memory stays linear in the nesting depth
        /// (a path per frame made a 100,000-deep file take 11 GB); the path is built on an error.
        var key: String?
        var count = 0
    }

    private enum Expect { case value, keyOrEnd, colon, valueOrEnd, commaOrEnd, end }

    private mutating func run() throws(Failure) {
        var stack: [Frame] = []
        var expect = Expect.value
        var currentKey = ""
        func childPath(_ stack: [Frame], _ key: String) -> String {
            (stack.compactMap(\.key) + [key]).joined(separator: ".")
        }
        while true {
            skipWhitespace()
            guard i < bytes.count else {
                if expect == .end { return }
                throw .syntax("the text ends before the JSON value is complete (\(position))")
            }
            let c = bytes[i]
            switch expect {
            case .end:
                throw .syntax("text after the JSON value (\(position))")
            case .colon:
                guard c == UInt8(ascii: ":") else { throw unexpected("`:` after a key") }
                i += 1
                expect = .value
            case .keyOrEnd:
                if c == UInt8(ascii: "}") {
                    if stack[stack.count - 1].count > 0 { throw .syntax("a trailing comma before `}` (\(position))") }
                    i += 1
                    stack.removeLast()
                    expect = stack.isEmpty ? .end : .commaOrEnd
                    continue
                }
                guard c == UInt8(ascii: "\"") else { throw unexpected("a key in double quotes") }
                let key = try string()
                guard stack[stack.count - 1].keys.insert(key).inserted else { throw .duplicateKey(path: childPath(stack, key)) }
                stack[stack.count - 1].count += 1
                currentKey = key
                expect = .colon
            case .valueOrEnd:
                if c == UInt8(ascii: "]") {
                    if stack[stack.count - 1].count > 0 { throw .syntax("a trailing comma before `]` (\(position))") }
                    i += 1
                    stack.removeLast()
                    expect = stack.isEmpty ? .end : .commaOrEnd
                    continue
                }
                stack[stack.count - 1].count += 1
                expect = .value
            case .commaOrEnd:
                let top = stack[stack.count - 1]
                if c == UInt8(ascii: ",") {
                    i += 1
                    expect = top.isObject ? .keyOrEnd : .valueOrEnd
                } else if c == UInt8(ascii: top.isObject ? "}" : "]") {
                    i += 1
                    stack.removeLast()
                    expect = stack.isEmpty ? .end : .commaOrEnd
                } else {
                    throw unexpected(top.isObject ? "`,` or `}`" : "`,` or `]`")
                }
            case .value:
                let key = stack.last?.isObject == true ? currentKey : nil
                switch c {
                case UInt8(ascii: "{"):
                    i += 1
                    stack.append(Frame(isObject: true, key: key))
                    expect = .keyOrEnd
                    continue
                case UInt8(ascii: "["):
                    i += 1
                    stack.append(Frame(isObject: false, key: key))
                    expect = .valueOrEnd
                    continue
                case UInt8(ascii: "\""): _ = try string()
                case UInt8(ascii: "t"): try literal("true")
                case UInt8(ascii: "f"): try literal("false")
                case UInt8(ascii: "n"): try literal("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
                default: throw unexpected("a value")
                }
                expect = stack.isEmpty ? .end : .commaOrEnd
            }
        }
    }

    /// "line L, column C" of the current byte.
    private var position: String {
        var line = 1, column = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == UInt8(ascii: "\n") { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return "line \(line), column \(column)"
    }

    private func unexpected(_ wanted: String) -> Failure {
        let b = bytes[i]
        let hex = String(b, radix: 16, uppercase: true)
        let shown = (0x21...0x7E).contains(b) ? "`\(Character(Unicode.Scalar(b)))`" : "byte 0x" + (hex.count == 1 ? "0" : "") + hex
        return .syntax("expected \(wanted), found \(shown) (\(position))")
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let w = Array(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
        guard bytes.count - i >= w.count, Array(bytes[i..<(i + w.count)]) == w else { throw unexpected("a value") }
        i += w.count
    }

    private mutating func number() throws(Failure) {
        func digits() -> Int {
            let start = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            return i - start
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count else { throw .syntax("a number ends early (\(position))") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                throw .syntax("a number with a leading zero (\(position))")
            }
        } else if digits() == 0 { throw unexpected("a digit") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw .syntax("a number needs digits after `.` (\(position))") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw .syntax("a number needs digits in its exponent (\(position))") }
        }
    }

    /// Reads a string starting at its opening quote and returns it decoded (so "a" and "\u0061"
    /// are the same key).
    private mutating func string() throws(Failure) -> String {
        i += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        while true {
            guard i < bytes.count else { throw .syntax("a string is not closed (\(position))") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw .syntax("a raw control character inside a string (escape it; \(position))") }
            if b != UInt8(ascii: "\\") { raw.append(b); i += 1; continue }
            flush()
            i += 1
            guard i < bytes.count else { throw .syntax("a string is not closed (\(position))") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var unit = try hex4()
                if (0xD800..<0xDC00).contains(unit), bytes.count - i >= 6,
                   bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = save
                    }
                }
                scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
            default:
                i -= 1
                throw .syntax("an unknown escape `\\\(Character(Unicode.Scalar(e)))` in a string (\(position))")
            }
        }
        flush()
        return String(scalars)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - i >= 4 else { throw .syntax("a `\\u` escape needs four hex digits (\(position))") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexValue(bytes[i]) else { throw .syntax("a `\\u` escape needs four hex digits (\(position))") }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
