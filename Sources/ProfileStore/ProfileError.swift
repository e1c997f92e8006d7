// Errors raised while reading a profile: each names the file, the field, the constraint and the
// value, so one line tells the user what to fix (exit code 65 in the command line).

import CostModel

public struct ProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (as the user named it, or its path under Profiles/).
    public var file: String
    /// The offending field, nil when the whole file is at fault (unreadable, not JSON).
    public var field: String?
    /// What the field must satisfy, phrased to follow the field name.
    public var constraint: String
    /// What was found.
    public var value: String?

    public init(file: String, field: String?, constraint: String, value: String?) {
        self.file = file
        self.field = field
        self.constraint = constraint
        self.value = value
    }

    init(file: String, _ spec: SpecError) {
        self.init(file: file, field: spec.field, constraint: spec.constraint, value: spec.value)
    }

    public var description: String {
        var s = "\(file): "
        if let field { s += "`\(field)` " }
        s += constraint
        if let value { s += "; received \(value)" }
        return s
    }
}

/// A profile id that names no file: a usage problem (exit code 64), listing what exists.
public struct UnknownProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var id: String
    public var known: [String]
    public var directory: String

    public var description: String {
        let guess = NameSuggestions.phrase(for: id, in: known)
        return "unknown \(kind) `\(id)` (no \(directory)/\(id).json)\(guess.isEmpty ? "" : ": " + guess)\nknown: \(known.joined(separator: ", "))"
    }
}

/// The Profiles directory cannot be found: a usage problem (exit code 64).
public struct ProfileLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
