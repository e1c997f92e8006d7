// The last-level cache as the roofline sees it (issue 14 §2): bytes whose reuse working set fits
// in the cache read faster than DRAM.
//
//   read rate(W) = DRAM rate x max(1, curve(W) / curve(W_max))   for 0 < W <= W_max
//                = DRAM rate                                      for W = 0 (no reuse stated) or W > W_max
//
// where curve(W) is the profile's `read_bandwidth_by_working_set_bytes`, linear in log2(W) between
// its points and flat below the first (Log2Interpolation, the rule of every curve here), W_max its
// largest working set, which must be larger than the cache (a DRAM read: `calibrate` takes 4 x the
// cache, at most one 128 MiB stream array), and the DRAM rate the profile's bandwidth x memory
// efficiency. The curve is read as a speed-up over its own DRAM-sized point, measured in the same
// sweep seconds apart, not as absolute rates: on this VM two reads of the same 128 MiB arrays a few
// seconds apart differed by 1.6x under load (00:49 UTC, 2 Dec: the profile's read 6.0 GB/s, the
// curve's 128 MiB point 9.8 GB/s), and an absolute curve would then have priced DRAM-sized working
// sets 1.6x faster than DRAM. The ratio is 1 at W_max, so the level joins DRAM without a step; the
// max keeps it a speed-up only. A partial fit (W between the cache size and W_max) is charged at the
// curve's measured ratio there, never at a guessed blend.
//
// Which W an operator's bytes have (the reuse rule, Prefill.swift and Decode.swift stamp it on
// each OperatorCost as `reuseWorkingSetBytes`): the bytes of one whole pass, the bytes touched
// between two touches of the same weight or cache position in back-to-back passes.
//   decode: all bytes one step moves (every operator's weights, the KV cache and states it reads,
//           its activations) at that step's context; every step re-reads the same weights and the
//           same cache, so when the step fits, all of it comes from the cache;
//   prefill: all bytes of the pass; a prefill's activations are reused sooner (the next operator
//           reads what the last wrote) but the byte counts do not split weights from activations,
//           so they are charged at the pass's rate too (a bound: never faster than the truth).
// Operators whose class has its own calibrated memory efficiency (the host's decode attention and
// gRet cores, `operator_memory_efficiency`) keep it: it was measured on their own working set.
// Profiles priced by efficiency curves (GPU) do not read the level (Roofline+Curves.swift).

/// A device's last-level cache and its read rate by working set (`last_level_cache_bytes`,
/// `read_bandwidth_by_working_set_bytes`).
public struct CacheLevel: Sendable, Hashable {
    /// Size of the last-level cache, bytes (host: sysfs; accelerator: the vendor's figure).
    public var lastLevelCacheBytes: Int128
    /// Read rate of cyclic passes over a working set of the key's bytes, bytes/s (host: `calibrate`;
    /// accelerator: sourced figures), the largest working set a DRAM read beyond the cache; the
    /// roofline reads the ratios to that point (header). Empty: the size is recorded, the roofline
    /// charges DRAM only.
    public var readBytesPerSecondByWorkingSetBytes: [Int128: Double]

    public init(lastLevelCacheBytes: Int128, readBytesPerSecondByWorkingSetBytes: [Int128: Double] = [:]) {
        self.lastLevelCacheBytes = lastLevelCacheBytes
        self.readBytesPerSecondByWorkingSetBytes = readBytesPerSecondByWorkingSetBytes
    }

    /// Caches from 4 KiB to 1 TiB; working sets from 1 KiB to 1 PiB; rates in the bandwidth range.
    public static let cacheBytesRange: ClosedRange<Int128> = (1 << 12)...(1 << 40)
    public static let workingSetBytesRange: ClosedRange<Int128> = (1 << 10)...(1 << 50)

    public func validate() throws(SpecError) {
        if !Self.cacheBytesRange.contains(lastLevelCacheBytes) {
            throw SpecError(field: "last_level_cache_bytes", constraint: "must be from 2^12 (4 KiB) to 2^40 (1 TiB)", value: "\(lastLevelCacheBytes)")
        }
        for (w, rate) in readBytesPerSecondByWorkingSetBytes.sorted(by: { $0.key < $1.key }) {
            if !Self.workingSetBytesRange.contains(w) {
                throw SpecError(field: "read_bandwidth_by_working_set_bytes", constraint: "keys must be working sets from 2^10 (1 KiB) to 2^50 (1 PiB) bytes", value: "\(w)")
            }
            if !HardwareSpec.bandwidthRange.contains(rate) {
                throw SpecError(field: "read_bandwidth_by_working_set_bytes.\(w)", constraint: "must be from 1e6 (1 MB/s) to 1e15 (1 PB/s)", value: "\(rate)")
            }
        }
        if let largest = readBytesPerSecondByWorkingSetBytes.keys.max(), largest <= lastLevelCacheBytes {
            throw SpecError(field: "read_bandwidth_by_working_set_bytes",
                            constraint: "must reach a working set larger than `last_level_cache_bytes` (\(lastLevelCacheBytes)): its largest point is the DRAM read the others are measured against",
                            value: "\(largest)")
        }
    }
}

/// Where an operator's bytes were charged (the breakdown's `memory_level`).
public enum MemoryLevel: String, Sendable, Hashable {
    /// At the DRAM rate: no level in the profile, no reuse working set, or one beyond the curve.
    case dram
    /// The working set fits in the last-level cache: the curve's speed-up at it.
    case llc
    /// The working set is larger than the cache but inside the curve: the curve's (measured)
    /// speed-up of that partial fit.
    case llcPartial = "llc_partial"
    /// The operator's class has its own calibrated memory efficiency (`operator_memory_efficiency`).
    case classRate = "class_rate"
}

/// The level in the form the roofline reads.
public struct CacheLevelRates: Sendable, Hashable {
    public var lastLevelCacheBytes: Int128
    /// Read rate, bytes/s, by working set.
    public var curve: WorkingSetCurve
    public var largestWorkingSetBytes: Int128

    /// The curve's rate at its largest working set: the DRAM read of the same sweep.
    public var largestWorkingSetBytesPerSecond: Double { curve.last }

    /// nil when the level has no curve (the size alone prices nothing).
    public init?(_ level: CacheLevel) {
        guard let curve = WorkingSetCurve(level.readBytesPerSecondByWorkingSetBytes),
              let largest = level.readBytesPerSecondByWorkingSetBytes.keys.max() else { return nil }
        lastLevelCacheBytes = level.lastLevelCacheBytes
        largestWorkingSetBytes = largest
        self.curve = curve
    }

    /// The read rate of bytes whose reuse working set is `workingSetBytes`, and the level it is
    /// charged at (the header's rule); `dram` is the profile's DRAM read rate.
    public func readBytesPerSecond(workingSetBytes w: Int128, dram: Double) -> (bytesPerSecond: Double, level: MemoryLevel) {
        guard w > 0, w <= largestWorkingSetBytes else { return (dram, .dram) }
        let speedUp = curve.value(atBytes: w) / largestWorkingSetBytesPerSecond
        guard speedUp > 1 else { return (dram, .dram) }
        return (dram * speedUp, w <= lastLevelCacheBytes ? .llc : .llcPartial)
    }
}
