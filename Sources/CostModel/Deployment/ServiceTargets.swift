// Service targets: the largest batch whose time to first token and time per output token meet
// given limits, on one deployment; and the smallest deployment that serves a batch within them.
//
//   TTFT(B) = prefill seconds of B prompts + the first decode step (Estimate.timeToFirstTokenSeconds)
//   TPOT(B) = decode seconds of the G steps / G (the mean time between output tokens; G >= 1)
// Both are non-decreasing in B under the roofline (every operator's time is a max of terms affine
// in B), and so is memory; the largest batch meeting every limit is found by binary search, exact
// at the boundary (B meets them, B + 1 does not). What stops B + 1 is named: `ttft`, `tpot`, or
// the memory constraint of `capacity` (kv_cache, weights, ...).

/// Limits on the two latencies; nil leaves one free.
public struct ServiceTargets: Sendable, Hashable {
    public var timeToFirstTokenSeconds: Double?
    public var timePerOutputTokenSeconds: Double?

    public init(timeToFirstTokenSeconds: Double? = nil, timePerOutputTokenSeconds: Double? = nil) {
        self.timeToFirstTokenSeconds = timeToFirstTokenSeconds
        self.timePerOutputTokenSeconds = timePerOutputTokenSeconds
    }
}

/// The largest batch a deployment serves within the targets.
public struct TargetAnswer: Sendable, Hashable {
    public var hardwareID: String
    public var layout: ParallelLayout
    /// The largest batch (per replica) meeting memory and both targets; 0 when not even one does.
    public var maxBatch: Int
    /// `ttft`, `tpot`, or a memory constraint (`BindingConstraint`'s raw value).
    public var limitedBy: String
    /// TTFT and TPOT at `maxBatch` (at batch 1 when it is 0; nil when not even one sequence fits memory).
    public var timeToFirstTokenSeconds: Double?
    public var timePerOutputTokenSeconds: Double?
}

extension ModelSpec {
    /// TTFT and TPOT at batch `b` on `layout` (nil when the batch does not fit memory).
    func serviceTimes(on hw: HardwareSpec, _ q: EstimateQuery, batch b: Int, layout: ParallelLayout) throws(CostModelError) -> (ttft: Double, tpot: Double)? {
        var query = q
        query.batch = .fixed(b)
        let outcome = layout.isSingleDevice ? try assess(on: hw, query) : try assess(on: hw, query, layout: layout).outcome
        guard let e = outcome.estimate else { return nil }
        return (e.timeToFirstTokenSeconds, q.generatedTokens > 0 ? e.decodeSeconds / Double(q.generatedTokens) : 0)
    }

    /// The largest batch `layout` on `hw` serves within `targets` and memory.
    public func largestBatch(meeting targets: ServiceTargets, on hw: HardwareSpec, _ q: EstimateQuery, layout: ParallelLayout) throws(CostModelError) -> TargetAnswer {
        let dt = q.dtypes ?? dtypes
        var memoryQuery = q
        memoryQuery.batch = .max
        let fit: BatchFit
        if layout.isSingleDevice {
            fit = resolveFit(memoryQuery, on: hw, dtypes: dt).0
        } else {
            do { try checkDeployment(layout, on: hw) } catch { throw .invalidQuery(error) }
            do { fit = try deploymentFit(memoryQuery, layout: layout, on: hw, dtypes: dt).0 } catch { throw .invalidQuery(error) }
        }
        func violated(_ t: (ttft: Double, tpot: Double)) -> String? {
            if let l = targets.timeToFirstTokenSeconds, t.ttft > l { return "ttft" }
            if let l = targets.timePerOutputTokenSeconds, t.tpot > l { return "tpot" }
            return nil
        }
        guard fit.maxBatch >= 1 else {
            return TargetAnswer(hardwareID: hw.id, layout: layout, maxBatch: 0, limitedBy: fit.limitedBy.rawValue)
        }
        // Binary search over 1...maxBatch for the last batch meeting both targets.
        var lo = 0, hi = fit.maxBatch
        var timesAtLo: (ttft: Double, tpot: Double)?
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if let t = try serviceTimes(on: hw, q, batch: mid, layout: layout), violated(t) == nil {
                lo = mid
                timesAtLo = t
            } else {
                hi = mid - 1
            }
        }
        if lo == 0 {
            let one = try serviceTimes(on: hw, q, batch: 1, layout: layout)
            return TargetAnswer(hardwareID: hw.id, layout: layout, maxBatch: 0, limitedBy: one.flatMap(violated) ?? fit.limitedBy.rawValue,
                                timeToFirstTokenSeconds: one?.ttft, timePerOutputTokenSeconds: one?.tpot)
        }
        let binding: String
        if lo == fit.maxBatch {
            binding = fit.limitedBy.rawValue
        } else {
            binding = try serviceTimes(on: hw, q, batch: lo + 1, layout: layout).flatMap(violated) ?? fit.limitedBy.rawValue
        }
        return TargetAnswer(hardwareID: hw.id, layout: layout, maxBatch: lo, limitedBy: binding,
                            timeToFirstTokenSeconds: timesAtLo?.ttft, timePerOutputTokenSeconds: timesAtLo?.tpot)
    }

    /// The smallest deployment (fewest devices, then the smallest device; SmallestDeployment.swift's
    /// layouts) serving `batch` sequences per replica within `targets`; nil when none does.
    public func smallestDeployment(meeting targets: ServiceTargets, batch: Int, _ q: EstimateQuery, among hardware: [HardwareSpec]) -> TargetAnswer? {
        var best: (TargetAnswer, Int128)?
        for hw in hardware {
            for layout in candidateLayouts(on: hw) {
                if let b = best, layout.devices > b.0.layout.devices { break }
                guard hw.peakFlopsPerSecond[q.computeDType ?? (q.dtypes ?? dtypes).activations] != nil,
                      let a = try? largestBatch(meeting: targets, on: hw, q, layout: layout), a.maxBatch >= batch else { continue }
                if best == nil || (layout.devices, hw.memoryBytes) < (best!.0.layout.devices, best!.1) { best = (a, hw.memoryBytes) }
                break
            }
        }
        return best?.0
    }
}
