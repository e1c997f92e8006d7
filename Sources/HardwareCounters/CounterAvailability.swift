// What can be counted on this machine, as data for reports:
//   "hardware counters: unavailable (PAPI: Event does not exist; PAPI_num_hwctrs() = 6)"

public struct CounterAvailability: Sendable {
    /// PAPI_num_hwctrs(); a claim, not a guarantee (see `CounterSession.hardwareCounterCount`).
    public let hardwareCounterCount: Int
    /// One per probed event: `.value` when it could be counted, `.unavailable(reason:)` otherwise.
    public let readings: [EventReading]

    public func isAvailable(_ event: CounterEvent) -> Bool {
        readings.contains { $0.event == event && $0.reading.value != nil }
    }

    public var available: [CounterEvent] { readings.filter { $0.reading.value != nil }.map(\.event) }

    public var anyHardwareAvailable: Bool {
        readings.contains { $0.event.kind == .hardware && $0.reading.value != nil }
    }

    /// One line for a report header.
    public var summary: String {
        let hardware = readings.filter { $0.event.kind == .hardware }
        let ok = hardware.filter { $0.reading.value != nil }
        let count = "PAPI_num_hwctrs() = \(hardwareCounterCount)"
        if ok.count == hardware.count && !hardware.isEmpty {
            return "hardware counters: available (\(ok.map(\.event.label).joined(separator: ", ")); \(count))"
        }
        // Distinct PAPI messages, without the event names they were reported for.
        var messages: [String] = []
        for r in hardware {
            guard case let .unavailable(reason) = r.reading else { continue }
            for part in reason.split(separator: ";") {
                let text = part.split(separator: ": ").last.map { $0.trimmingPrefixSpaces() } ?? ""
                if !text.isEmpty && !messages.contains(text) { messages.append(text) }
            }
        }
        let why = "PAPI: \(messages.joined(separator: "; ")); \(count)"
        if ok.isEmpty { return "hardware counters: unavailable (\(why))" }
        let missing = hardware.filter { $0.reading.value == nil }.map(\.event.label)
        return "hardware counters: \(ok.count) of \(hardware.count) available; unavailable: \(missing.joined(separator: ", ")) (\(why))"
    }
}

extension Substring {
    fileprivate func trimmingPrefixSpaces() -> String { String(drop { $0 == " " }) }
}
