// The cache level's calibration (issue 14 §2): the read rate of a working set of W bytes, taken by
// the same method as the profile's DRAM read (`StreamReadMethod`: the three stream arrays,
// allocated apart, read on OpenBLAS's thread count of workers, one warm-up and 5 timed passes over
// each, the median of the 15, started once no other thread of the process runs), with W the
// prefix of each array and each timed pass reading it `cyclesPerPass` times over, so that a pass
// moves as many bytes as one over a whole stream array:
//
//   W = last-level cache x 2^k, k = -3 ... 2 (1/8 to 4 x the cache), at most the stream array
//   cycles per pass = ceil(stream array bytes / W)
//
// The largest W must be beyond the cache (a DRAM read): the roofline reads the curve as speed-ups
// over it (CostModel/CacheLevel.swift). A cache as large as a stream array gets no curve.
//
// The warm-up pass leaves W in the cache (what a decode step finds of the previous one); below
// the cache size the rate is the cache's, above it the rate falls to DRAM's as the cyclic reads
// evict themselves. Microbenchmark only: nothing here sees a model run. About 6 x 16 passes of a
// stream array's bytes: under 2 s on this host.

import CostModel

extension CalibrationSettings {
    /// Working sets of the level's curve for a cache of `lastLevelCacheBytes`: 1/8 to 4 x the
    /// cache in factors of 2, each at least 4 KiB (a page) and at most one stream array; none when
    /// the largest would not exceed the cache (no DRAM-sized point to measure the others against).
    public func cacheLevelWorkingSets(lastLevelCacheBytes llc: Int) -> [Int] {
        let sizes = (-3...2).map { k in k < 0 ? llc >> -k : llc << k }.map { $0 / 4096 * 4096 }
            .filter { $0 >= 4096 && $0 <= streamArrayBytes }
        guard let largest = sizes.last, largest > llc else { return [] }
        return sizes
    }

    /// The read of a working set of `workingSetBytes` (the header's method).
    public func workingSetReadMethod(workingSetBytes w: Int, threads: Int) -> StreamReadMethod {
        var m = streamReadMethod(threads: threads)
        m.arrayBytes = w
        m.cyclesPerPass = max(1, (streamArrayBytes + w - 1) / w)
        return m
    }
}

extension CalibrationResult {
    /// The profile's cache level: sysfs's last-level cache with the calibrated curve (each working
    /// set's median rate); nil where sysfs lists no cache.
    public var cacheLevel: CacheLevel? {
        guard let llc = host.lastLevelCache else { return nil }
        var curve: [Int128: Double] = [:]
        for m in readByWorkingSet { curve[Int128(m.arrayBytes)] = m.bytesPerSecond.median }
        return CacheLevel(lastLevelCacheBytes: Int128(llc.sizeBytes), readBytesPerSecondByWorkingSetBytes: curve)
    }
}
