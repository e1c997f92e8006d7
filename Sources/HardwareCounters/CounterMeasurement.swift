// What one measurement returns: per event a value or the reason it could not be counted, and the
// wall time of the measured work. A missing counter is never reported as 0.

public enum CounterReading: Hashable, Sendable, CustomStringConvertible {
    case value(Int64)
    case unavailable(reason: String)

    public var value: Int64? {
        if case let .value(v) = self { return v }
        return nil
    }

    public var description: String {
        switch self {
        case let .value(v): return String(v)
        case let .unavailable(reason): return "unavailable (\(reason))"
        }
    }
}

public struct EventReading: Hashable, Sendable {
    public let event: CounterEvent
    /// The PAPI name that was counted; nil when none of `event.papiNames` could be added.
    public let papiName: String?
    public let reading: CounterReading
}

/// (Not `Measurement`: that name is Foundation's, and profilers import Foundation.)
public struct CounterMeasurement: Sendable {
    /// One reading per requested event, in request order.
    public let readings: [EventReading]
    public let wallSeconds: Double

    public subscript(event: CounterEvent) -> CounterReading? {
        readings.first { $0.event == event }?.reading
    }

    public func value(of event: CounterEvent) -> Int64? { self[event]?.value }
}
