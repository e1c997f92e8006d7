// Errors of the PAPI layer. Each carries PAPI's own message (PAPI_strerror) where PAPI produced it.
// An event that cannot be counted on this machine is *not* an error: it is a reading,
// `CounterReading.unavailable(reason:)`. Errors are for misuse and for a PAPI that cannot start.

public enum CounterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// PAPI_library_init failed (or returned another version than the headers were built for).
    case libraryInit(code: Int32, message: String)
    /// An `sde:::` name that this process never registered. PAPI itself accepts any well-formed
    /// `sde:::` name and reads -1 for it; we refuse the name instead.
    case unknownSoftwareEvent(name: String, registered: [String])
    /// A measurement was started inside another one on the same thread (PAPI sessions do not nest).
    case nestedMeasurement
    /// A PAPI call that should not fail did (event-set bookkeeping).
    case papi(call: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case let .libraryInit(code, message):
            return "PAPI_library_init failed: \(message) (code \(code))"
        case let .unknownSoftwareEvent(name, registered):
            return "unknown software-defined event '\(name)'; registered: \(registered.joined(separator: ", "))"
        case .nestedMeasurement:
            return "a counter measurement was started inside another one on the same thread; measurements do not nest"
        case let .papi(call, code, message):
            return "\(call) failed: \(message) (code \(code))"
        }
    }
}
