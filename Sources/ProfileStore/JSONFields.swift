// A typed view of one JSON object that turns every type or range mistake into a ProfileError
// naming the file and the field. Reads track which keys were used so that unknown keys (typos such
// as `kv_head`) can be reported instead of silently ignored.

import Foundation

struct JSONFields {
    let file: String
    let object: [String: Any]
    /// Prefix for nested objects ("dtypes.").
    let path: String

    init(file: String, object: [String: Any], path: String = "") {
        self.file = file
        self.object = object
        self.path = path
    }

    /// Parses `data` as one JSON object.
    static func parse(_ data: Data, file: String) throws(ProfileError) -> JSONFields {
        guard String(data: data, encoding: .utf8) != nil else {
            throw ProfileError(file: file, field: nil, constraint: "is not valid UTF-8 text", value: nil)
        }
        do { try StrictJSON.check(Array(data)) } catch {
            switch error {
            case .duplicateKey(let path):
                throw ProfileError(file: file, field: path, constraint: "appears twice in one object (keys must be unique)", value: nil)
            case .syntax(let reason):
                throw ProfileError(file: file, field: nil, constraint: "is not valid JSON (\(reason))", value: nil)
            }
        }
        let any: Any
        do {
            // Fragments allowed so that `"text"` or `null` is reported as "not an object" below.
            any = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw ProfileError(file: file, field: nil, constraint: "is not valid JSON (\(reason))", value: nil)
        }
        guard let object = any as? [String: Any] else {
            throw ProfileError(file: file, field: nil, constraint: "must hold one JSON object `{...}`", value: describe(any))
        }
        return JSONFields(file: file, object: object)
    }

    func error(_ key: String, _ constraint: String, _ value: Any?) -> ProfileError {
        ProfileError(file: file, field: path + key, constraint: constraint, value: value.map(Self.describe))
    }

    func has(_ key: String) -> Bool {
        if let v = object[key], !(v is NSNull) { return true }
        return false
    }

    func string(_ key: String) throws(ProfileError) -> String {
        guard let raw = object[key], !(raw is NSNull) else { throw error(key, "is required (a string)", nil) }
        guard let s = raw as? String else { throw error(key, "must be a string", raw) }
        if let bad = s.unicodeScalars.firstIndex(where: \.isTerminalControl) {
            let offset = s.unicodeScalars.distance(from: s.unicodeScalars.startIndex, to: bad)
            let code = String(s.unicodeScalars[bad].value, radix: 16, uppercase: true)
            throw error(key, "must not contain control characters (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) at character \(offset + 1))", nil)
        }
        return s
    }

    func optionalString(_ key: String) throws(ProfileError) -> String? {
        has(key) ? try string(key) : nil
    }

    func int(_ key: String) throws(ProfileError) -> Int {
        guard let raw = object[key], !(raw is NSNull) else { throw error(key, "is required (an integer)", nil) }
        return try Self.integer(raw, onError: { error(key, $0, raw) })
    }

    func optionalInt(_ key: String) throws(ProfileError) -> Int? {
        has(key) ? try int(key) : nil
    }

    func double(_ key: String) throws(ProfileError) -> Double {
        guard let raw = object[key], !(raw is NSNull) else { throw error(key, "is required (a number)", nil) }
        guard let n = raw as? NSNumber, !Self.isBool(n) else { throw error(key, "must be a number", raw) }
        let d = n.doubleValue
        guard d.isFinite else { throw error(key, "must be a finite number", raw) }
        return d
    }

    func bool(_ key: String, default value: Bool) throws(ProfileError) -> Bool {
        guard has(key) else { return value }
        let raw = object[key]!
        guard let n = raw as? NSNumber, Self.isBool(n) else { throw error(key, "must be true or false", raw) }
        return n.boolValue
    }

    func nested(_ key: String) throws(ProfileError) -> JSONFields? {
        guard has(key) else { return nil }
        guard let o = object[key] as? [String: Any] else { throw error(key, "must be an object `{...}`", object[key]) }
        return JSONFields(file: file, object: o, path: path + key + ".")
    }

    /// An array of strings, or nil when the key is absent or null.
    func optionalStringArray(_ key: String) throws(ProfileError) -> [String]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any] else { throw error(key, "must be an array of strings", object[key]) }
        var out: [String] = []
        for item in a {
            guard let s = item as? String else { throw error(key, "must be an array of strings", item) }
            out.append(s)
        }
        return out
    }

    /// An array of integers, or nil when the key is absent or null.
    func optionalIntArray(_ key: String) throws(ProfileError) -> [Int]? {
        guard has(key) else { return nil }
        guard let a = object[key] as? [Any] else { throw error(key, "must be an array of integers", object[key]) }
        var out: [Int] = []
        for item in a { out.append(try Self.integer(item, onError: { error(key, $0, item) })) }
        return out
    }

    /// Fails on the first key not in `known`.
    func rejectUnknownKeys(_ known: Set<String>) throws(ProfileError) {
        for key in object.keys.sorted() where !known.contains(key) {
            throw ProfileError(
                file: file, field: path + key,
                constraint: "is not a known field (known: \(known.sorted().joined(separator: ", ")))",
                value: nil)
        }
    }

    // MARK: - Number handling

    /// JSON booleans arrive as NSNumber too; Foundation tags them with the C type `c` (char).
    static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c"
    }

    /// An exact integer: rejects fractions, booleans, strings and values outside Int's range.
    static func integer(_ raw: Any, onError: (String) -> ProfileError) throws(ProfileError) -> Int {
        guard let n = raw as? NSNumber else { throw onError("must be an integer") }
        if isBool(n) { throw onError("must be an integer, not true/false") }
        switch String(cString: n.objCType) {
        case "q", "i", "l", "s":
            return Int(n.int64Value)
        case "Q", "L", "I", "S":
            guard let i = Int(exactly: n.uint64Value) else { throw onError("is too large for a 64-bit integer") }
            return i
        default:
            let d = n.doubleValue
            guard d.isFinite else { throw onError("must be a finite integer") }
            guard d == d.rounded(.towardZero) else { throw onError("must be a whole number") }
            guard abs(d) <= 9_007_199_254_740_992 else { throw onError("is too large to be exact") }
            return Int(d)
        }
    }

    static func describe(_ any: Any) -> String {
        switch any {
        case is NSNull: return "null"
        case let s as String: return "\"\(s)\""
        case let n as NSNumber: return isBool(n) ? (n.boolValue ? "true" : "false") : "\(n)"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(any)"
        }
    }
}
