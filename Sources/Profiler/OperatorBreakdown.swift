// Predicted against measured per operator (issue 14 §1): the kernels' per-operator wall time
// (MeasuredRun.prefillOperatorTimes / decodeOperatorTimes, Kernels/OperatorTimes.swift) joined by
// typed OperatorID with the roofline's seconds for the same operator (Roofline.swift for a prefill
// operator, DecodeOperator.seconds(from:to:rates:) summed over the G decode steps), each with its
// share of its phase's total. An error in a phase total is then traced to one operator, whose
// formula (Prefill.swift / Decode.swift) and calibration figure (its OperatorClass's efficiency)
// are named by its id.
//
// Shares: measured seconds / the phase's measured wall time (median over repeats), predicted
// seconds / the phase's predicted total. `outside_operators` is the measured wall time no operator
// lap covered (buffer set-up, copying the outputs out, the counters' publication): the cost model
// prices it only through the profile's fixed costs per run (first touch of the workspace, one BLAS
// wake-up; Roofline.swift): with them the row has a prediction, without them none.

import CostModel
import Kernels

/// One operator of one phase, measured beside predicted.
public struct OperatorComparison: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable { case prefill, decode }
    public var phase: Phase
    /// nil for the untimed remainder (`outside_operators`).
    public var id: OperatorID?
    public var measuredSeconds: Double
    /// nil without a hardware profile, and for `outside_operators`.
    public var predictedSeconds: Double?
    public var measuredShare: Double
    public var predictedShare: Double?
    /// Measured seconds per step inside the operator (norm, products, rope, ...).
    public var steps: [OperatorStep: Double]
    /// min and max over the repeats of the operator's measured seconds.
    public var measuredMin: Double
    public var measuredMax: Double
    /// Where the prediction charged the operator's bytes (CostModel/CacheLevel.swift): the level,
    /// the reuse working set it was looked up at (decode: the middle step's) and the read rate,
    /// bytes/s; nil without a prediction.
    public var memory: ChargedMemory? = nil

    /// `<label>.<part>` (OperatorID.name) or `outside_operators`.
    public var name: String { id?.name ?? "outside_operators" }

    /// (measured - predicted) / predicted.
    public var relativeError: Double? {
        guard let p = predictedSeconds, p > 0 else { return nil }
        return (measuredSeconds - p) / p
    }

    /// `norm 12%, products 80%, ...` of the operator's own time, in step order.
    public var stepText: String {
        let total = steps.values.reduce(0, +)
        guard total > 0 else { return "" }
        return OperatorStep.allCases.compactMap { s in steps[s].map { "\(s.rawValue) \(Int((100 * $0 / total).rounded()))%" } }
            .joined(separator: ", ")
    }
}

/// The memory figure an operator's bytes were charged at.
public struct ChargedMemory: Sendable, Hashable {
    public var level: MemoryLevel
    public var workingSetBytes: Int128
    public var bytesPerSecond: Double

    /// The figure of `op` on `rates`.
    public init(_ op: OperatorCost, rates: RooflineRates) {
        let r = rates.memoryRate(for: op)
        level = r.level
        workingSetBytes = op.reuseWorkingSetBytes
        bytesPerSecond = r.bytesPerSecond
    }
}

public enum OperatorBreakdown {
    /// Every timed operator of the run's prefill and decode, in pass order, with the prediction on
    /// `hardware` when given (fp32, the kernels' tiling: Validator.predict).
    public static func compare(_ c: ValidationCase, run: MeasuredRun, hardware: HardwareSpec?) throws(CostModelError) -> [OperatorComparison] {
        var predictedPrefill: [OperatorID: Double] = [:], predictedDecode: [OperatorID: Double] = [:]
        var prefillTotal: Double?, decodeTotal: Double?, prefillOutside: Double?
        var memory: [OperatorComparison.Phase: [OperatorID: ChargedMemory]] = [:]
        if let hardware {
            let rates = try RooflineRates(hardware: hardware, computeDType: .fp32)
            let p = try Validator.predict(c, hardware: hardware)
            for op in p.prefill.operators where op.count > 0 {
                predictedPrefill[op.id, default: 0] += rates.seconds(op)
                memory[.prefill, default: [:]][op.id] = ChargedMemory(op, rates: rates)
            }
            prefillTotal = p.prefillSeconds
            prefillOutside = p.prefillRunFixedSeconds > 0 ? p.prefillRunFixedSeconds : nil
            if c.generatedTokens > 0 {
                let lo = Int128(c.contextTokens) + 1, hi = Int128(c.contextTokens + c.generatedTokens)
                for op in c.model.decodeOperators(batch: c.batch, dtypes: .uniform(.fp32)) where op.fixed.count > 0 {
                    predictedDecode[op.fixed.id, default: 0] += op.seconds(from: lo, to: hi, rates: rates)
                    memory[.decode, default: [:]][op.fixed.id] = ChargedMemory(op.at(context: (lo + hi) / 2), rates: rates)
                }
                decodeTotal = p.decodeSeconds
            }
        }
        var out = phase(.prefill, run.prefillOperatorTimes, repeats: run.prefillOperatorRepeats, wall: run.prefillSeconds.median,
                        predicted: predictedPrefill, predictedTotal: prefillTotal, predictedOutside: prefillOutside)
        if let d = run.decodeSeconds {
            out += phase(.decode, run.decodeOperatorTimes, repeats: run.decodeOperatorRepeats, wall: d.median,
                         predicted: predictedDecode, predictedTotal: decodeTotal)
        }
        for i in out.indices { out[i].memory = out[i].id.flatMap { memory[out[i].phase]?[$0] } }
        return out
    }

    static func phase(_ phase: OperatorComparison.Phase, _ times: OperatorTimes, repeats: [OperatorTimes], wall: Double,
                      predicted: [OperatorID: Double], predictedTotal: Double?, predictedOutside: Double? = nil) -> [OperatorComparison] {
        guard !times.order.isEmpty else { return [] }
        var out: [OperatorComparison] = times.order.map { id in
            let m = times.seconds[id]!
            let each = repeats.compactMap { $0.seconds[id] }
            let p = predicted[id]
            return OperatorComparison(
                phase: phase, id: id, measuredSeconds: m, predictedSeconds: predictedTotal == nil ? nil : (p ?? 0),
                measuredShare: wall > 0 ? m / wall : 0, predictedShare: p.flatMap { v in predictedTotal.map { $0 > 0 ? v / $0 : 0 } },
                steps: times.stepSeconds[id] ?? [:], measuredMin: each.min() ?? m, measuredMax: each.max() ?? m)
        }
        // Operators the model prices that the kernels never ran (none today; a gap here is a bug).
        for (id, p) in predicted.sorted(by: { $0.key.name < $1.key.name }) where times.seconds[id] == nil {
            out.append(OperatorComparison(phase: phase, id: id, measuredSeconds: 0, predictedSeconds: p, measuredShare: 0,
                                          predictedShare: predictedTotal.map { $0 > 0 ? p / $0 : 0 }, steps: [:], measuredMin: 0, measuredMax: 0))
        }
        let outside = max(0, wall - times.totalSeconds)
        // Predicted only where the profile states fixed costs per run (first touch, BLAS wake-up).
        out.append(OperatorComparison(phase: phase, id: nil, measuredSeconds: outside, predictedSeconds: predictedOutside,
                                      measuredShare: wall > 0 ? outside / wall : 0,
                                      predictedShare: predictedOutside.flatMap { v in predictedTotal.map { $0 > 0 ? v / $0 : 0 } }, steps: [:],
                                      measuredMin: outside, measuredMax: outside))
        return out
    }
}
