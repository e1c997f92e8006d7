// One way to say "does not fit", shared by estimate, sweep, capacity and memory: reports carry
// `fits` (true/false) and `limited_by` (what binds) as fields, and tables add one note with the
// sizes in units. A configuration that does not fit is an answer, so the command exits 0.

import CostModel
import Reporting

enum FitText {
    /// "batch 8 does not fit h100-sxm-80gb: needs 424.71 GiB of 79.65 GiB; the largest batch that
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
    /// "not even one token fits: 1 token needs 6.43 GiB of 80 B (limited by weights: ...)"
    static func capacity(_ a: CapacityAnswer, unit: String) -> String {
        let needs = a.nextBytes.map { ": 1 \(unit) needs \(Units.bytes($0)) of \(Units.bytes(a.budgetBytes))" } ?? ""
        return "not even one \(unit) fits\(needs) (\(limited(a.limitedBy)))"
    }
}
