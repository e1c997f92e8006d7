// A calibration as a hardware profile: the HardwareSpec the cost model uses and the JSON file
// ProfileStore loads (Profiles/hardware/<id>.json), with the descriptive host keys (cpu_model,
// cores, threads, openblas_core, calibrated_at) and every figure's spread.

import CostModel
import Foundation
import Kernels
import Reporting

extension CalibrationResult {
    /// The cost model's view of this host. Memory is MemTotal; the runtime reserve is what the
    /// process held before any model was loaded; fp32 is the only dtype the host kernels run.
    public func hardwareSpec(id: String? = nil) -> HardwareSpec {
        var spec = HardwareSpec(
            id: id ?? host.profileID, source: source, notes: notes,
            memoryBytes: Int128(host.memoryBytes),
            runtimeOverheadBytes: Int128(min(runtimeResidentBytes, host.memoryBytes - 1)),
            memoryBandwidthBytesPerSecond: memoryBandwidthBytesPerSecond,
            peakFlopsPerSecond: [.fp32: peakFlopsPerSecond],
            computeEfficiency: computeEfficiency, memoryEfficiency: memoryEfficiency,
            operatorOverheadSeconds: operatorOverheadSeconds, operatorEfficiency: operatorEfficiency,
            operatorMemoryEfficiency: operatorMemoryEfficiency, computeEfficiencyByRows: computeEfficiencyByRows,
            elementwiseFlopsPerSecond: kernels?.elementwiseFlopsPerSecond?.max)
        spec.activationFlopsPerSecond = kernels?.activationFlopsPerSecond?.median
        spec.firstTouchSecondsPerByte = fixedCosts?.firstTouchSecondsPerByte.median
        spec.blasWakeUpSeconds = fixedCosts?.blasWakeUpSeconds.median
        spec.probeSgemmFlopsPerSecond = probeSgemm?.flopsPerSecond.median
        spec.cacheLevel = cacheLevel
        spec.oneRowProductCallSeconds = oneRowProducts?.callSeconds
        spec.oneRowProductReadFractionByWorkingSetBytes = oneRowProducts?.readFractionByWorkingSetBytes ?? [:]
        spec.oneRowProductSecondsByShape = oneRowProducts?.secondsByShape ?? [:]
        return spec
    }

    public var source: String {
        "yocoprof calibrate on this host (\(host.cpuModel), \(host.cores) cores, OpenBLAS core \(blas.coreName), \(threads) threads, kernels \(blas.simdPath)): microbenchmarks only, medians of \(settings.repeats) runs"
    }

    public var notes: String {
        "peak_flops_per_second.fp32 = best sgemm rate over square sizes \(settings.squareSizes.map(String.init).joined(separator: ", ")) (or a kernel shape, if faster); "
            + (kernels != nil
                ? "compute_efficiency = the host-model projection shapes' FLOPs at prefill rows over their time at each shape's median rate, over the peak (FLOP-weighted); compute_efficiency_by_rows = the same at each row count; "
                    + "operator_efficiency = executed matrix FLOPs / (core seconds * peak) of the attention (N = 4096), windowed (N = 4W) and gRet (N = 2048) cores in one-layer models, core seconds from the kernels' operator clock less the overhead and element-wise time the roofline charges apart, best of the repeats; "
                    + "operator_memory_efficiency.attention_core = K/V bytes over the difference in the core's operator-clock time per step of an eight-layer model decoding at 256 and 4,096 positions, over the bandwidth; "
                    + (kernels?.retentionDecodeMemoryEfficiency != nil
                        ? "operator_memory_efficiency.retention_core = the recurrent gRet core's charged bytes (state read and written, activations) over its operator-clock time per layer-step less the operator overhead, one gRet layer decoding 32 steps, over the bandwidth; "
                        : "")
                    + "elementwise_flops_per_second = counted other FLOPs of RMSNorm and RoPE over a cache-resident [2048, d], best of the repeats; "
                    + (kernels?.activationFlopsPerSecond != nil
                        ? "activation_flops_per_second = counted FLOPs (5 per element) of the SwiGLU activation swish(gate) x up as the kernels run it over [\(Calibrator.activationRows), F] of the first calibration model's feed-forward, median of the repeats; "
                        : "")
                : "compute_efficiency = median over \(kernelProducts.count) kernel product shapes (host-model projections at prefill rows, attention tiles on their workers, gRet chunk products) of each shape's median rate / peak; ")
            + "memory_bandwidth_bytes_per_second = best of the copy, triad and read loops over 3 x \(settings.streamArrayBytes >> 20) MiB arrays on \(threads) workers; "
            + "memory_efficiency = median read rate / that bandwidth (the read over \(settings.streamReadMethod(threads: threads).arrays) arrays allocated apart, as the drift probe reads); "
            + (kernels != nil
                ? "operator_overhead_seconds = median decode-step time of a tiny one-layer model (d = 64) per operator the cost model counts; "
                : "operator_overhead_seconds = median time of one 8x8x8 sgemm call; ")
            + (fixedCosts != nil
                ? "first_touch_seconds_per_byte = median wall time of allocating, zero-filling and releasing a fresh \(Calibrator.firstTouchBytes >> 20) MiB buffer through the kernels' allocator, per byte; "
                    + "blas_wake_up_seconds = median excess of a \(Calibrator.wakeUpShape.m)^3 sgemm on \(threads) threads called after the process went quiet over the same call back to back; "
                : "")
            + (oneRowProducts != nil
                ? "one_row_product_read_fraction_by_working_set_bytes and one_row_product_call_seconds = over the calibration models' product shapes, each a one-row Linear.forward (one sgemv on \(threads) threads) back to back over \(Calibrator.residentCopies) copies of its matrix and over copies filling the cache level's largest working set, a least-squares line per working set of a call's seconds against its bytes' seconds at the roofline's read rate there: 1 / slope (keyed by the median working set), and the median intercept floored at 0; "
                : "")
            + (probeSgemm != nil
                ? "probe_sgemm_flops_per_second = median rate of the drift probe's \(DriftProbe.gemm.m)^3 sgemm taken as the probe takes it, right after the read; "
                : "")
            + (host.lastLevelCache.map { llc in
                "last_level_cache_bytes = cpu0's \(llc.description) (sysfs); read_bandwidth_by_working_set_bytes = median rate of the read over the first W bytes of each stream array, each timed pass reading them ceil(\(settings.streamArrayBytes >> 20) MiB / W) times over after a warm-up pass, W = 1/8 to 4 x that cache, at most one stream array (CacheLevel.swift has the roofline's rule); "
            } ?? "no last-level cache in sysfs (\(HostCaches.sysfsDirectory)): no cache level, every byte at the DRAM rate; ")
            + "runtime_overhead_bytes = resident memory of the process before any model was loaded; memory_bytes = MemTotal. "
            + "Never fitted to model runs (docs/PROFILING.md). Spreads: `spread`."
    }

    /// ISO 8601 UTC, e.g. "2025-01-31T12:00:00Z".
    public var calibratedAtText: String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: calibratedAt)
    }

    /// The profile file's text (keys in a fixed order, one figure per line).
    public func profileJSON(id: String? = nil) -> String {
        let spec = hardwareSpec(id: id)
        var spreadLines: [String] = []
        func spreadObject(_ s: Spread) -> String {
            "{\"median\": \(json(s.median)), \"min\": \(json(s.min)), \"max\": \(json(s.max)), \"samples\": \(s.samples)}"
        }
        for g in squares {
            spreadLines.append("    \(json("sgemm_square_\(g.shape.m)_flops_per_second")): \(spreadObject(g.flopsPerSecond))")
        }
        for g in kernelProducts {
            let key = "sgemm_\(g.shape.m)x\(g.shape.n)x\(g.shape.k)\(g.shape.transB ? "_bt" : "")\(g.shape.workers > 1 ? "_w\(g.shape.workers)" : "")\(g.shape.singleThreadedBLAS ? "_t1" : "")_flops_per_second"
            spreadLines.append("    \(json(key)): \(spreadObject(g.flopsPerSecond))")
        }
        for s in streams {
            spreadLines.append("    \(json("stream_\(s.kernel.rawValue)_bytes_per_second")): \(spreadObject(s.bytesPerSecond))")
        }
        for s in readByWorkingSet {
            spreadLines.append("    \(json("read_working_set_\(s.arrayBytes)_bytes_per_second")): \(spreadObject(s.bytesPerSecond))")
        }
        spreadLines.append("    \"sgemm_call_overhead_seconds\": \(spreadObject(operatorOverhead))")
        if let g = probeSgemm { spreadLines.append("    \"probe_sgemm_flops_per_second\": \(spreadObject(g.flopsPerSecond))") }
        if let f = fixedCosts {
            spreadLines.append("    \"first_touch_seconds_per_byte\": \(spreadObject(f.firstTouchSecondsPerByte))")
            spreadLines.append("    \"blas_wake_up_seconds\": \(spreadObject(f.blasWakeUpSeconds))")
        }
        if let o = oneRowProducts {
            for m in o.measurements {
                spreadLines.append("    \(json("one_row_product_\(m.k)x\(m.n)_working_set_\(m.workingSetBytes)_seconds")): \(spreadObject(m.secondsPerCall))")
            }
        }
        if let k = kernels {
            spreadLines.append("    \"kernel_operator_overhead_seconds\": \(spreadObject(k.operatorOverhead))")
            if let a = k.attentionCoreEfficiency { spreadLines.append("    \"attention_core_efficiency\": \(spreadObject(a))") }
            if let r = k.retentionCoreEfficiency { spreadLines.append("    \"retention_core_efficiency\": \(spreadObject(r))") }
            if let m = k.attentionDecodeMemoryEfficiency { spreadLines.append("    \"attention_decode_memory_efficiency\": \(spreadObject(m))") }
            if let w = k.windowedCoreEfficiency { spreadLines.append("    \"windowed_attention_core_efficiency\": \(spreadObject(w))") }
            if let e = k.elementwiseFlopsPerSecond { spreadLines.append("    \"elementwise_flops_per_second\": \(spreadObject(e))") }
            if let a = k.activationFlopsPerSecond { spreadLines.append("    \"activation_flops_per_second\": \(spreadObject(a))") }
            if let r = k.retentionDecodeMemoryEfficiency {
                spreadLines.append("    \"retention_decode_memory_efficiency\": \(spreadObject(r))")
            }
        }
        let fields: [(String, String)] = [
            ("id", json(spec.id)),
            ("source", json(spec.source)),
            ("notes", json(spec.notes)),
            ("memory_bytes", "\(spec.memoryBytes)"),
            ("runtime_overhead_bytes", "\(spec.runtimeOverheadBytes)"),
            ("memory_bandwidth_bytes_per_second", json(spec.memoryBandwidthBytesPerSecond)),
            ("peak_flops_per_second", "{\"fp32\": \(json(peakFlopsPerSecond))}"),
            ("compute_efficiency", json(computeEfficiency)),
            ("memory_efficiency", json(memoryEfficiency)),
            ("operator_overhead_seconds", json(operatorOverheadSeconds)),
            ("operator_efficiency", "{" + spec.operatorEfficiency.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\(json($0.key.rawValue)): \(json($0.value))" }.joined(separator: ", ") + "}"),
            ("elementwise_flops_per_second", spec.elementwiseFlopsPerSecond.map(json) ?? "null"),
            ("activation_flops_per_second", spec.activationFlopsPerSecond.map(json) ?? ""),
            ("compute_efficiency_by_rows", "{" + spec.computeEfficiencyByRows.sorted { $0.key < $1.key }
                .map { "\(json(String($0.key))): \(json($0.value))" }.joined(separator: ", ") + "}"),
            ("operator_memory_efficiency", "{" + spec.operatorMemoryEfficiency.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\(json($0.key.rawValue)): \(json($0.value))" }.joined(separator: ", ") + "}"),
            ("first_touch_seconds_per_byte", spec.firstTouchSecondsPerByte.map(json) ?? ""),
            ("blas_wake_up_seconds", spec.blasWakeUpSeconds.map(json) ?? ""),
            ("one_row_product_call_seconds", spec.oneRowProductCallSeconds.map(json) ?? ""),
            ("one_row_product_read_fraction_by_working_set_bytes", spec.oneRowProductReadFractionByWorkingSetBytes.isEmpty ? ""
                : "{" + spec.oneRowProductReadFractionByWorkingSetBytes.sorted { $0.key < $1.key }
                    .map { "\(json(String(describing: $0.key))): \(json($0.value))" }.joined(separator: ", ") + "}"),
            ("one_row_product_seconds_by_shape", spec.oneRowProductSecondsByShape.isEmpty ? ""
                : "{" + spec.oneRowProductSecondsByShape.sorted { $0.key < $1.key }.map { shape, points in
                    "\(json(shape.description)): {" + points.sorted { $0.key < $1.key }
                        .map { "\(json(String(describing: $0.key))): \(json($0.value))" }.joined(separator: ", ") + "}"
                }.joined(separator: ", ") + "}"),
            ("probe_sgemm_flops_per_second", spec.probeSgemmFlopsPerSecond.map(json) ?? ""),
            ("last_level_cache_bytes", spec.cacheLevel.map { "\($0.lastLevelCacheBytes)" } ?? ""),
            ("read_bandwidth_by_working_set_bytes", spec.cacheLevel.flatMap { level in
                level.readBytesPerSecondByWorkingSetBytes.isEmpty ? nil
                    : "{" + level.readBytesPerSecondByWorkingSetBytes.sorted { $0.key < $1.key }
                        .map { "\(json(String(describing: $0.key))): \(json($0.value))" }.joined(separator: ", ") + "}"
            } ?? ""),
            ("cpu_model", json(host.cpuModel)),
            ("cores", "\(host.cores)"),
            ("threads", "\(threads)"),
            ("openblas_core", json(blas.coreName)),
            ("calibrated_at", json(calibratedAtText)),
            ("spread", "{\n" + spreadLines.joined(separator: ",\n") + "\n  }"),
        ]
        // Fields without a value (fixed costs of a calibration that has none) are left out.
        return "{\n" + fields.filter { !$0.1.isEmpty }.map { "  \(json($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}

/// A JSON string literal.
func json(_ s: String) -> String { JSONText.quoted(s) }

/// A finite JSON number with 4 significant digits (measurements are noisier than that).
func json(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    if x == 0 { return "0" }
    return String(format: "%.4g", x)
}
