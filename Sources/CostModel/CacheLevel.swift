// The last-level cache as the roofline sees it (issue 14 §2): bytes whose reuse working set fits
// in the cache read faster than DRAM.
//
//   read rate(W) = max(DRAM rate, curve(W))   for 0 < W <= the curve's largest working set
//                = DRAM rate                   for W = 0 (no reuse stated) or W beyond the curve
//
// where curve(W) is the profile's `read_bandwidth_by_working_set_bytes`, linear in log2(W) between
// its points and flat below the first (Log2Interpolation, the rule of every curve here), and the
// DRAM rate is the profile's bandwidth x memory efficiency (the stream read over arrays far larger
// than the cache). The max keeps the level a speed-up only: a curve point that read a little below
// the DRAM figure (noise; the largest working sets are DRAM reads too) never slows an operator.
// A partial fit (W between the cache size and the largest point) is charged at a measured rate,
// the curve's, never at a guessed blend.
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
    /// accelerator: a sourced figure). Empty: the size is recorded, the roofline charges DRAM only.
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
    }
}

/// Where an operator's bytes were charged (the breakdown's `memory_level`).
public enum MemoryLevel: String, Sendable, Hashable {
    /// At the DRAM rate: no level in the profile, no reuse working set, or one beyond the curve.
    case dram
    /// The working set fits in the last-level cache: the curve's rate at it.
    case llc
    /// The working set is larger than the cache but inside the curve: the curve's (measured) rate
    /// of that partial fit.
    case llcPartial = "llc_partial"
    /// The operator's class has its own calibrated memory efficiency (`operator_memory_efficiency`).
    case classRate = "class_rate"
}

/// The level in the form the roofline reads: points ascending in log2(working set).
public struct CacheLevelRates: Sendable, Hashable {
    public var lastLevelCacheBytes: Int128
    /// (log2 bytes, bytes/s), ascending.
    public var points: [Point]
    public var largestWorkingSetBytes: Int128

    public struct Point: Sendable, Hashable {
        public var log2Bytes: Double
        public var bytesPerSecond: Double
    }

    /// nil when the level has no curve (the size alone prices nothing).
    public init?(_ level: CacheLevel) {
        let sorted = level.readBytesPerSecondByWorkingSetBytes.sorted { $0.key < $1.key }
        guard let last = sorted.last else { return nil }
        lastLevelCacheBytes = level.lastLevelCacheBytes
        largestWorkingSetBytes = last.key
        points = sorted.map { Point(log2Bytes: $0.key.fastDouble.log2Approximation, bytesPerSecond: $0.value) }
    }

    /// The read rate of bytes whose reuse working set is `workingSetBytes`, and the level it is
    /// charged at (the header's rule); `dram` is the profile's DRAM read rate.
    public func readBytesPerSecond(workingSetBytes w: Int128, dram: Double) -> (bytesPerSecond: Double, level: MemoryLevel) {
        guard w > 0, w <= largestWorkingSetBytes else { return (dram, .dram) }
        let curve = Log2Interpolation.value(points.map { (log2X: $0.log2Bytes, value: $0.bytesPerSecond) },
                                            atLog2: w.fastDouble.log2Approximation) ?? dram
        guard curve > dram else { return (dram, .dram) }
        return (curve, w <= lastLevelCacheBytes ? .llc : .llcPartial)
    }
}
