// Kernel-level calibration: what the kernel library's own operators cost beyond the GEMMs, measured
// on calibration shapes chosen to isolate one effect each (never the validation runs):
//
//   operator overhead   decode steps of a tiny one-layer model (d = 64): its weights and caches sit
//                       in L1, so a step's time is the fixed cost of its operators; divided by the
//                       number of operators the cost model counts for that step.
//   attention core      a one-layer Transformer with the host models' head shape, a vestigial FFN
//                       (F = 8) and vocabulary (V = 8), prefilled at N = 4096: the core's own
//                       operator clock (OperatorTimes, the clock `validate` compares against), less
//                       what the roofline charges the core apart (its overhead per instance, its
//                       other FLOPs at the element-wise rate), is the time of its executed matrix
//                       FLOPs; those over that time and the peak give its efficiency (issue 14 §2:
//                       measured on the kernel, not by subtracting the rest of a run). Until 2 Dec
//                       the core's time was the run's time less the roofline time of every other
//                       operator, which put any error of those onto the core: the 05:48 calibration
//                       gave the windowed core 0.26 and gRet's 0.30 where the validated runs' own
//                       clocks ran them near 0.8 and 0.66 (prefill swa_self.core -67%, gret.core
//                       -55%). Timing the kernel outside a model run ran near peak and left the
//                       in-model costs out; the operator clock keeps them and nothing else.
//   windowed core       the same with the host models' window at N = 4 W (the window's tile
//                       pattern differs from the causal one).
//   retention core      the same with one gated-retention layer and one cross layer at N = 2048
//                       (its decays, head norms and gates run inside the layer).
//   element-wise rate  RMSNorm and RoPE (the Swift element-wise kernels) over a [2048, d] buffer
//                       that stays in cache: their counted "other" FLOPs over their time. The cost
//                       model charges other FLOPs at this rate instead of the matrix peak.
// Each efficiency is the best of the repeats: interference only ever slows a run.
//   attention decode    an eight-layer version decoding at 256 and at 4,096 positions: the
//                       difference in K/V bytes read over the difference in the core's operator-clock
//                       time per step is the rate
//                       the decode core streams the cache at (fixed costs cancel), over the
//                       calibrated bandwidth: its memory efficiency. Eight layers put 64 MiB of
//                       K/V behind the long steps, well past the last-level cache.
//   retention decode    the retention layer above decoding 32 steps after a 64-token prompt, its
//                       `gret.core` read from the kernels' own operator clock (OperatorTimes): per
//                       layer-step, less the operator overhead, it gives the rate the recurrent
//                       step moves the bytes the roofline charges it (the state read and written,
//                       its activations) at, over the bandwidth. The step is not DRAM-bound (each
//                       head's 16 KiB state stays in L2): it is its per-head calls (a scale, a
//                       BLAS ger and gemv) and the head norm and gate: at 4 x 64, 51-62 us per
//                       layer-step in the validated run of 1 Dec 20:47 and about 33 us here (22:07),
//                       against the 13 us its bytes take at the read rate, which the roofline
//                       priced until issue 14 (decode gret.core 230% off). Charged as a
//                       memory efficiency it scales with the state bytes, as the calls do (hR of
//                       them, each over dR^2). Prefill's chunkwise core stays compute-bound at it.
// The two cores are tile-and-softmax (or decay-mask) kernels that reach less of peak than large
// GEMMs; the cost model applies these efficiencies to the `.core` operators only.

import CostModel
import Kernels

public struct KernelCalibration: Sendable, Hashable {
    /// Seconds per operator launch of the kernel library.
    public var operatorOverhead: Spread
    /// Executed FLOPs / (core seconds * peak) of the attention core.
    public var attentionCoreEfficiency: Spread?
    /// The same for the gated-retention chunkwise core.
    public var retentionCoreEfficiency: Spread?
    /// Bytes/s of the decode attention core's K/V reads over the calibrated bandwidth.
    public var attentionDecodeMemoryEfficiency: Spread? = nil
    /// Executed FLOPs / (core seconds * peak) of a sliding-window attention core.
    public var windowedCoreEfficiency: Spread? = nil
    /// FLOP/s of the element-wise kernels (RMSNorm and RoPE over a cache-resident [2048, d]).
    public var elementwiseFlopsPerSecond: Spread? = nil
    /// Bytes/s the recurrent gRet decode core moves its charged bytes at, over the bandwidth.
    public var retentionDecodeMemoryEfficiency: Spread? = nil
    /// FLOP/s of the feed-forward activation (SwiGLU.swishProduct over [1024, F], 5 counted FLOPs
    /// per element); nil without a calibration model with a gated feed-forward.
    public var activationFlopsPerSecond: Spread? = nil
}

extension Calibrator {
    public static let coreCalibrationTokens = 2048

    /// Runs the kernel microbenchmarks. `rates` are the rates calibrated so far; the element-wise,
    /// activation and overhead figures measured here are added to them before the cores are timed.
    static func measureKernels(models: [ModelSpec], rates: RooflineRates, peak: Double, bandwidth: Double, repeats: Int,
                               progress: ((String) -> Void)?) throws(KernelError) -> KernelCalibration {
        progress?("kernel operator overhead (decode steps of a tiny model)")
        let tiny = ModelSpec(id: "calibration-tiny", source: "calibrate", architecture: .transformer(window: nil), layers: 1,
                             hiddenSize: 64, heads: 1, kvHeads: 1, headDim: 64, ffnSize: 64, vocabSize: 64, dtypes: .uniform(.fp32))
        let steps = 256
        let launches = Double(tiny.decodeStepCost(batch: 1, context: steps / 2, dtypes: .uniform(.fp32)).operatorLaunches)
        let overhead = try Spread(samples(repeats) { () throws(KernelError) -> Double in
            let alloc = CountingAllocator()
            let run = try ModelRun(weights: try ModelWeights(spec: tiny, seed: 3, allocator: alloc), batch: 1,
                                   capacityTokens: steps + 1, allocator: alloc)
            _ = try run.prefill(tokens: [1])
            return try timedThrowing { () throws(KernelError) in
                for s in 0..<steps { _ = try run.decode(tokens: [Int32(s % 64)]) }
            } / Double(steps) / launches
        })
        var rates = rates
        rates.overheadSeconds = overhead.median
        progress?("element-wise rate (RMSNorm and RoPE over [2048, d])")
        let elementwise = elementwiseRate(width: models.first.map { $0.heads * $0.headDim } ?? 256,
                                          headDim: models.first?.headDim ?? 64, repeats: repeats)
        rates.elementwiseFlopsPerSecond = elementwise.max
        let ffnInner = models.lazy.flatMap(\.runs).first { if case .gated = $0.block.feedForward { true } else { false } }?.block.feedForward.inner
        let activation = ffnInner.map { inner in
            progress?("feed-forward activation rate (SwiGLU's swish(gate) x up over [\(activationRows), \(inner)])")
            return activationRate(inner: inner, repeats: repeats)
        }
        rates.activationFlopsPerSecond = activation?.median

        func coreEfficiency(_ spec: ModelSpec, core: String, tokens n: Int = coreCalibrationTokens) throws(KernelError) -> Spread {
            let cost = spec.prefillCost(batch: 1, promptTokens: n, dtypes: .uniform(.fp32), tiling: Validator.costModelTiling(heads: spec.heads, headDim: spec.headDim))
            let coreOps = cost.operators.filter { $0.name == core }
            let ids = Set(coreOps.map(\.id))
            let coreMatmulFlops = coreOps.reduce(0.0) { $0 + Double($1.count) * Double($1.executedFlops.matmul) }
            // What the roofline charges the core beside its matrix FLOPs: its operator overhead per
            // instance and its other FLOPs at the element-wise (and activation) rates calibrated above.
            let chargedApart = coreOps.reduce(0.0) {
                $0 + Double($1.count) * (rates.overheadSeconds + rates.computeSeconds(FlopCount(other: $1.executedFlops.other), for: $1))
            }
            let tokens = (0..<n).map { Int32($0 % spec.vocabSize) }
            return try Spread(samples(repeats) { () throws(KernelError) -> Double in
                let alloc = CountingAllocator()
                let run = try ModelRun(weights: try ModelWeights(spec: spec, seed: 5, allocator: alloc), batch: 1,
                                       capacityTokens: n, allocator: alloc)
                _ = try run.prefill(tokens: tokens)
                let times = run.operatorTimes
                let coreSeconds = ids.reduce(0.0) { $0 + (times.seconds[$1] ?? 0) } - chargedApart
                return coreSeconds > 0 ? min(1, coreMatmulFlops / (coreSeconds * peak)) : 1
            })
        }
        var attention: Spread?
        var retention: Spread?
        var retentionDecode: Spread?
        var decodeMemory: Spread?
        if let host = models.first(where: { !$0.isYOCO && $0.retention == nil }) ?? models.first {
            progress?("attention core efficiency (1 layer, N \(2 * coreCalibrationTokens))")
            let spec = ModelSpec(id: "calibration-attention", source: "calibrate", architecture: .transformer(window: nil), layers: 1,
                                 hiddenSize: host.heads * host.headDim, heads: host.heads, kvHeads: host.kvHeads,
                                 headDim: host.headDim, ffnSize: 8, vocabSize: 8, dtypes: .uniform(.fp32))
            attention = try coreEfficiency(spec, core: "attention.core", tokens: 2 * coreCalibrationTokens)
            progress?("attention decode memory efficiency (8 layers, 256 and 4,096 positions)")
            let deep = ModelSpec(id: "calibration-attention-8", source: "calibrate", architecture: .transformer(window: nil), layers: 8,
                                 hiddenSize: host.heads * host.headDim, heads: host.heads, kvHeads: host.kvHeads,
                                 headDim: host.headDim, ffnSize: 8, vocabSize: 8, dtypes: .uniform(.fp32))
            decodeMemory = try decodeMemoryEfficiency(deep, bandwidth: bandwidth, repeats: min(repeats, 3))
        }
        if let gret = models.first(where: { $0.retention != nil }), let r = gret.retention {
            let (h, dR, chunk) = (r.heads, r.headDim, r.chunkTokens)
            progress?("retention core efficiency (1 gRet layer, N \(coreCalibrationTokens))")
            let spec = ModelSpec(id: "calibration-retention", source: "calibrate",
                                 architecture: .yoco(selfDecoder: .gatedRetention(heads: h, headDim: dR, chunkTokens: chunk), selfLayers: 1),
                                 layers: 2, hiddenSize: h * dR, heads: gret.heads, kvHeads: gret.kvHeads, headDim: gret.headDim,
                                 ffnSize: 8, vocabSize: 8, dtypes: .uniform(.fp32))
            retention = try coreEfficiency(spec, core: "gret.core")
            progress?("retention decode memory efficiency (the same layer, 32 steps)")
            retentionDecode = try retentionDecodeMemoryEfficiency(spec, bandwidth: bandwidth, overheadSeconds: overhead.median,
                                                                  repeats: repeats)
        }
        var windowed: Spread?
        let window = models.lazy.compactMap { m -> Int? in
            m.attentionSpans.lazy.compactMap { if case .sliding(let w) = $0 { w } else { nil } }.first
        }.first
        if let window, let host = models.first, window <= 4096 {
            progress?("windowed attention core efficiency (1 layer, W \(window), N \(4 * window))")
            let spec = ModelSpec(id: "calibration-window", source: "calibrate", architecture: .transformer(window: window), layers: 1,
                                 hiddenSize: host.heads * host.headDim, heads: host.heads, kvHeads: host.heads,
                                 headDim: host.headDim, ffnSize: 8, vocabSize: 8, dtypes: .uniform(.fp32))
            windowed = try coreEfficiency(spec, core: "attention.core", tokens: 4 * window)
        }
        return KernelCalibration(operatorOverhead: overhead, attentionCoreEfficiency: attention, retentionCoreEfficiency: retention,
                                 attentionDecodeMemoryEfficiency: decodeMemory, windowedCoreEfficiency: windowed,
                                 elementwiseFlopsPerSecond: elementwise, retentionDecodeMemoryEfficiency: retentionDecode,
                                 activationFlopsPerSecond: activation)
    }

    /// Rows of the activation microbenchmark: the default suite's shortest prompt, whose gate and
    /// up buffers ([1024, F], 3 MiB each at F = 768) the products just wrote stay in the cache.
    public static let activationRows = 1024

    /// Counted FLOPs per second of the feed-forward activation as the kernels run it
    /// (SwiGLU.swishProduct: gate = swish(gate) x up over [activationRows, inner], 5 FLOPs per
    /// element), one pass per sample after a warm-up. The gate is refilled from its seeded values
    /// before each pass, outside the timing: applied to its own output it would shrink towards
    /// subnormal values, which run slower than the model's activations do.
    static func activationRate(inner: Int, repeats: Int) -> Spread {
        let count = activationRows * inner
        var rng = SeededRandom(seed: 0xAC7)
        let source = (0..<count).map { _ in 4 * rng.nextSymmetric() }
        let up = (0..<count).map { _ in rng.nextSymmetric() }
        var gate = source
        func once() -> Double {
            gate.withUnsafeMutableBufferPointer { g in source.withUnsafeBufferPointer { g.baseAddress!.update(from: $0.baseAddress!, count: count) } }
            let seconds = timed {
                gate.withUnsafeMutableBufferPointer { g in
                    up.withUnsafeBufferPointer { u in SwiGLU.swishProduct(g.baseAddress!, u.baseAddress!, count: count) }
                }
            }
            return Double(SwiGLU.otherFlopsPerElement) * Double(count) / seconds
        }
        _ = once()
        return Spread((0..<max(1, repeats)).map { _ in once() })
    }

    /// The recurrent gRet core's bytes over its own operator-clock time per layer-step (less the
    /// operator overhead the roofline adds apart), over `bandwidth`; capped at 1.
    static func retentionDecodeMemoryEfficiency(_ spec: ModelSpec, bandwidth: Double, overheadSeconds: Double,
                                                repeats: Int) throws(KernelError) -> Spread {
        let prompt = 64, steps = 32
        guard let core = spec.decodeOperators(batch: 1, dtypes: .uniform(.fp32)).first(where: { $0.fixed.name == "gret.core" }) else {
            return Spread([1])
        }
        let alloc = CountingAllocator()
        let run = try ModelRun(weights: try ModelWeights(spec: spec, seed: 11, allocator: alloc), batch: 1,
                               capacityTokens: prompt + (repeats + 1) * steps, allocator: alloc)
        _ = try run.prefill(tokens: (0..<prompt).map { Int32($0 % spec.vocabSize) })
        let layerSteps = Double(core.fixed.count * steps)
        return try Spread(samples(repeats) { () throws(KernelError) -> Double in
            run.resetOperatorTimes()
            for s in 0..<steps { _ = try run.decode(tokens: [Int32(s % spec.vocabSize)]) }
            let perStep = (run.operatorTimes.seconds[core.fixed.id] ?? 0) / layerSteps - overheadSeconds
            return perStep > 0 ? min(1, core.fixed.bytes.fastDouble / perStep / bandwidth) : 1
        })
    }

    /// K/V streaming rate of the decode attention core over `bandwidth`, from the step-time
    /// difference between two contexts of the same one-layer model.
    static func decodeMemoryEfficiency(_ spec: ModelSpec, bandwidth: Double, repeats: Int) throws(KernelError) -> Spread {
        let short = 256, long = 4096, steps = 32
        guard let core = spec.decodeOperators(batch: 1, dtypes: .uniform(.fp32)).first(where: { $0.fixed.name == "attention.core" }) else {
            return Spread([1])
        }
        // The core's own operator clock per step: at the longer context the other operators' weights
        // are evicted by the larger cache too, which the step time would have charged to the core.
        func stepSeconds(_ n: Int) throws(KernelError) -> Double {
            let alloc = CountingAllocator()
            let run = try ModelRun(weights: try ModelWeights(spec: spec, seed: 9, allocator: alloc), batch: 1,
                                   capacityTokens: n + steps, allocator: alloc)
            _ = try run.prefill(tokens: (0..<n).map { Int32($0 % spec.vocabSize) })
            run.resetOperatorTimes()
            for s in 0..<steps { _ = try run.decode(tokens: [Int32(s % spec.vocabSize)]) }
            return (run.operatorTimes.seconds[core.fixed.id] ?? 0) / Double(steps)
        }
        let deltaBytes = Double(core.bytesPerPosition) * Double(core.fixed.count) * Double(long - short)
        return try Spread(samples(repeats) { () throws(KernelError) -> Double in
            let dt = try stepSeconds(long) - stepSeconds(short)
            return dt > 0 ? min(1, deltaBytes / dt / bandwidth) : 1
        })
    }

    /// Counted other FLOPs per second of RMSNorm (with a weight) then RoPE over [2048, width].
    static func elementwiseRate(width: Int, headDim: Int, repeats: Int) -> Spread {
        let rows = 2048
        var rng = SeededRandom(seed: 0xE1E)
        let x = (0..<(rows * width)).map { _ in rng.nextSymmetric() }
        let w = [Float](repeating: 1, count: width)
        var y = [Float](repeating: 0, count: rows * width)
        let table = RoPETable(firstPosition: 0, count: rows, headDim: headDim)
        func once() -> Double {
            var counters = WorkCounters()
            let seconds = timed {
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            RMSNorm.forward(xp.baseAddress!, ldx: width, weight: wp.baseAddress!, yp.baseAddress!, ldy: width,
                                            rows: rows, width: width, counters: &counters)
                            RoPE.forward(yp.baseAddress!, ldx: width, rows: rows, heads: width / headDim, headDim: headDim,
                                         positionsPerBatch: rows, table: table, counters: &counters)
                        }
                    }
                }
            }
            return Double(counters.otherFlops) / seconds
        }
        _ = once()
        return Spread((0..<max(1, repeats)).map { _ in once() })
    }

    /// `repeats` samples after one untimed warm-up.
    static func samples(_ repeats: Int, _ body: () throws(KernelError) -> Double) throws(KernelError) -> [Double] {
        _ = try body()
        var out: [Double] = []
        for _ in 0..<max(1, repeats) { out.append(try body()) }
        return out
    }

    static func timedThrowing(_ work: () throws(KernelError) -> Void) throws(KernelError) -> Double {
        let clock = ContinuousClock()
        let begin = clock.now
        try work()
        let d = begin.duration(to: clock.now)
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
