// One way to say "does not fit", shared by estimate, sweep, capacity and memory: reports carry
// `fits` (true/false) and `limited_by` (what binds) as fields, and tables add one note with the
// sizes in units. A configuration that does not fit is an answer, so the command exits 0.

import CostModel
import Reporting

enum FitText {
    /// "batch 8 does not fit h100-sxm-80gb: needs 135.29 GiB of 79.65 GiB; the largest batch that
    /// fits is 1 (limited by kv_cache: the KV cache, ... exceeds the budget)"
    static func batch(_ fit: BatchFit, batchIsMax: Bool, device: String) -> String {
        let what = batchIsMax && fit.maxBatch == 0 ? "one sequence" : "batch \(fit.batch)"
        return "\(what) does not fit \(device): needs \(Units.bytes(fit.requiredBytes)) of \(Units.bytes(fit.budgetBytes)); "
            + "the largest batch that fits is \(fit.maxBatch) (\(limited(fit.limitedBy)))"
    }

    /// "limited by kv_cache: the KV cache, growing with tokens and sequences, exceeds the budget"
    static func limited(_ c: BindingConstraint) -> String {
        "limited by \(c.rawValue): \(c.explanation)"
    }
}

extension FitText {
    /// "not even one sequence fits: 1 needs 81.02 GiB of 79.65 GiB (limited by weights: ...)"
    static func capacity(_ a: CapacityAnswer, unit: String) -> String {
        let needs = a.nextBytes.map { ": 1 \(unit) needs \(Units.bytes($0)) of \(Units.bytes(a.budgetBytes))" } ?? ""
        return "not even one \(unit) fits\(needs) (\(limited(a.limitedBy)))"
    }
}

/// A memory budget typed on the command line, remembering whether it had a unit.
struct MemoryBudget: Hashable {
    /// Below this a budget holds no model: a bare `80` is far more likely a forgotten unit.
    static let plausibleBytes: Int128 = 1 << 20

    var bytes: Int128
    var text: String
    var hasUnit: Bool

    init(parsing text: String) throws {
        bytes = try Quantities.bytes(text)
        self.text = text
        hasUnit = text.contains { $0.isLetter }
    }

    /// The warning for an implausibly small budget, nil otherwise.
    var warning: String? {
        guard bytes < Self.plausibleBytes else { return nil }
        let hint = hasUnit ? "" : " (a number without a unit is bytes); did you mean \(text)GiB or \(text)GB?"
        return "--memory \(text) is \(Units.bytes(bytes)), less than 1 MiB: too small to hold any model\(hint)"
    }
}
