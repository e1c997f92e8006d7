// The events a measurement can ask for. A wanted quantity (say, "single-precision FLOPs") may have
// several PAPI spellings, of which a given CPU supports some or none: `papiNames` lists them in order
// of preference and a measurement uses the first one PAPI accepts (the reading records which).
//
// Three kinds:
//   hardware         PAPI presets (PAPI_TOT_CYC, ...) with the Linux perf generic event as fallback;
//                    need a PMU the kernel exposes (absent on the VMs this project runs on).
//   operatingSystem  perf software events counted by the kernel (perf::TASK-CLOCK, nanoseconds).
//   softwareDefined  the YOCOPROF SDE counters this process publishes (see SoftwareEvents.swift).

public struct CounterEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        case hardware, operatingSystem, softwareDefined
    }

    /// Short stable name for reports: "cycles", "sde.MATMUL_FLOPS".
    public let label: String
    public let kind: Kind
    /// PAPI event names, tried in order.
    public let papiNames: [String]

    public init(label: String, kind: Kind, papiNames: [String]) {
        self.label = label
        self.kind = kind
        self.papiNames = papiNames
    }

    public var description: String { label }

    // MARK: hardware

    public static let cycles = CounterEvent(
        label: "cycles", kind: .hardware,
        papiNames: ["PAPI_TOT_CYC", "perf::PERF_COUNT_HW_CPU_CYCLES"])
    public static let instructions = CounterEvent(
        label: "instructions", kind: .hardware,
        papiNames: ["PAPI_TOT_INS", "perf::PERF_COUNT_HW_INSTRUCTIONS"])
    /// Single-precision floating-point operations; falls back to vector SP instructions and then to
    /// all FP operations. How FMA and packed operations are counted differs by CPU: trust it only
    /// after `CounterSelfTest` has passed.
    public static let singlePrecisionFlops = CounterEvent(
        label: "sp_flops", kind: .hardware,
        papiNames: ["PAPI_SP_OPS", "PAPI_VEC_SP", "PAPI_FP_OPS"])
    public static let l1DataCacheMisses = CounterEvent(
        label: "l1d_misses", kind: .hardware,
        papiNames: ["PAPI_L1_DCM", "perf::L1-DCACHE-LOAD-MISSES"])
    /// Last-level cache misses: PAPI 7 has no PAPI_LLC_* preset; L3 is the last level on the x86
    /// servers this targets, and perf's generic LLC event is the fallback.
    public static let lastLevelCacheMisses = CounterEvent(
        label: "llc_misses", kind: .hardware,
        papiNames: ["PAPI_L3_TCM", "PAPI_L3_DCM", "perf::LLC-LOAD-MISSES"])

    /// The hardware events issue 5 asks for, in report order.
    public static let wantedHardware: [CounterEvent] = [
        .cycles, .instructions, .singlePrecisionFlops, .l1DataCacheMisses, .lastLevelCacheMisses,
    ]

    // MARK: operating system

    /// CPU time of the measuring thread in nanoseconds, counted by the kernel (no PMU needed).
    public static let taskClock = CounterEvent(
        label: "task_clock_ns", kind: .operatingSystem, papiNames: ["perf::TASK-CLOCK"])

    // MARK: software-defined

    public static func software(_ counter: SoftwareCounter) -> CounterEvent {
        CounterEvent(label: "sde.\(counter.rawValue)", kind: .softwareDefined, papiNames: [counter.papiEventName])
    }

    /// Every YOCOPROF software-defined counter.
    public static var allSoftware: [CounterEvent] { SoftwareCounter.allCases.map(software) }

    /// Any PAPI event by its full name. `sde:::` names are checked against what this process
    /// registered when measured; other names that PAPI does not know read as unavailable.
    public static func named(_ papiName: String) -> CounterEvent {
        let kind: Kind = papiName.hasPrefix("sde:::") ? .softwareDefined : .hardware
        return CounterEvent(label: papiName, kind: kind, papiNames: [papiName])
    }
}
