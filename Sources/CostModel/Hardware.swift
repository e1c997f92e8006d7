// An accelerator or host as the cost model sees it. Base units only: bytes, bytes/s, FLOP/s,
// seconds. Efficiencies are fractions of peak that the roofline model assumes are reachable
// (BRIEF §3, "Latency model"); each profile states where its figures come from.

public struct HardwareSpec: Sendable, Hashable {
    public var id: String
    public var source: String
    public var notes: String
    /// Memory capacity as the device reports it, in bytes.
    public var memoryBytes: Int128
    /// Reserve taken by the runtime (context, allocator pools) before the model loads, in bytes.
    public var runtimeOverheadBytes: Int128
    /// Peak memory bandwidth, bytes/s.
    public var memoryBandwidthBytesPerSecond: Double
    /// Dense peak throughput per compute dtype, FLOP/s (no sparsity).
    public var peakFlopsPerSecond: [DType: Double]
    /// Fraction of peak FLOP/s reached by large matrix products.
    public var computeEfficiency: Double
    /// Fraction of peak reached by products with weights at a given number of rows (tokens), where
    /// calibrated: small GEMMs reach less of peak than large ones. Interpolated in log2(rows);
    /// empty means `computeEfficiency` at every size.
    public var computeEfficiencyByRows: [Int: Double]
    /// Fraction of peak bandwidth reached by streaming reads.
    public var memoryEfficiency: Double
    /// Fixed cost per operator launch, seconds.
    public var operatorOverheadSeconds: Double
    /// Rate of element-wise work (norms, RoPE, softmax, gates: the "other" FLOPs) where it differs
    /// from the matrix peak, FLOP/s; nil folds it into the matrix rate (GPU profiles).
    public var elementwiseFlopsPerSecond: Double?
    /// Rate of a feed-forward's activation FLOPs (SwiGLU's swish(gate) x up) where the profile states
    /// one (host profiles: `calibrate`, issue 14; Roofline.swift, "Activation rate"); nil charges
    /// them as the other element-wise FLOPs.
    public var activationFlopsPerSecond: Double? = nil
    /// Efficiencies of operator classes that differ from `computeEfficiency` (host profiles
    /// calibrate the attention and retention cores apart; GPU profiles usually leave this empty).
    public var operatorEfficiency: [OperatorClass: Double]
    /// Fractions of bandwidth reached by operator classes whose memory traffic runs at a different
    /// rate from `memoryEfficiency` (on CPU hosts: the attention core's K/V reads while decoding).
    public var operatorMemoryEfficiency: [OperatorClass: Double]
    /// The links between devices of a node (nil: a single device, no parallel layout).
    public var interconnect: Interconnect?
    /// Price of one device-hour in US dollars, where the profile states one (nil: give `--price`).
    public var pricePerDeviceHour: Double?
    /// Per-operator efficiencies from published kernel measurements (GPU profiles); when present
    /// the roofline uses them instead of the single efficiencies above (Roofline+Curves.swift).
    public var efficiencyCurves: EfficiencyCurves?
    /// Seconds per byte of a fresh buffer's first touch (allocation, page faults, zeroing), where
    /// the profile states it (host profiles: `calibrate`); a prefill pays it once over its
    /// activation bytes (Roofline.swift, "Fixed costs per run"). nil: no such cost.
    public var firstTouchSecondsPerByte: Double? = nil
    /// Seconds a multi-threaded product pays to wake the BLAS library's sleeping workers, where the
    /// profile states it (host profiles); a prefill pays it once. nil: no such cost.
    public var blasWakeUpSeconds: Double? = nil
    /// The drift probe's own sgemm (512^3, Profiler/DriftProbe.swift) as `calibrate` measured it,
    /// FLOP/s, where the profile states it (host profiles since issue 14): the probe's sgemm row
    /// compares like with like. Descriptive: the roofline never reads it.
    public var probeSgemmFlopsPerSecond: Double? = nil
    /// The last-level cache and its read rate by working set, where the profile states it (host
    /// profiles: sysfs and `calibrate`; CacheLevel.swift has the rule). nil: every byte at the
    /// DRAM rate, as before the level existed.
    public var cacheLevel: CacheLevel? = nil
    /// Seconds each BLAS call of a one-row product pays beyond its bytes (call setup, the hand-off
    /// to and join of the library's workers), where the profile states it (host profiles:
    /// `calibrate`); charged per call to operators on fewer than 4 token rows (Roofline.swift).
    /// nil: no such cost.
    public var oneRowProductCallSeconds: Double? = nil
    /// The one-row products' read rate as a fraction of the roofline's rate at a working set
    /// (`one_row_product_read_fraction_by_working_set_bytes`, host profiles: `calibrate`;
    /// OneRowProductRead.swift has the rule). Empty: their bytes cost what any operator's do.
    public var oneRowProductReadFractionByWorkingSetBytes: [Int128: Double] = [:]
    /// Seconds per one-row call of each calibrated matrix shape by working set
    /// (`one_row_product_seconds_by_shape`, host profiles: `calibrate`; OneRowProductRead.swift,
    /// "Per-shape times"). Empty: calls are priced by the fraction and the per-call cost above.
    public var oneRowProductSecondsByShape: [OneRowMatrix: [Int128: Double]] = [:]

    public init(
        id: String, source: String, notes: String = "", memoryBytes: Int128,
        runtimeOverheadBytes: Int128 = 0, memoryBandwidthBytesPerSecond: Double,
        peakFlopsPerSecond: [DType: Double], computeEfficiency: Double, memoryEfficiency: Double,
        operatorOverheadSeconds: Double, operatorEfficiency: [OperatorClass: Double] = [:],
        operatorMemoryEfficiency: [OperatorClass: Double] = [:], computeEfficiencyByRows: [Int: Double] = [:],
        elementwiseFlopsPerSecond: Double? = nil, efficiencyCurves: EfficiencyCurves? = nil,
        interconnect: Interconnect? = nil, pricePerDeviceHour: Double? = nil
    ) {
        self.id = id
        self.source = source
        self.notes = notes
        self.memoryBytes = memoryBytes
        self.runtimeOverheadBytes = runtimeOverheadBytes
        self.memoryBandwidthBytesPerSecond = memoryBandwidthBytesPerSecond
        self.peakFlopsPerSecond = peakFlopsPerSecond
        self.computeEfficiency = computeEfficiency
        self.memoryEfficiency = memoryEfficiency
        self.operatorOverheadSeconds = operatorOverheadSeconds
        self.operatorEfficiency = operatorEfficiency
        self.operatorMemoryEfficiency = operatorMemoryEfficiency
        self.computeEfficiencyByRows = computeEfficiencyByRows
        self.elementwiseFlopsPerSecond = elementwiseFlopsPerSecond
        self.interconnect = interconnect
        self.pricePerDeviceHour = pricePerDeviceHour
        self.efficiencyCurves = efficiencyCurves
    }

    /// Physically sensible ranges: a figure outside them is a typo or a unit slip (a subnormal
    /// bandwidth gives `inf` hours, a 1e308-second overhead `null`), never a device.
    /// Memory from 1 MiB to 1 EiB; bandwidth from 1 MB/s to 1 PB/s; peak and element-wise rates
    /// from 1 MFLOP/s to 10 EFLOP/s; efficiencies from 0.001 to 1; launch overhead up to 1 s.
    public static let memoryBytesRange: ClosedRange<Int128> = (1 << 20)...(1 << 60)
    public static let bandwidthRange: ClosedRange<Double> = 1e6...1e15
    public static let flopsRange: ClosedRange<Double> = 1e6...1e19
    public static let efficiencyRange: ClosedRange<Double> = 1e-3...1
    public static let overheadSecondsRange: ClosedRange<Double> = 0...1

    /// Throws the first violated constraint (field names are the profile's keys).
    public func validate() throws(SpecError) {
        if !Self.memoryBytesRange.contains(memoryBytes) {
            throw SpecError(field: "memory_bytes", constraint: "must be from 2^20 (1 MiB) to 2^60 (1 EiB)", value: "\(memoryBytes)")
        }
        if runtimeOverheadBytes < 0 || runtimeOverheadBytes >= memoryBytes {
            throw SpecError(field: "runtime_overhead_bytes", constraint: "must be at least 0 and below `memory_bytes` (\(memoryBytes))", value: "\(runtimeOverheadBytes)")
        }
        if !Self.bandwidthRange.contains(memoryBandwidthBytesPerSecond) {
            throw SpecError(field: "memory_bandwidth_bytes_per_second", constraint: "must be from 1e6 (1 MB/s) to 1e15 (1 PB/s)", value: "\(memoryBandwidthBytesPerSecond)")
        }
        if peakFlopsPerSecond.isEmpty {
            throw SpecError(field: "peak_flops_per_second", constraint: "must name at least one dtype", value: "{}")
        }
        for (dtype, flops) in peakFlopsPerSecond.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !Self.flopsRange.contains(flops) {
            throw SpecError(field: "peak_flops_per_second.\(dtype.rawValue)", constraint: "must be from 1e6 (1 MFLOP/s) to 1e19 (10 EFLOP/s)", value: "\(flops)")
        }
        for (field, value) in [("compute_efficiency", computeEfficiency), ("memory_efficiency", memoryEfficiency)]
        where !Self.efficiencyRange.contains(value) {
            throw SpecError(field: field, constraint: "must be from 0.001 to 1", value: "\(value)")
        }
        for (name, map) in [("operator_efficiency", operatorEfficiency), ("operator_memory_efficiency", operatorMemoryEfficiency)] {
            for (cls, value) in map.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !Self.efficiencyRange.contains(value) {
                throw SpecError(field: "\(name).\(cls.rawValue)", constraint: "must be from 0.001 to 1", value: "\(value)")
            }
        }
        for (rows, value) in computeEfficiencyByRows.sorted(by: { $0.key < $1.key }) {
            if rows < 1 {
                throw SpecError(field: "compute_efficiency_by_rows", constraint: "keys must be row counts of at least 1", value: "\(rows)")
            }
            if !Self.efficiencyRange.contains(value) {
                throw SpecError(field: "compute_efficiency_by_rows.\(rows)", constraint: "must be from 0.001 to 1", value: "\(value)")
            }
        }
        if let e = elementwiseFlopsPerSecond, !Self.flopsRange.contains(e) {
            throw SpecError(field: "elementwise_flops_per_second", constraint: "must be from 1e6 (1 MFLOP/s) to 1e19 (10 EFLOP/s)", value: "\(e)")
        }
        if let a = activationFlopsPerSecond, !Self.flopsRange.contains(a) {
            throw SpecError(field: "activation_flops_per_second", constraint: "must be from 1e6 (1 MFLOP/s) to 1e19 (10 EFLOP/s)", value: "\(a)")
        }
        if !Self.overheadSecondsRange.contains(operatorOverheadSeconds) {
            throw SpecError(field: "operator_overhead_seconds", constraint: "must be from 0 to 1 second", value: "\(operatorOverheadSeconds)")
        }
        if let t = firstTouchSecondsPerByte, !(t >= 0 && t <= 1e-6) {
            throw SpecError(field: "first_touch_seconds_per_byte", constraint: "must be from 0 to 1e-6 (1 MB/s)", value: "\(t)")
        }
        if let w = blasWakeUpSeconds, !Self.overheadSecondsRange.contains(w) {
            throw SpecError(field: "blas_wake_up_seconds", constraint: "must be from 0 to 1 second", value: "\(w)")
        }
        if let c = oneRowProductCallSeconds, !Self.overheadSecondsRange.contains(c) {
            throw SpecError(field: "one_row_product_call_seconds", constraint: "must be from 0 to 1 second", value: "\(c)")
        }
        try OneRowProductRead.validate(oneRowProductReadFractionByWorkingSetBytes)
        try OneRowProductTimes.validate(oneRowProductSecondsByShape)
        if let p = probeSgemmFlopsPerSecond, !Self.flopsRange.contains(p) {
            throw SpecError(field: "probe_sgemm_flops_per_second", constraint: "must be from 1e6 (1 MFLOP/s) to 1e19 (10 EFLOP/s)", value: "\(p)")
        }
        try cacheLevel?.validate()
        try interconnect?.validate()
        if let p = pricePerDeviceHour, !(p > 0 && p <= 1e6) {
            throw SpecError(field: "price_per_device_hour", constraint: "must be above 0 and at most 1e6 (US dollars)", value: "\(p)")
        }
    }

    /// Capacity left for the model after the runtime's reserve.
    public var usableMemoryBytes: Int128 { memoryBytes - runtimeOverheadBytes }
}
