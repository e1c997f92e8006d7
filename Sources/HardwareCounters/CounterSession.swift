// The process's one PAPI session. PAPI_library_init is not thread-safe and must run once, so the
// session is created through a `static let` (Swift runs its initialiser exactly once, under a lock)
// and every caller gets the same object from `CounterSession.shared()`.
//
// Threads: PAPI_thread_init(pthread_self) at initialisation and PAPI_register_thread at the start
// of every measurement, because PAPI 7.0 crashes in PAPI_event_name_to_code (NULL thread-local
// record) on a thread it has not seen — and Swift Testing / Dispatch run work on pool threads.
// Measurements run one at a time per process (a second thread waits; nesting on one thread is a
// `CounterError.nestedMeasurement`). Hardware and OS events count the measuring thread only — work
// on other threads (OpenBLAS workers) is not in them. SDE counters are process memory and count
// every thread.

import CPAPI
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class CounterSession: Sendable {
    private static let creation: Result<CounterSession, CounterError> = Result { () throws(CounterError) in
        try CounterSession()
    }

    /// The process's session, initialising PAPI (and registering the SDE counters) on first call.
    public static func shared() throws(CounterError) -> CounterSession {
        try creation.get()
    }

    /// "7.0.0" — the PAPI version the library reported at initialisation.
    public let papiVersion: String
    /// PAPI_num_hwctrs(): counters the perf_event component *claims*. On a VM this can be > 0 while
    /// every hardware event fails to add; use `availability(of:)` for what can actually be counted.
    public let hardwareCounterCount: Int

    /// Held for the whole of a measurement (PAPI event sets are not to be driven concurrently).
    private let measurementLock = Mutex<Void>(())
    /// The thread currently measuring, to turn nesting into an error instead of a deadlock.
    private let measuringThread = Mutex<pthread_t?>(nil)

    private init() throws(CounterError) {
        // Register the SDE counters before PAPI enumerates events.
        _ = SDECounterBlock.shared
        let expected = yocoprof_papi_ver_current()
        let rc = PAPI_library_init(expected)
        guard rc == expected else {
            throw .libraryInit(code: rc, message: rc > 0 ? "version mismatch (library \(rc), headers \(expected))" : papiMessage(rc))
        }
        let threads = yocoprof_papi_thread_init()
        guard threads == PAPI_OK else {
            throw .papi(call: "PAPI_thread_init", code: threads, message: papiMessage(threads))
        }
        papiVersion = "\((rc >> 24) & 0xff).\((rc >> 16) & 0xff).\((rc >> 8) & 0xff)"
        hardwareCounterCount = Int(PAPI_num_hwctrs())
    }

    /// Counts `events` around `work`, returning one reading per event and the wall time.
    ///
    /// Events are added one at a time (one event set per PAPI component), so an event that cannot be
    /// counted becomes `.unavailable(reason:)` without affecting the others. An `sde:::` name this
    /// process did not register throws `CounterError.unknownSoftwareEvent` before anything runs.
    /// Throws `CounterError` or whatever `work` throws (counters are stopped and freed either way).
    public func measure(events: [CounterEvent], _ work: () throws -> Void) throws -> CounterMeasurement {
        for event in events {
            for name in event.papiNames where name.hasPrefix("sde:::") && !SoftwareEvents.registeredNames.contains(name) {
                throw CounterError.unknownSoftwareEvent(name: name, registered: SoftwareEvents.registeredNames.sorted())
            }
        }
        let me = pthread_self()
        if measuringThread.withLock({ $0.map { pthread_equal($0, me) != 0 } ?? false }) {
            throw CounterError.nestedMeasurement
        }
        return try measurementLock.withLock { _ in
            measuringThread.withLock { $0 = me }
            defer { measuringThread.withLock { $0 = nil } }
            let registered = PAPI_register_thread()  // idempotent: looks up or creates the record
            guard registered == PAPI_OK else {
                throw CounterError.papi(call: "PAPI_register_thread", code: registered, message: papiMessage(registered))
            }
            var run = EventSetRun()
            defer { run.destroy() }
            let placed = events.map { run.place($0) }
            run.start()
            let clock = ContinuousClock()
            let begin = clock.now
            do {
                try work()
            } catch {
                _ = run.stop()
                throw error
            }
            let elapsed = begin.duration(to: clock.now)
            let stopped = run.stop()
            let readings = zip(events, placed).map { event, placement in
                EventReading(event: event, papiName: placement.papiName, reading: run.reading(placement, stopped))
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return CounterMeasurement(readings: readings, wallSeconds: seconds)
        }
    }

    /// Tries each event alone around empty work: what can actually be counted here, with PAPI's
    /// reason for what cannot.
    public func availability(of events: [CounterEvent] = CounterEvent.wantedHardware) throws -> CounterAvailability {
        var results: [EventReading] = []
        for event in events {
            let m = try measure(events: [event]) {}
            results.append(contentsOf: m.readings)
        }
        return CounterAvailability(hardwareCounterCount: hardwareCounterCount, readings: results)
    }
}

/// PAPI_strerror's text for a return code.
func papiMessage(_ code: Int32) -> String {
    guard let s = PAPI_strerror(code) else { return "PAPI error \(code)" }
    return String(cString: s)
}

/// The event sets of one measurement: one per PAPI component, created as events are placed.
private struct EventSetRun {
    struct Placement {
        var papiName: String?
        var component: Int32 = -1
        var index = -1
        var reason = ""
    }

    struct EventSet {
        var handle: Int32
        var count = 0
        var started = false
        var failure: String?
    }

    var sets: [Int32: EventSet] = [:]

    /// Adds the first of `event.papiNames` that PAPI accepts.
    mutating func place(_ event: CounterEvent) -> Placement {
        var failures: [String] = []
        for name in event.papiNames {
            if name.hasPrefix("sde:::"), let why = SDECounterBlock.shared.registrationFailure {
                failures.append("\(name): \(why)")
                continue
            }
            var code: Int32 = 0
            var rc = PAPI_event_name_to_code(name, &code)
            guard rc == PAPI_OK else {
                failures.append("\(name): PAPI_event_name_to_code: \(papiMessage(rc))")
                continue
            }
            let component = PAPI_get_event_component(code)
            if sets[component] == nil {
                var handle = PAPI_NULL
                rc = PAPI_create_eventset(&handle)
                guard rc == PAPI_OK else {
                    failures.append("\(name): PAPI_create_eventset: \(papiMessage(rc))")
                    continue
                }
                sets[component] = EventSet(handle: handle)
            }
            rc = PAPI_add_event(sets[component]!.handle, code)
            guard rc == PAPI_OK else {
                failures.append("\(name): PAPI_add_event: \(papiMessage(rc))")
                continue
            }
            let index = sets[component]!.count
            sets[component]!.count += 1
            return Placement(papiName: name, component: component, index: index)
        }
        return Placement(reason: failures.isEmpty ? "no PAPI name to try" : failures.joined(separator: "; "))
    }

    mutating func start() {
        for (component, set) in sets.sorted(by: { $0.key < $1.key }) where set.count > 0 {
            let rc = PAPI_start(set.handle)
            if rc == PAPI_OK {
                sets[component]!.started = true
            } else {
                sets[component]!.failure = "PAPI_start: \(papiMessage(rc))"
            }
        }
    }

    /// Stops every started set; values per component in add order.
    mutating func stop() -> [Int32: [Int64]] {
        var values: [Int32: [Int64]] = [:]
        for (component, set) in sets where set.started {
            var buffer = [CLongLong](repeating: 0, count: set.count)
            let rc = PAPI_stop(set.handle, &buffer)
            sets[component]!.started = false
            if rc == PAPI_OK {
                values[component] = buffer.map { Int64($0) }
            } else {
                sets[component]!.failure = "PAPI_stop: \(papiMessage(rc))"
            }
        }
        return values
    }

    func reading(_ p: Placement, _ values: [Int32: [Int64]]) -> CounterReading {
        guard let name = p.papiName else { return .unavailable(reason: p.reason) }
        if let failure = sets[p.component]?.failure { return .unavailable(reason: "\(name): \(failure)") }
        guard let v = values[p.component]?[p.index] else { return .unavailable(reason: "\(name): not read") }
        // PAPI signals some failures in-band with negative counts (-1 for an unknown SDE name).
        guard v >= 0 else { return .unavailable(reason: "\(name): PAPI read \(v)") }
        return .value(v)
    }

    mutating func destroy() {
        for (_, var set) in sets {
            if set.started { _ = PAPI_stop(set.handle, nil) }
            _ = PAPI_cleanup_eventset(set.handle)
            _ = PAPI_destroy_eventset(&set.handle)
        }
        sets = [:]
    }
}
