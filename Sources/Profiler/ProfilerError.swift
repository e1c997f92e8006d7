// Typed errors of the profiler. Each names the thing, the limit and the value; the executable maps
// them to exit codes in one place (ExitCodes.swift).

import HardwareCounters
import Kernels

public enum ProfilerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A run whose predicted memory is above the allowed fraction of MemAvailable, refused before
    /// anything was allocated.
    case exceedsMemoryLimit(what: String, predictedBytes: Int, limitBytes: Int, availableBytes: Int, fraction: Double)
    /// /proc/meminfo has no MemAvailable: the safety rule cannot be applied, so nothing is run.
    case availableMemoryUnknown(what: String)
    /// The SDE counters did not read back the self-test's known FLOP count: counters are not trusted.
    case counterSelfTestFailed(String)
    /// A request value outside its domain.
    case invalidRequest(what: String, constraint: String, value: String)
    /// The kernels refused or failed (fallback BLAS core, shapes, allocation).
    case kernel(KernelError)
    /// PAPI could not start or was misused.
    case counters(CounterError)

    public var description: String {
        switch self {
        case let .exceedsMemoryLimit(what, predicted, limit, available, fraction):
            let shown = predicted == Int.max ? "more than \(Int.max) bytes (beyond a 64-bit count" : "\(predicted) bytes (\(mib(predicted)) MiB"
            return "\(what): predicted memory \(shown): weights + caches + workspace) exceeds the limit of \(limit) bytes (\(mib(limit)) MiB = \(fraction) x MemAvailable \(available) bytes); refused before allocating anything"
        case let .availableMemoryUnknown(what):
            return "\(what): cannot read MemAvailable from /proc/meminfo, so the memory safety rule cannot be applied; refused"
        case let .counterSelfTestFailed(detail):
            return "counter self-test failed, counters are not trusted: \(detail)"
        case let .invalidRequest(what, constraint, value):
            return "`\(what)` \(constraint); received \(value)"
        case let .kernel(e):
            return e.description
        case let .counters(e):
            return e.description
        }
    }
}

/// Bytes as MiB with one decimal (messages only).
func mib(_ bytes: Int) -> String {
    let tenths = Int((Double(bytes) / 1_048_576 * 10).rounded())
    return "\(tenths / 10).\(abs(tenths % 10))"
}
