// `capacity --memory SIZE`: the budget as typed, so an implausibly small one can be questioned.

import Reporting

/// A memory budget typed on the command line, remembering whether it had a unit.
struct MemoryBudget: Hashable {
    /// Below this a budget holds no model's weights and a few tokens of cache at most: a bare `80`
    /// is far more likely a forgotten unit.
    static let plausibleBytes: Int128 = 1 << 20

    var bytes: Int128
    var text: String
    var hasUnit: Bool

    init(parsing text: String) throws {
        bytes = try Quantities.bytes(text)
        self.text = text.trimmingCharacters(in: " ")
        hasUnit = text.contains { $0.isLetter }
    }

    /// The warning for an implausibly small budget, nil otherwise.
    var warning: String? {
        guard bytes < Self.plausibleBytes else { return nil }
        let hint = hasUnit ? "" : " (a number without a unit is bytes); did you mean \(text)GiB or \(text)GB?"
        return "--memory \(text) is \(Units.bytes(bytes)), less than 1 MiB: implausibly small for a memory budget\(hint)"
    }
}
