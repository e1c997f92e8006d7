// Profiles/hardware/<id>.json -> HardwareSpec. Capacities are integer bytes; bandwidth in
// bytes/s; peak throughput in FLOP/s per dtype (dense, no sparsity).

import CostModel
import Foundation

enum HardwareProfile {
    static let knownKeys: Set<String> = [
        "id", "source", "notes", "memory_bytes", "runtime_overhead_bytes",
        "memory_bandwidth_bytes_per_second", "peak_flops_per_second", "compute_efficiency",
        "memory_efficiency", "operator_overhead_seconds", "operator_efficiency", "operator_memory_efficiency", "compute_efficiency_by_rows", "elementwise_flops_per_second",
        "activation_flops_per_second",
        "interconnect", "price_per_device_hour", "first_touch_seconds_per_byte", "blas_wake_up_seconds",
        "one_row_product_call_seconds", "one_row_product_read_fraction_by_working_set_bytes", "one_row_product_seconds_by_shape",
        "probe_sgemm_flops_per_second", "last_level_cache_bytes", "read_bandwidth_by_working_set_bytes",
        "efficiency_curves", "default_attention_kernel",
        // Written by `calibrate` for host profiles; descriptive only but for `calibrated_at`, which
        // is checked (ISO 8601 UTC) and read by `validate` to warn on a stale profile.
        "cpu_model", "cores", "threads", "openblas_core", "calibrated_at", "spread",
    ]

    static let interconnectKeys: Set<String> = [
        "device_link_bytes_per_second", "host_link_bytes_per_second", "collective_efficiency",
        "step_latency_seconds", "node_devices", "source",
    ]

    /// `interconnect`: the links of a node (every key required but `source`, which is required too:
    /// a link figure without its source is not accepted).
    static func interconnect(_ f: JSONFields) throws(ProfileError) -> Interconnect? {
        guard let i = try f.nested("interconnect") else { return nil }
        try i.rejectUnknownKeys(interconnectKeys)
        return Interconnect(
            deviceLinkBytesPerSecond: try i.double("device_link_bytes_per_second"),
            hostLinkBytesPerSecond: try i.double("host_link_bytes_per_second"),
            collectiveEfficiency: try i.double("collective_efficiency"),
            stepLatencySeconds: try i.double("step_latency_seconds"),
            nodeDevices: try i.int("node_devices"),
            source: try i.string("source"))
    }

    /// `directory` is the profile's folder: `efficiency_curves` is a path relative to it (nil: the
    /// current directory).
    static func decode(_ f: JSONFields, directory: URL? = nil) throws(ProfileError) -> HardwareSpec {
        try f.rejectUnknownKeys(knownKeys)
        _ = try calibratedAt(f)
        guard let peaks = try f.nested("peak_flops_per_second") else {
            throw f.error("peak_flops_per_second", "is required (an object of FLOP/s per dtype)", nil)
        }
        var peak: [DType: Double] = [:]
        for key in peaks.object.keys.sorted() {
            guard let dtype = DType(rawValue: key) else {
                throw peaks.error(key, "is not a dtype (one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")))", nil)
            }
            peak[dtype] = try peaks.double(key)
        }
        func classes(_ key: String, dense: String) throws(ProfileError) -> [OperatorClass: Double] {
            var out: [OperatorClass: Double] = [:]
            guard let classes = try f.nested(key) else { return out }
            for name in classes.object.keys.sorted() {
                guard let cls = OperatorClass(rawValue: name), cls != .dense, cls != .communication else {
                    throw classes.error(name, "is not an operator class (attention_core, windowed_attention_core, retention_core; dense is `\(dense)`)", nil)
                }
                out[cls] = try classes.double(name)
            }
            return out
        }
        let classEfficiency = try classes("operator_efficiency", dense: "compute_efficiency")
        let classMemoryEfficiency = try classes("operator_memory_efficiency", dense: "memory_efficiency")
        var byRows: [Int: Double] = [:]
        if let table = try f.nested("compute_efficiency_by_rows") {
            for key in table.object.keys.sorted() {
                // Canonical digits only: "+5", "05" and "5" would otherwise be one row, the last read winning.
                guard let rows = Int(key), rows >= 1, String(rows) == key else {
                    throw table.error(key, "is not a row count (a positive integer key written as plain digits)", nil)
                }
                byRows[rows] = try table.double(key)
            }
        }
        var spec = HardwareSpec(
            id: try f.string("id"), source: try f.string("source"),
            notes: try f.optionalString("notes") ?? "",
            memoryBytes: Int128(try f.int("memory_bytes")),
            runtimeOverheadBytes: Int128(try f.optionalInt("runtime_overhead_bytes") ?? 0),
            memoryBandwidthBytesPerSecond: try f.double("memory_bandwidth_bytes_per_second"),
            peakFlopsPerSecond: peak,
            computeEfficiency: try f.double("compute_efficiency"),
            memoryEfficiency: try f.double("memory_efficiency"),
            operatorOverheadSeconds: try f.double("operator_overhead_seconds"),
            operatorEfficiency: classEfficiency, operatorMemoryEfficiency: classMemoryEfficiency,
            computeEfficiencyByRows: byRows,
            elementwiseFlopsPerSecond: f.has("elementwise_flops_per_second") ? try f.double("elementwise_flops_per_second") : nil,
            interconnect: try interconnect(f),
            pricePerDeviceHour: f.has("price_per_device_hour") ? try f.double("price_per_device_hour") : nil)
        // The feed-forward activation's rate (issue 14), optional: older profiles price it as other FLOPs.
        spec.activationFlopsPerSecond = f.has("activation_flops_per_second") ? try f.double("activation_flops_per_second") : nil
        // Fixed costs per run (issue 14), optional: older profiles have neither.
        spec.firstTouchSecondsPerByte = f.has("first_touch_seconds_per_byte") ? try f.double("first_touch_seconds_per_byte") : nil
        spec.blasWakeUpSeconds = f.has("blas_wake_up_seconds") ? try f.double("blas_wake_up_seconds") : nil
        // Per one-row product call (issue 14), optional: older profiles price without it.
        spec.oneRowProductCallSeconds = f.has("one_row_product_call_seconds") ? try f.double("one_row_product_call_seconds") : nil
        spec.oneRowProductReadFractionByWorkingSetBytes = try workingSetTable(f, "one_row_product_read_fraction_by_working_set_bytes")
        spec.oneRowProductSecondsByShape = try oneRowSecondsByShape(f)
        // The drift probe's sgemm as calibrated (issue 14), optional and descriptive.
        spec.probeSgemmFlopsPerSecond = f.has("probe_sgemm_flops_per_second") ? try f.double("probe_sgemm_flops_per_second") : nil
        spec.cacheLevel = try cacheLevel(f)
        do { try spec.validate() } catch { throw ProfileError(file: f.file, error) }
        // The curves file last: a profile's own fields are reported before a file it names.
        if let path = try f.optionalString("efficiency_curves") {
            let name = try f.string("default_attention_kernel")
            guard let kernel = AttentionKernel(rawValue: name) else {
                throw f.error("default_attention_kernel", "must be one of \(AttentionKernel.allCases.map(\.rawValue).joined(separator: ", "))", name)
            }
            let base = directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw f.error("efficiency_curves", "must name an existing file (relative to the profile's folder)", path)
            }
            spec.efficiencyCurves = try EfficiencyCurvesFile.load(url, display: path, defaultKernel: kernel)
        } else if f.has("default_attention_kernel") {
            throw f.error("default_attention_kernel", "applies only with `efficiency_curves`", try f.string("default_attention_kernel"))
        }

        return spec
    }
}

extension HardwareProfile {
    /// `last_level_cache_bytes` and `read_bandwidth_by_working_set_bytes` (issue 14, optional; the
    /// roofline's rule is in CostModel/CacheLevel.swift): the cache's size alone, or with its read
    /// rate by working set (keys: working-set bytes as plain digits). A curve needs the size.
    static func cacheLevel(_ f: JSONFields) throws(ProfileError) -> CacheLevel? {
        let curve = try workingSetTable(f, "read_bandwidth_by_working_set_bytes")
        guard f.has("last_level_cache_bytes") else {
            if !curve.isEmpty {
                throw f.error("read_bandwidth_by_working_set_bytes", "needs `last_level_cache_bytes` beside it (the cache the curve measures)", nil)
            }
            return nil
        }
        return CacheLevel(lastLevelCacheBytes: Int128(try f.int("last_level_cache_bytes")), readBytesPerSecondByWorkingSetBytes: curve)
    }

    /// An object keyed by working-set bytes written as plain digits (`read_bandwidth_by_working_set_bytes`,
    /// `one_row_product_read_fraction_by_working_set_bytes`); empty when the key is absent.
    static func workingSetTable(_ f: JSONFields, _ name: String) throws(ProfileError) -> [Int128: Double] {
        var out: [Int128: Double] = [:]
        guard let table = try f.nested(name) else { return out }
        for key in table.object.keys.sorted() {
            guard let bytes = Int(key), bytes >= 1, String(bytes) == key else {
                throw table.error(key, "is not a working set in bytes (a positive integer key written as plain digits)", nil)
            }
            out[Int128(bytes)] = try table.double(key)
        }
        return out
    }

    /// `one_row_product_seconds_by_shape` (issue 14, optional): `{"KxN": {"<working-set bytes>":
    /// seconds per call, ...}, ...}` (OneRowProductRead.swift, "Per-shape times"); empty when absent.
    static func oneRowSecondsByShape(_ f: JSONFields) throws(ProfileError) -> [OneRowMatrix: [Int128: Double]] {
        let name = "one_row_product_seconds_by_shape"
        var out: [OneRowMatrix: [Int128: Double]] = [:]
        guard let table = try f.nested(name) else { return out }
        for key in table.object.keys.sorted() {
            guard let shape = OneRowMatrix(key: key) else {
                throw table.error(key, "is not a matrix shape (inputs x outputs written as KxN with positive integers, e.g. 256x768)", nil)
            }
            out[shape] = try workingSetTable(table, key)
        }
        return out
    }

    /// `calibrated_at`: when `calibrate` measured the profile, ISO 8601 UTC with seconds
    /// (`2025-01-31T12:00:00Z`); optional (profiles from before it, and every vendor profile, have
    /// none), strict when present.
    static func calibratedAt(_ f: JSONFields) throws(ProfileError) -> Date? {
        guard let text = try f.optionalString("calibrated_at") else { return nil }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime]
        guard let date = parser.date(from: text) else {
            throw f.error("calibrated_at", "must be an ISO 8601 UTC time such as 2025-01-31T12:00:00Z", text)
        }
        return date
    }
}

extension ProfileStore {
    /// When the hardware profile `idOrPath` was calibrated (its `calibrated_at`), nil when it does not
    /// say; the profile must load (`loadHardware`).
    public func hardwareCalibratedAt(_ idOrPath: String) throws -> Date? {
        _ = try loadHardware(idOrPath)
        let url = Self.isPath(idOrPath) ? URL(fileURLWithPath: idOrPath) : hardwareDirectory.appendingPathComponent(idOrPath + ".json")
        return try HardwareProfile.calibratedAt(try Self.read(url, display: displayPath(url)))
    }
}
