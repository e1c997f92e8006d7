// The counter self-test: before a profiler trusts any counter, it runs a workload with a known FLOP
// count (an sgemm of 2·m·n·k FLOPs that also adds 2·m·n·k to an SDE counter) and checks
//   - the SDE counter reads exactly `expectedFlops` through PAPI (anything else is a wiring bug);
//   - the hardware FLOP event, if it can be counted at all, within ±`hardwareFlopTolerance`.
// Hardware FP events are known to be off by 2× on some CPUs (an FMA counted as one operation, or
// packed operations counted once per instruction); such a result is reported as
// "failed: measured/expected = r, not trusted" and must not be used.

public enum SelfTestCheck: Equatable, Sendable, CustomStringConvertible {
    case exact(measured: Int64)
    case withinTolerance(measured: Int64, ratio: Double, tolerance: Double)
    case failed(measured: Int64?, ratio: Double?, reason: String)
    case unavailable(reason: String)

    public var passed: Bool {
        switch self {
        case .exact, .withinTolerance: return true
        case .failed, .unavailable: return false
        }
    }

    public var description: String {
        switch self {
        case let .exact(m): return "exact (\(m))"
        case let .withinTolerance(m, r, t): return "ok: measured/expected = \(fixed(r)) (\(m)), within ±\(fixed(t))"
        case let .failed(_, _, reason): return "failed: \(reason)"
        case let .unavailable(reason): return "unavailable (\(reason))"
        }
    }
}

public struct SelfTestReport: Sendable {
    public let expectedFlops: Int64
    /// The SDE counter, read through PAPI. Must be `.exact`.
    public let softwareDefined: SelfTestCheck
    /// The hardware single-precision FLOP event (`CounterEvent.singlePrecisionFlops`).
    public let hardwareFlops: SelfTestCheck
    public let wallSeconds: Double

    /// SDE counters may be used.
    public var softwareCountersTrusted: Bool { softwareDefined.passed }
    /// The hardware FLOP event may be used.
    public var hardwareFlopsTrusted: Bool { hardwareFlops.passed }

    public var lines: [String] {
        [
            "counter self-test: \(expectedFlops) FLOPs expected",
            "  sde FLOPs: \(softwareDefined)",
            "  hardware FLOPs: \(hardwareFlops)",
        ]
    }
}

public enum CounterSelfTest {
    /// ±10%: the measured region holds some arithmetic besides the workload (loop control, the
    /// harness), and derived PAPI presets sum several native events; a 2× miscount (FMA counted
    /// once) lies far outside it.
    public static let hardwareFlopTolerance = 0.10

    /// Runs `workload` once under counters. `workload` must perform `expectedFlops` floating-point
    /// operations and add exactly `expectedFlops` to `sdeCounter` in `SDECounterBlock.shared`.
    public static func run(
        session: CounterSession? = nil,
        sdeCounter: SoftwareCounter = .matmulFlops,
        expectedFlops: Int64,
        workload: () throws -> Void
    ) throws -> SelfTestReport {
        let session = try session ?? CounterSession.shared()
        let sde = CounterEvent.software(sdeCounter)
        let hw = CounterEvent.singlePrecisionFlops
        let m = try session.measure(events: [sde, hw], workload)

        let sdeCheck: SelfTestCheck
        switch m[sde]! {
        case let .value(v) where v == expectedFlops:
            sdeCheck = .exact(measured: v)
        case let .value(v):
            sdeCheck = .failed(measured: v, ratio: ratio(v, expectedFlops),
                               reason: "SDE read \(v), expected exactly \(expectedFlops)")
        case let .unavailable(reason):
            sdeCheck = .unavailable(reason: reason)
        }
        return SelfTestReport(
            expectedFlops: expectedFlops, softwareDefined: sdeCheck,
            hardwareFlops: hardwareCheck(m[hw]!, expected: expectedFlops), wallSeconds: m.wallSeconds)
    }

    /// Judges a hardware FLOP reading against the known count.
    public static func hardwareCheck(_ reading: CounterReading, expected: Int64) -> SelfTestCheck {
        switch reading {
        case let .unavailable(reason):
            return .unavailable(reason: reason)
        case let .value(v):
            let r = ratio(v, expected)
            if abs(r - 1) <= hardwareFlopTolerance {
                return .withinTolerance(measured: v, ratio: r, tolerance: hardwareFlopTolerance)
            }
            var reason = "measured/expected = \(fixed(r)), not trusted"
            if abs(r - 0.5) <= hardwareFlopTolerance / 2 {
                reason += " (about half: this CPU's FP event likely counts an FMA as one operation)"
            }
            return .failed(measured: v, ratio: r, reason: reason)
        }
    }

    private static func ratio(_ measured: Int64, _ expected: Int64) -> Double {
        expected == 0 ? (measured == 0 ? 1 : .infinity) : Double(measured) / Double(expected)
    }
}

/// Three decimals without Foundation.
func fixed(_ x: Double) -> String {
    guard x.isFinite else { return String(x) }
    let scaled = (x * 1000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let a = Int(abs(scaled))
    let frac = String(a % 1000)
    return "\(sign)\(a / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
}
