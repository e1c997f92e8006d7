// `calibrate`: microbenchmarks of this CPU, and the hardware profile derived from them.
// Microbenchmarks only — nothing here is fitted to the measured model runs it will predict
// (BRIEF §3, "Latency model"). Method (docs/PROFILING.md):
//
//   peak FLOP/s        best sgemm rate over large square products (n^3, n in `squareSizes`), or
//                      over the kernel shapes if one of them ran faster
//   compute efficiency median over the kernels' own product shapes (projections [N, d_in] x
//                      [d_in, d_out] of the host models, attention tiles, gRet chunk products) of
//                      each shape's median rate, divided by the peak
//   bandwidth          best rate of the STREAM-style copy, triad and read loops over arrays much
//                      larger than the last-level cache, on `threads` workers
//   memory efficiency  median rate of the plain read divided by that bandwidth (the read through
//                      `StreamReadMethod`, the path the drift probe takes too); every stream loop
//                      starts once no other thread of the process runs (ProcessQuiet.swift)
//   operator overhead  median time of one tiny sgemm call (8 x 8 x 8): the fixed cost an operator
//                      pays whatever its size
//   fixed costs/run    first touch of a fresh 64 MiB buffer per byte, and the wake-up of OpenBLAS's
//                      sleeping workers (Calibration+FixedCosts.swift)
// Every figure is over `repeats` runs (after one warm-up); each keeps its median, min and max.
// Threads: OpenBLAS's thread count as the kernels run it (BLAS.threads, all cores by default);
// attention tiles run as the attention kernel runs them, `workers` concurrent single-threaded
// products.

import CostModel
import Dispatch
import Foundation
import Kernels

/// One sgemm shape: C[m, n] = A[m, k] · B[k, n] (`transB`: B given as [n, k]).
public struct GemmShape: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var m: Int
    public var n: Int
    public var k: Int
    public var transB: Bool
    /// 1: one call at a time. w > 1: w concurrent calls, OpenBLAS single-threaded inside each
    /// (how the attention kernel runs its tiles); the rate is the sum over workers.
    public var workers: Int
    /// OpenBLAS runs on one thread (always so when workers > 1; the gRet kernel does it alone).
    public var singleThreadedBLAS: Bool

    public init(name: String, m: Int, n: Int, k: Int, transB: Bool = false, workers: Int = 1, singleThreadedBLAS: Bool = false) {
        self.name = name
        self.m = m
        self.n = n
        self.k = k
        self.transB = transB
        self.workers = workers
        self.singleThreadedBLAS = singleThreadedBLAS || workers > 1
    }

    /// FLOPs of one product (one multiply-add = 2).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    public var description: String {
        "\(m)x\(n)x\(k)" + (workers > 1 ? " on \(workers) workers" : "") + (singleThreadedBLAS ? ", BLAS 1 thread" : "")
    }

    /// The products the kernels run for `specs`: every projection weight [d_in, d_out] applied to
    /// `rows` rows (prefill), the attention tiles of `tiling` at each model's head dim, and the
    /// gated-retention chunk products. Duplicates are dropped; the embedding lookup and the output
    /// head (applied to the last position only) are not products of `rows` rows and are left out.
    public static func kernelShapes(for specs: [ModelSpec], rows: [Int], tiling: AttentionKernelTiling = .default) -> [GemmShape] {
        var out: [GemmShape] = []
        func add(_ s: GemmShape) {
            if !out.contains(where: { $0.m == s.m && $0.n == s.n && $0.k == s.k && $0.transB == s.transB && $0.workers == s.workers
                    && $0.singleThreadedBLAS == s.singleThreadedBLAS }) {
                out.append(s)
            }
        }
        for spec in specs {
            // A routed expert's products see the rows routed to it: R k / E on average (the rows the
            // cost model charges them at, Prefill.swift expertsOp).
            let moe = spec.runs.lazy.compactMap(\.block.feedForward.experts).first
            for (name, shape) in ModelWeights.layout(spec) where shape.count == 2 && name != "embedding" && name != "output" {
                for r in rows {
                    let m = name.contains(".expert.") ? moe.map { max(1, r * $0.active / $0.count) } ?? r : r
                    add(GemmShape(name: "projection \(shape[0])->\(shape[1])", m: m, n: shape[1], k: shape[0]))
                }
            }
            let dh = spec.headDim
            add(GemmShape(name: "attention QK^T tile", m: tiling.queryTile, n: tiling.keyTile, k: dh, transB: true, workers: tiling.workers))
            add(GemmShape(name: "attention PV tile", m: tiling.queryTile, n: dh, k: tiling.keyTile, workers: tiling.workers))
            if let r = spec.retention {
                let dR = r.headDim, chunk = r.chunkTokens
                // The gRet kernel runs OpenBLAS on one thread (docs/KERNELS.md, "Threads on 2 cores").
                add(GemmShape(name: "gRet chunk QK^T", m: chunk, n: chunk, k: dR, transB: true, singleThreadedBLAS: true))
                add(GemmShape(name: "gRet chunk (QK^T.D)V", m: chunk, n: dR, k: chunk, singleThreadedBLAS: true))
                add(GemmShape(name: "gRet state K^T V", m: dR, n: dR, k: chunk, singleThreadedBLAS: true))
            }
        }
        return out
    }
}

/// What `Calibrator.run` measures and how often.
public struct CalibrationSettings: Sendable, Hashable {
    /// Stream passes per figure, whatever `repeats` says (they are cheap and noisy).
    public static let minimumStreamPasses = 15

    /// Timed runs per figure (after one untimed warm-up).
    public var repeats: Int
    /// Square sgemm sizes for the peak.
    public var squareSizes: [Int]
    /// The kernels' product shapes (see `GemmShape.kernelShapes`).
    public var kernelShapes: [GemmShape]
    /// Bytes of each of the three stream arrays; should be several times the last-level cache.
    public var streamArrayBytes: Int
    /// The standard stream array: 128 MiB, or twice the last-level cache where that is larger
    /// (HostCaches.beyondLastLevel), so that the cache level's curve (Calibration+CacheLevel.swift)
    /// has a working set beyond the cache. With a fixed 128 MiB, a 105 MiB L3 (an Intel Xeon of
    /// 2 Dec) got no curve at all and the roofline charged every decode byte at DRAM rate: decode
    /// at 1K-4K ran faster than predicted by a median of 61% (1-106%).
    public static func standardStreamArrayBytes(lastLevelCacheBytes llc: Int?) -> Int {
        HostCaches.beyondLastLevel(lastLevelCacheBytes: llc, atLeast: 128 << 20)
    }
    /// This host's standard stream array (its sysfs last-level cache): what `calibrate` and the
    /// drift probe both read, so their rates compare.
    public static let hostStreamArrayBytes = standardStreamArrayBytes(lastLevelCacheBytes: HostCaches.lastLevel(HostCaches.read())?.sizeBytes)
    /// Tiny sgemm calls timed together per overhead sample.
    public var overheadCalls: Int
    /// OpenBLAS threads during calibration; nil keeps the current count (what the kernels use).
    public var threads: Int?
    /// Host models whose shapes the kernel-level microbenchmarks take (Calibration+Kernels.swift);
    /// empty skips them.
    public var kernelModels: [ModelSpec] = []
    /// A sgemm sample repeats its product until it has run this long (one small call is too short
    /// to time).
    public var minimumSampleSeconds: Double

    public init(repeats: Int = 7, squareSizes: [Int] = [1024, 2048], kernelShapes: [GemmShape],
                streamArrayBytes: Int = hostStreamArrayBytes, overheadCalls: Int = 2000, threads: Int? = nil,
                minimumSampleSeconds: Double = 0.02) {
        self.minimumSampleSeconds = minimumSampleSeconds
        self.repeats = repeats
        self.squareSizes = squareSizes
        self.kernelShapes = kernelShapes
        self.streamArrayBytes = streamArrayBytes
        self.overheadCalls = overheadCalls
        self.threads = threads
    }

    /// Timed passes per stream figure.
    public var streamPasses: Int { max(repeats, Self.minimumStreamPasses) }

    /// The stream read as these settings take it on `threads` workers: over the three stream
    /// arrays, each allocated apart, `streamPasses` timed passes in all.
    public func streamReadMethod(threads: Int) -> StreamReadMethod {
        let arrays = StreamReadMethod.standardArrays
        return StreamReadMethod(arrayBytes: streamArrayBytes, arrays: arrays, workers: max(1, threads),
                                passesPerArray: (streamPasses + arrays - 1) / arrays)
    }

    /// Defaults for `specs` (the host models): prefill rows 1K, 4K and 16K.
    public static func standard(for specs: [ModelSpec]) -> CalibrationSettings {
        var s = CalibrationSettings(kernelShapes: GemmShape.kernelShapes(for: specs, rows: [1024, 4096, 16384]))
        s.kernelModels = specs
        return s
    }

    /// The most bytes of benchmark buffers held at once: one product's A, B and C per worker, or
    /// the three stream arrays with, when there are calibration models, the one-row products'
    /// copies beside them (at most a stream array and five of the largest matrix;
    /// Calibration+OneRowProducts.swift), saturating at Int.max. The kernel-model runs are checked
    /// by the kernels themselves before they allocate.
    public var peakBufferBytes: Int {
        let squares = squareSizes.map { 3 * Int128($0) * Int128($0) * 4 }
        let products = kernelShapes.map {
            Int128(max(1, $0.workers)) * (Int128($0.m) * Int128($0.k) + Int128($0.k) * Int128($0.n) + Int128($0.m) * Int128($0.n)) * 4
        }
        let largestMatrix = Calibrator.oneRowProductShapes(kernelModels).map { Int128($0.k) * Int128($0.n) * 4 }.max() ?? 0
        let oneRow = kernelModels.isEmpty ? 0 : Int128(streamArrayBytes) + 5 * largestMatrix
        return Int(clamping: (squares + products + [3 * Int128(streamArrayBytes) + oneRow]).max()!)
    }

    func validate() throws(ProfilerError) {
        if repeats < 1 { throw .invalidRequest(what: "repeats", constraint: "must be at least 1", value: "\(repeats)") }
        if squareSizes.isEmpty || squareSizes.contains(where: { $0 < 1 }) {
            throw .invalidRequest(what: "square sizes", constraint: "must be a non-empty list of positive sizes", value: "\(squareSizes)")
        }
        if kernelShapes.isEmpty { throw .invalidRequest(what: "kernel shapes", constraint: "must not be empty", value: "[]") }
        if streamArrayBytes < 4096 {
            throw .invalidRequest(what: "stream array bytes", constraint: "must be at least 4096", value: "\(streamArrayBytes)")
        }
        if !(minimumSampleSeconds >= 0) {
            throw .invalidRequest(what: "minimum sample seconds", constraint: "must be >= 0", value: "\(minimumSampleSeconds)")
        }
        if overheadCalls < 1 { throw .invalidRequest(what: "overhead calls", constraint: "must be at least 1", value: "\(overheadCalls)") }
    }
}

public struct GemmMeasurement: Sendable, Hashable {
    public var shape: GemmShape
    /// FLOP/s of each timed run.
    public var flopsPerSecond: Spread
}

public enum StreamKernel: String, Sendable, Hashable, CaseIterable {
    /// c[i] = a[i]: 8 bytes moved per element (STREAM convention: write-allocate not counted).
    case copy
    /// a[i] = b[i] + s * c[i]: 12 bytes per element.
    case triad
    /// a reduction over a[i]: 4 bytes per element (a plain read).
    case read

    public var bytesPerElement: Int {
        switch self {
        case .copy: 8
        case .triad: 12
        case .read: 4
        }
    }
}

public struct StreamMeasurement: Sendable, Hashable {
    public var kernel: StreamKernel
    public var arrayBytes: Int
    public var bytesPerSecond: Spread
    /// The wait for the process to go quiet before the passes (ProcessQuiet.swift).
    public var quietWait = QuietWait(seconds: 0, quiet: true)
}

/// How the stream-read figure is taken, by `calibrate` (the profile's read rate: bandwidth x
/// memory efficiency) and by the drift probe alike, so that the two measure the same thing: the
/// read loop over `arrays` arrays of `arrayBytes`, each allocated apart, each split over `workers`
/// threads, one warm-up and `passesPerArray` timed passes over each, the median of all timed passes
/// kept, started only once no other thread of the process runs.
///
/// Why several arrays (issue 14, the probe-vs-calibration defect): on this VM the read rate of a
/// 128 MiB array of 4 KiB pages depends on which pages the allocation got, and stays so for the
/// array's life. Measured in one process, arrays read in rotation so that order could not matter
/// (8 rounds, loaded host): one long-lived array read at a median 7.2 GB/s in every round, three
/// others allocated just after it at 8.3, 8.9 and 9.0, fresh arrays at 8.9-9.1; 2 MiB pages
/// (madvise) at 9.6-10.1. A probe and a calibration that each read one array compared two draws of
/// that spread (20-27% apart), which is the 30% median gap the probe rows showed; the median over
/// three allocations narrows it. The kernels' buffers are 4 KiB pages too, so the figure keeps them.
public struct StreamReadMethod: Sendable, Hashable {
    /// Arrays the standard read takes (the three the calibration's copy and triad use).
    public static let standardArrays = 3
    public var arrayBytes: Int
    public var arrays: Int
    public var workers: Int
    public var passesPerArray: Int
    /// Cyclic reads of the array inside one timed pass (1: one read, the DRAM figure and the drift
    /// probe). The cache level's curve reads a small working set several times per pass, so that a
    /// pass lasts as long as one over a large array (Calibration+CacheLevel.swift).
    public var cyclesPerPass: Int

    public init(arrayBytes: Int, arrays: Int = StreamReadMethod.standardArrays, workers: Int, passesPerArray: Int, cyclesPerPass: Int = 1) {
        self.arrayBytes = arrayBytes
        self.arrays = arrays
        self.workers = workers
        self.passesPerArray = passesPerArray
        self.cyclesPerPass = cyclesPerPass
    }

    /// Timed passes in all.
    public var passes: Int { arrays * passesPerArray }
}

/// Everything `calibrate` measured, and the figures a hardware profile takes from it.
public struct CalibrationResult: Sendable {
    public var host: HostInfo
    public var blas: BLASEnvironment
    /// OpenBLAS threads during the products (and stream workers).
    public var threads: Int
    public var calibratedAt: Date
    public var settings: CalibrationSettings
    public var squares: [GemmMeasurement]
    public var kernelProducts: [GemmMeasurement]
    public var streams: [StreamMeasurement]
    /// Seconds of one tiny sgemm call.
    public var operatorOverhead: Spread
    /// Resident bytes of the process before any model is loaded (runtime + OpenBLAS buffers).
    public var runtimeResidentBytes: Int
    /// The kernel library's operator overhead and core efficiencies (nil without host models).
    public var kernels: KernelCalibration? = nil
    /// Fixed costs per run: first touch and BLAS wake-up (Calibration+FixedCosts.swift).
    public var fixedCosts: FixedCostCalibration? = nil
    /// The read rate by working set, ascending (Calibration+CacheLevel.swift); empty without a
    /// last-level cache in sysfs.
    public var readByWorkingSet: [StreamMeasurement] = []
    /// The drift probe's sgemm taken as the probe takes it, right after the read (DriftProbe.swift).
    public var probeSgemm: GemmMeasurement? = nil
    /// One-row product calls beyond their bytes (Calibration+OneRowProducts.swift); nil without
    /// calibration models.
    public var oneRowProducts: OneRowProductCalibration? = nil

    /// Best sgemm rate seen, FLOP/s: the large squares, or a kernel shape where one beat them
    /// (single-threaded shapes can, when another process holds a core during the squares).
    public var peakFlopsPerSecond: Double { (squares + kernelProducts).map(\.flopsPerSecond.max).max() ?? 0 }
    /// Each kernel shape's median rate over the peak (capped at 1), in `kernelProducts` order.
    public var kernelEfficiencies: [Double] { kernelProducts.map { min(1, $0.flopsPerSecond.median / peakFlopsPerSecond) } }
    /// Efficiency of the projection shapes together (the dense operators): their FLOPs over the
    /// time they take at their own median rates, one product of each shape (a FLOP-weighted
    /// harmonic mean). A plain median of the shapes' efficiencies let a MoE router's [R, d] x [d, E]
    /// (E = 4 or 8, about 0.06-0.13 of peak, under 1% of a layer's FLOPs) count as much as a
    /// feed-forward product: at 1,024 rows the 05:48 calibration's median was 0.60 where the FFN
    /// shapes ran at 0.68-0.69 (prefill ffn -28%). The attention and gRet tile products are
    /// covered by the measured core efficiencies when those exist.
    public var computeEfficiency: Double {
        let projections = zip(kernelProducts, kernelEfficiencies).filter { $0.0.shape.name.hasPrefix("projection") }
        guard kernels != nil, !projections.isEmpty else { return Spread(kernelEfficiencies).median }
        return Self.flopWeightedEfficiency(projections.map { ($0.0.shape.flops, $0.1) })
    }

    /// sum(FLOPs) / sum(FLOPs / efficiency): the efficiency of running each product once.
    static func flopWeightedEfficiency(_ products: [(flops: Double, efficiency: Double)]) -> Double {
        let flops = products.reduce(0) { $0 + $1.flops }
        let peakSeconds = products.reduce(0) { $0 + $1.flops / max($1.efficiency, 1e-9) }
        return peakSeconds > 0 ? flops / peakSeconds : 0
    }
    /// Best stream rate over copy, triad and read, bytes/s.
    public var memoryBandwidthBytesPerSecond: Double { streams.map(\.bytesPerSecond.max).max() ?? 0 }
    /// Median plain-read rate over the bandwidth (capped at 1).
    public var memoryEfficiency: Double {
        let read = streams.first { $0.kernel == .read }?.bytesPerSecond.median ?? memoryBandwidthBytesPerSecond
        return min(1, read / memoryBandwidthBytesPerSecond)
    }
    /// The kernel library's measured cost per operator, or one tiny sgemm call without it.
    public var operatorOverheadSeconds: Double { kernels?.operatorOverhead.median ?? operatorOverhead.median }
    /// The projection shapes' efficiency at each calibrated row count (`compute_efficiency_by_rows`),
    /// FLOP-weighted as `computeEfficiency` is.
    public var computeEfficiencyByRows: [Int: Double] {
        guard kernels != nil else { return [:] }
        var byRows: [Int: [(flops: Double, efficiency: Double)]] = [:]
        for (g, e) in zip(kernelProducts, kernelEfficiencies) where g.shape.name.hasPrefix("projection") {
            byRows[g.shape.m, default: []].append((g.shape.flops, e))
        }
        return byRows.mapValues(Self.flopWeightedEfficiency)
    }
    /// Core efficiencies for the hardware profile's `operator_efficiency`.
    public var operatorEfficiency: [OperatorClass: Double] {
        var e: [OperatorClass: Double] = [:]
        // The best sample: these one-layer runs take milliseconds, and a run that another process
        // interrupted only ever looks slower (BRIEF §5: take the best of several runs).
        if let a = kernels?.attentionCoreEfficiency { e[.attentionCore] = a.max }
        if let r = kernels?.retentionCoreEfficiency { e[.retentionCore] = r.max }
        if let w = kernels?.windowedCoreEfficiency { e[.windowedAttentionCore] = w.max }
        return e
    }
    /// Memory efficiencies for the hardware profile's `operator_memory_efficiency`.
    public var operatorMemoryEfficiency: [OperatorClass: Double] {
        var e: [OperatorClass: Double] = [:]
        if let a = kernels?.attentionDecodeMemoryEfficiency { e[.attentionCore] = a.median }
        if let r = kernels?.retentionDecodeMemoryEfficiency { e[.retentionCore] = r.median }
        return e
    }
}

public enum Calibrator {
    /// Runs every microbenchmark. Refuses to run on OpenBLAS's fallback kernels (`.kernel(.blasFallback)`).
    /// `progress` receives one line per figure.
    public static func run(_ settings: CalibrationSettings, progress: ((String) -> Void)? = nil) throws(ProfilerError) -> CalibrationResult {
        try settings.validate()
        // Refuse before allocating (`--rows 16M` on a wide model asks for tens of GiB at once).
        try MemoryGuard.standard.check(MemoryPlan(weightBytes: 0, kvCacheBytes: 0, stateBytes: 0, workspaceBytes: settings.peakBufferBytes),
                                       what: "calibration buffers (the largest product or the stream arrays)")
        do { _ = try BLASEnvironment.prepareForMeasurement() } catch { throw .kernel(error) }
        let savedThreads = BLAS.threads
        if let t = settings.threads { BLAS.threads = t }
        defer { BLAS.threads = savedThreads }
        let threads = BLAS.threads
        let rss = ProcessMemory.residentBytes() ?? 0

        var squares: [GemmMeasurement] = []
        for n in settings.squareSizes {
            progress?("sgemm \(n)x\(n)x\(n)")
            squares.append(measureGemm(GemmShape(name: "square", m: n, n: n, k: n), repeats: settings.repeats, minimumSeconds: settings.minimumSampleSeconds))
        }
        var products: [GemmMeasurement] = []
        for s in settings.kernelShapes {
            progress?("sgemm \(s.name) \(s)")
            products.append(measureGemm(s, repeats: settings.repeats, minimumSeconds: settings.minimumSampleSeconds))
        }
        var streams: [StreamMeasurement] = []
        let elements = settings.streamArrayBytes / 4
        let arrays = (0..<3).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: elements) }
        defer { arrays.forEach { $0.deallocate() } }
        for a in arrays { a.initialize(repeating: 1, count: elements) }
        for kernel in StreamKernel.allCases {
            progress?("stream \(kernel.rawValue), 3 x \(settings.streamArrayBytes >> 20) MiB on \(threads) workers")
            // At least `minimumStreamPasses`: each takes ~10 ms, and on a shared machine the best of a
            // few is often still a disturbed one (the bandwidth moved between 34 and 59 GB/s with 7).
            // The read through the path the drift probe shares (`StreamReadMethod`).
            streams.append(kernel == .read ? measureStreamRead(settings.streamReadMethod(threads: threads), arrays: arrays)
                : measureStream(kernel, arrays: arrays, elements: elements, workers: threads, repeats: settings.streamPasses))
        }
        let host = HostInfo.current()
        var readByWorkingSet: [StreamMeasurement] = []
        if let llc = host.lastLevelCache {
            let sizes = settings.cacheLevelWorkingSets(lastLevelCacheBytes: llc.sizeBytes)
            progress?("read by working set (\(llc.description)): \(sizes.map { "\($0 >> 10) KiB" }.joined(separator: ", "))")
            readByWorkingSet = sizes.map { measureStreamRead(settings.workingSetReadMethod(workingSetBytes: $0, threads: threads), arrays: arrays) }
        } else {
            progress?("no last-level cache in \(HostCaches.sysfsDirectory): no cache level, DRAM only")
        }
        // The probe's sgemm where the probe takes it: after the reads, OpenBLAS's workers asleep.
        progress?("drift probe's sgemm \(DriftProbe.gemm)")
        let probeSgemm = DriftProbe.measureSgemm(repeats: max(settings.repeats, DriftProbe.gemmSamples))
        progress?("tiny operator overhead")
        let overhead = measureOverhead(calls: settings.overheadCalls, repeats: settings.repeats)
        progress?("fixed costs per run (first touch of \(firstTouchBytes >> 20) MiB, BLAS wake-up)")
        let fixed: FixedCostCalibration
        do { fixed = try measureFixedCosts(repeats: settings.repeats) } catch { throw .kernel(error) }
        var result = CalibrationResult(
            host: host, blas: BLASEnvironment.current(), threads: threads, calibratedAt: Date(),
            settings: settings, squares: squares, kernelProducts: products, streams: streams,
            operatorOverhead: overhead, runtimeResidentBytes: rss, fixedCosts: fixed, probeSgemm: probeSgemm)
        result.readByWorkingSet = readByWorkingSet
        if !settings.kernelModels.isEmpty {
            // After the cache level: each call's bytes are charged at the roofline's rate for its working set.
            let shapes = oneRowProductShapes(settings.kernelModels)
            let dram = result.memoryBandwidthBytesPerSecond * result.memoryEfficiency
            let level = result.cacheLevel.flatMap(CacheLevelRates.init)
            let dramSet = level.map { Int(clamping: $0.largestWorkingSetBytes) } ?? settings.streamArrayBytes
            let between = result.readByWorkingSet.map(\.arrayBytes).filter { $0 < dramSet }
            progress?("one-row products (\(shapes.count) shapes, \(residentCopies) copies, \(between.count) working sets and \(dramSet >> 20) MiB of copies)")
            result.oneRowProducts = measureOneRowProducts(shapes: shapes, dramWorkingSetBytes: dramSet, workingSets: between,
                                                          repeats: settings.repeats) { w in
                level?.readBytesPerSecond(workingSetBytes: Int128(w), dram: dram).bytesPerSecond ?? dram
            }
            result.kernels = KernelCalibration(operatorOverhead: overhead)  // dense efficiency = projections
            let rates = RooflineRates(
                flopsPerSecond: result.peakFlopsPerSecond * result.computeEfficiency,
                bytesPerSecond: result.memoryBandwidthBytesPerSecond * result.memoryEfficiency, overheadSeconds: 0)
            do {
                result.kernels = try measureKernels(models: settings.kernelModels, rates: rates, peak: result.peakFlopsPerSecond,
                                                    bandwidth: result.memoryBandwidthBytesPerSecond,
                                                    repeats: settings.repeats, progress: progress)
            } catch { throw .kernel(error) }
        }
        return result
    }

    /// Rate of `shape` over `repeats` timed runs after one warm-up. A run repeats the product until
    /// it has taken at least `minimumSeconds` (small shapes run in microseconds).
    static func measureGemm(_ shape: GemmShape, repeats: Int, minimumSeconds: Double) -> GemmMeasurement {
        let workers = max(1, shape.workers)
        let aCount = shape.m * shape.k, bCount = shape.k * shape.n, cCount = shape.m * shape.n
        var bufs: [(UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] = []
        var rng = SeededRandom(seed: 0xCA11B)
        for _ in 0..<workers {
            let a = UnsafeMutablePointer<Float>.allocate(capacity: aCount)
            let b = UnsafeMutablePointer<Float>.allocate(capacity: bCount)
            let c = UnsafeMutablePointer<Float>.allocate(capacity: cCount)
            for i in 0..<aCount { a[i] = rng.nextSymmetric() }
            for i in 0..<bCount { b[i] = rng.nextSymmetric() }
            c.initialize(repeating: 0, count: cCount)
            bufs.append((a, b, c))
        }
        defer { for (a, b, c) in bufs { a.deallocate(); b.deallocate(); c.deallocate() } }
        let ptrs = bufs.map { (SendablePointer($0.0), SendablePointer($0.1), SendablePointer($0.2)) }

        func once(_ iterations: Int) -> Double {
            shape.singleThreadedBLAS ? BLAS.singleThreaded { run(iterations) } : run(iterations)
        }
        func run(_ iterations: Int) -> Double {
            if workers == 1 {
                let (a, b, c) = ptrs[0]
                return timed {
                    for _ in 0..<iterations {
                        BLAS.gemm(transB: shape.transB, m: shape.m, n: shape.n, k: shape.k, a: a.p, lda: shape.k,
                                  b: b.p, ldb: shape.transB ? shape.k : shape.n, c: c.p, ldc: shape.n)
                    }
                }
            }
            return timed {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let (a, b, c) = ptrs[w]
                    for _ in 0..<iterations {
                        BLAS.gemm(transB: shape.transB, m: shape.m, n: shape.n, k: shape.k, a: a.p, lda: shape.k,
                                  b: b.p, ldb: shape.transB ? shape.k : shape.n, c: c.p, ldc: shape.n)
                    }
                }
            }
        }
        // Warm-up, and the iteration count that makes one sample last >= minimumSeconds.
        let first = max(once(1), 1e-7)
        let iterations = max(1, Int((minimumSeconds / first).rounded(.up)))
        var rates: [Double] = []
        for _ in 0..<repeats {
            let t = once(iterations)
            rates.append(shape.flops * Double(iterations * workers) / t)
        }
        return GemmMeasurement(shape: shape, flopsPerSecond: Spread(rates))
    }

    /// The read figure by `method` over `arrays` (the first `method.arrays` of them, each at least
    /// `method.arrayBytes`): the one path the calibration's read rate and the drift probe share.
    static func measureStreamRead(_ method: StreamReadMethod, arrays: [UnsafeMutablePointer<Float>]) -> StreamMeasurement {
        precondition(arrays.count >= method.arrays, "the read method takes \(method.arrays) arrays; \(arrays.count) given")
        var rates: [Double] = []
        var wait = QuietWait(seconds: 0, quiet: true)
        for a in arrays.prefix(method.arrays) {
            let m = streamRates(.read, arrays: [a, a, a], elements: method.arrayBytes / 4, workers: method.workers,
                                repeats: method.passesPerArray, cycles: method.cyclesPerPass)
            rates += m.rates
            wait = QuietWait(seconds: wait.seconds + m.quiet.seconds, quiet: wait.quiet && m.quiet.quiet)
        }
        return StreamMeasurement(kernel: .read, arrayBytes: method.arrayBytes, bytesPerSecond: Spread(rates), quietWait: wait)
    }

    /// STREAM-style loops on `workers` threads, each over its own contiguous slice. Waits first
    /// until no other thread of the process runs (ProcessQuiet.swift): a spinning OpenBLAS worker
    /// would hold one of the cores the loop's workers read on.
    static func measureStream(_ kernel: StreamKernel, arrays: [UnsafeMutablePointer<Float>], elements: Int,
                              workers: Int, repeats: Int) -> StreamMeasurement {
        let (rates, quiet) = streamRates(kernel, arrays: arrays, elements: elements, workers: workers, repeats: repeats)
        return StreamMeasurement(kernel: kernel, arrayBytes: elements * 4, bytesPerSecond: Spread(rates), quietWait: quiet)
    }

    /// Each timed pass's rate of `measureStream`, and its wait for quiet. A read pass reads its
    /// slice `cycles` times over.
    static func streamRates(_ kernel: StreamKernel, arrays: [UnsafeMutablePointer<Float>], elements: Int,
                            workers: Int, repeats: Int, cycles: Int = 1) -> (rates: [Double], quiet: QuietWait) {
        let quiet = ProcessQuiet.wait()
        let a = SendablePointer(arrays[0]), b = SendablePointer(arrays[1]), c = SendablePointer(arrays[2])
        let sink = SinkBox()
        func once() -> Double {
            timed {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let lo = elements * w / workers, hi = elements * (w + 1) / workers
                    switch kernel {
                    case .copy: StreamLoops.copy(c.p + lo, a.p + lo, hi - lo)
                    case .triad: StreamLoops.triad(a.p + lo, b.p + lo, c.p + lo, 3, hi - lo)
                    case .read: for _ in 0..<max(1, cycles) { sink.add(StreamLoops.read(a.p + lo, hi - lo)) }
                    }
                }
            }
        }
        _ = once()
        var rates: [Double] = []
        let passBytes = Double(kernel.bytesPerElement * elements * (kernel == .read ? max(1, cycles) : 1))
        for _ in 0..<repeats { rates.append(passBytes / once()) }
        return (rates, quiet)
    }

    /// Seconds per call of an 8 x 8 x 8 sgemm (well under a microsecond of arithmetic).
    static func measureOverhead(calls: Int, repeats: Int) -> Spread {
        let n = 8
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.5, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        func once() -> Double {
            timed { for _ in 0..<calls { BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n) } } / Double(calls)
        }
        _ = once()
        return Spread((0..<repeats).map { _ in once() })
    }
}

/// Keeps the read loop's result alive so the compiler cannot drop the loop.
private final class SinkBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt32 = 0
    func add(_ v: UInt32) { lock.lock(); value &+= v; lock.unlock() }
}

/// The stream loops. The Profiler target is compiled with -O in every configuration (Package.swift)
/// so that these loops are vectorised even in debug builds: calibration measures the machine, not
/// the compiler's mode.
enum StreamLoops {
    @inline(never)
    static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafeMutablePointer<Float>, _ n: Int) {
        dst.update(from: src, count: n)
    }

    @inline(never)
    static func triad(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ c: UnsafeMutablePointer<Float>, _ s: Float, _ n: Int) {
        for i in 0..<n { a[i] = b[i] + s * c[i] }
    }

    /// Sums the bit patterns as integers (wrapping): a reduction the compiler may vectorise, unlike
    /// a float sum whose order it must keep.
    @inline(never)
    static func read(_ a: UnsafeMutablePointer<Float>, _ n: Int) -> UInt32 {
        let p = UnsafeRawPointer(a).assumingMemoryBound(to: UInt32.self)
        var s: UInt32 = 0
        for i in 0..<n { s &+= p[i] }
        return s
    }
}
