// The latency model: a roofline per operator (BRIEF §3, "Latency model").
//
//   seconds(op) = count * ( max( executed FLOPs / (peak[compute dtype] * compute efficiency),
//                                bytes moved    / (bandwidth * memory efficiency) )
//                           + operator overhead )
//
// Fixed costs per run (host profiles that state them, issue 14): a prefill also pays
//
//   first touch x activation bytes + BLAS wake-up
//
// once, outside every operator: the kernels allocate and zero a fresh workspace per prefill (page
// faults and zeroing, `first_touch_seconds_per_byte`), and its first product wakes OpenBLAS's
// workers, asleep since the last call (`blas_wake_up_seconds`). Both come from microbenchmarks
// (Profiler/Calibration+FixedCosts.swift); a profile without them pays neither.
//
// Fixed cost per one-row product call (host profiles that state `one_row_product_call_seconds`,
// issue 14): an operator whose products run on fewer than 4 token rows (decode at small batch, a
// prefill's early-exit rows and its head) calls one BLAS matrix-vector product per row and matrix;
// each call pays a fixed cost beyond its bytes (call setup, handing half the rows to OpenBLAS's
// second worker and joining it), so an instance also pays
//
//   one-row product calls x one_row_product_call_seconds
//
// beside the operator overhead, and where the profile states the one-row read fractions its bytes
// are charged at that fraction of its memory rate (OneRowProductRead.swift). The figure is a microbenchmark's (Profiler/Calibration+OneRowProducts.swift);
// a profile without it pays nothing, and efficiency-curve (GPU) profiles never read it.
//
// Activation rate (host profiles that state `activation_flops_per_second`, issue 14): a
// feed-forward's activation (SwiGLU's swish(gate) x up, `OperatorCost.activationFlops`) runs as its
// own element-wise kernel, measured apart by `calibrate` (Profiler/Calibration+Kernels.swift): on
// this host it once ran about 35 times slower per FLOP than the norms and RoPE behind
// `elementwise_flops_per_second` (0.33 against 11.5 GFLOP/s, a scalar exp; on CKernels'
// `yc_swish_product` since, 5.7-8.0 against 7.7-12.6; docs/VALIDATION.md, "The feed-forward's
// activation"). Those FLOPs are then charged
//
//   activation FLOPs / activation_flops_per_second
//
// and the operator's other FLOPs, less them, as before; a profile without the figure charges them
// as any other FLOPs.
//
// `count` is the number of identical instances (layers of one kind). Matrix-product and element-wise
// FLOPs share one peak: element-wise work is a few percent of any operator here, and folding it
// into the matmul rate keeps the model one-parameter-per-resource. Operators are assumed not to
// overlap one another (no concurrent kernels); inside one operator compute and memory traffic
// overlap perfectly (the max).

/// The part of the model an operator computes. Its type decides the efficiency it is charged at
/// (`operatorClass`), never its name.
public enum OperatorPart: Sendable, Hashable {
    case embedding
    /// A block's mixer projections (q, k, v; gRet's q, k, v, g, γ) with their norm and RoPE.
    case projections
    /// An attention core (QKᵀ, softmax, PV); `windowed` for a sliding-window or chunked span.
    case attentionCore(windowed: Bool)
    /// A gated-retention core (chunkwise prefill, recurrent decode).
    case retentionCore
    /// A fixed-state mixer's recurrence (linear attention, Mamba scan; chunkwise prefill, recurrent decode).
    case stateCore
    /// A block's output projection.
    case output
    /// A block's feed-forward with its norm.
    case ffn
    /// YOCO's shared K̂/V̂ projection.
    case kvProjection
    /// Final norm and output projection.
    case head
    /// A collective or a send between devices of a parallel layout (ModelSpec+Parallel.swift).
    case communication(Collective)

    /// snake_case, as operator names print it.
    public var name: String {
        switch self {
        case .embedding: "embedding"
        case .projections: "projections"
        case .attentionCore, .retentionCore, .stateCore: "core"
        case .output: "output"
        case .ffn: "ffn"
        case .kvProjection: "kv_projection"
        case .head: "head"
        case .communication(let c): c.rawValue
        }
    }
}

/// The communication a parallel layout adds (Interconnect.swift has the time of each).
public enum Collective: String, Sendable, Hashable {
    /// Ring all-reduce over the tensor-parallel ranks (after a block's output and its feed-forward,
    /// and after the vocabulary-parallel embedding).
    case allReduce = "all_reduce"
    /// Ring all-gather of the vocabulary-parallel logits.
    case allGather = "all_gather"
    /// Activations sent from one pipeline stage to the next.
    case send
    /// Expert parallelism: each rank's token rows sent to the ranks holding their experts (all-to-all).
    case dispatch = "all_to_all_dispatch"
    /// Expert parallelism: the experts' outputs sent back to the rows' ranks (all-to-all).
    case combine = "all_to_all_combine"
}

/// A typed operator id: which block run (none for model-level operators) and which part.
public struct OperatorID: Sendable, Hashable {
    /// Index into `ModelSpec.runs`; nil for embedding, K̂/V̂ projection and head.
    public var run: Int?
    /// The run's label (`attention`, `swa_self`, `cross`, `gret`; ModelSpec.operatorLabel).
    public var label: String?
    public var part: OperatorPart

    public init(run: Int? = nil, label: String? = nil, part: OperatorPart) {
        self.run = run
        self.label = label
        self.part = part
    }

    /// `<label>.<part>` (e.g. `gret.core`, `cross.projections`) or the part alone (`head`).
    public var name: String { label.map { "\($0).\(part.name)" } ?? part.name }
}

/// One operator's work: FLOPs and bytes per instance, and how many identical instances run.
public struct OperatorCost: Sendable, Hashable {
    public var id: OperatorID
    /// Identical instances per pass (layers of this run).
    public var count: Int
    /// Algorithmic FLOPs per instance (useful attention pairs).
    public var flops: FlopCount
    /// FLOPs the kernel executes per instance (whole attention tiles); the latency model uses these.
    public var executedFlops: FlopCount
    /// Bytes moved to and from memory per instance: weights, activations in and out, cache traffic.
    public var bytes: Int128
    /// Rows (tokens) of the operator's products with weights; 0 when it has none. GEMM efficiency
    /// depends on it (`HardwareSpec.computeEfficiencyByRows`).
    public var rows: Int128 = 0
    /// N x K of one of the operator's products with weights, the mean over them (a gated FFN's fused
    /// gate-up and its down product: 3 d ff / 2); 0 when it has none. Read by shaped GPU dense
    /// curves (EfficiencyCurves.swift).
    public var productWeightElements: Int128 = 0
    /// Bytes per instance to add to `bytes` where the element-wise kernels (norms, activation,
    /// residual adds) are priced as kernels of their own and charge their traffic: `bytes` counts the
    /// work fused, `bytes + unfusedByteDelta` the products' traffic only (negative for the residual
    /// read, positive for a gate-up output the activation kernel reads; Prefill.swift). Applied by
    /// `CurveRates.pricedBytes` only; 0 for an operator whose bytes do not change.
    public var unfusedByteDelta: Int128 = 0
    /// Latency steps of a communication operator (a ring's 2(n - 1) or n - 1 hops, 1 for a send);
    /// 0 for every other operator.
    public var linkSteps: Int = 0
    /// The attention core's shape (queries, keys, head dim, mask), for efficiency curves; nil for
    /// every other operator.
    public var attention: AttentionShape?
    /// The bytes touched between two uses of this operator's bytes, per pass (CacheLevel.swift,
    /// the reuse rule): a decode step's bytes, a prefill pass's bytes; 0 states no reuse (DRAM).
    /// Read only by a profile with a cache level.
    public var reuseWorkingSetBytes: Int128 = 0
    /// BLAS calls one instance makes for its products with weights when its token rows are fewer
    /// than `oneRowProductRows` (Kernels/Linear.swift then runs one matrix-vector call per row and
    /// matrix: q, k and v three, a gated FFN's gate, up and down three); 0 at more rows, where one
    /// sgemm per matrix runs, and for operators without products. Priced by a profile's
    /// `one_row_product_call_seconds` (the header's "Fixed cost per one-row product call").
    public var oneRowProductCalls: Int128 = 0
    /// The matrix of each of those calls, where the operator's builder states them (then as many as
    /// `oneRowProductCalls`); priced by a profile's `one_row_product_seconds_by_shape`
    /// (OneRowProductRead.swift, "Per-shape times"). Empty: the calls are priced without shapes.
    public var oneRowProductMatrices: [OneRowMatrix] = []
    /// The feed-forward activation's share of `flops.other` per instance (SwiGLU's swish(gate) x up,
    /// 5 per element of [R, F]; a mixture of experts' routed and shared activations); 0 for every
    /// other operator. Priced by a profile's `activation_flops_per_second` (the header's
    /// "Activation rate"); a profile without it charges these FLOPs as any other FLOPs.
    public var activationFlops: Int128 = 0

    /// Below this many token rows the kernels run a product as one matrix-vector call per row
    /// (Kernels/Linear.swift's `gemvRows`; a test holds the two equal).
    public static let oneRowProductRows: Int128 = 4

    public init(_ id: OperatorID, count: Int = 1, flops: FlopCount, executedFlops: FlopCount? = nil, bytes: Int128) {
        self.id = id
        self.count = count
        self.flops = flops
        self.executedFlops = executedFlops ?? flops
        self.bytes = bytes
    }

    /// snake_case, `<run label>.<part>` (e.g. `gret.core`, `cross.projections`, `head`).
    public var name: String { id.name }

    /// Equal work: every field but `reuseWorkingSetBytes`, which describes the pass around the
    /// operator (a longer prompt's pass is larger), not the operator's own FLOPs and bytes.
    public static func == (a: OperatorCost, b: OperatorCost) -> Bool {
        a.id == b.id && a.count == b.count && a.flops == b.flops && a.executedFlops == b.executedFlops && a.bytes == b.bytes
            && a.rows == b.rows && a.productWeightElements == b.productWeightElements && a.linkSteps == b.linkSteps
            && a.attention == b.attention && a.oneRowProductCalls == b.oneRowProductCalls && a.unfusedByteDelta == b.unfusedByteDelta
            && a.oneRowProductMatrices == b.oneRowProductMatrices
            && a.activationFlops == b.activationFlops
    }

    public func hash(into h: inout Hasher) {
        h.combine(id)
        h.combine(count)
        h.combine(flops)
        h.combine(executedFlops)
        h.combine(bytes)
        h.combine(rows)
        h.combine(productWeightElements)
        h.combine(linkSteps)
        h.combine(attention)
        h.combine(oneRowProductCalls)
        h.combine(oneRowProductMatrices)
        h.combine(unfusedByteDelta)
        h.combine(activationFlops)
    }
}

extension PhaseCost {
    /// Every operator's reuse working set set to the pass's bytes (CacheLevel.swift, the rule).
    func withPassWorkingSet() -> PhaseCost {
        var p = self
        let w = bytes
        for i in p.operators.indices { p.operators[i].reuseWorkingSetBytes = w }
        return p
    }
}

extension OperatorCost {
    /// The same operator with its product rows set, and its mean product N x K: the given
    /// `productWeightElements`, else the matrix FLOPs per row over `products` products
    /// (matmul / (2 r products)).
    func with(rows r: Int128, products: Int128 = 1, productWeightElements nk: Int128? = nil) -> OperatorCost {
        var op = self
        op.rows = r
        op.productWeightElements = nk ?? (r > 0 ? flops.matmul / (2 * r * products) : 0)
        return op
    }

    /// The same operator with the BLAS calls its products make over `r` token rows: `perRow` per
    /// row (one matrix-vector call per matrix) below `oneRowProductRows`, none at more rows.
    func oneRowCalls(rows r: Int128, perRow: Int128) -> OperatorCost {
        var op = self
        op.oneRowProductCalls = r < Self.oneRowProductRows ? r * perRow : 0
        return op
    }

    /// The same with the shapes of those calls: one call per row of each of `matrices`
    /// ([inputs, outputs]) below `oneRowProductRows` rows. The shapes are stated only where `dt`
    /// stores every weight and activation in fp32, the dtype a profile's per-shape times are taken
    /// in (OneRowProductRead.swift); any other plan keeps the calls without shapes (their bytes
    /// priced by the fraction rule), so a bf16 or quantised weight is never charged an fp32 read.
    func oneRowCalls(rows r: Int128, matrices: [(inputs: Int, outputs: Int)], _ dt: DTypePlan) -> OperatorCost {
        var op = oneRowCalls(rows: r, perRow: Int128(matrices.count))
        if op.oneRowProductCalls > 0, dt.weights == .fp32, dt.weightStorage == nil, dt.activations == .fp32 {
            op.oneRowProductMatrices = (0..<Int(r)).flatMap { _ in matrices.map { OneRowMatrix(inputs: $0.inputs, outputs: $0.outputs) } }
        }
        return op
    }
}

/// A pass (a prefill, or one decode step) as a list of operators, with totals.
public struct PhaseCost: Sendable, Hashable {
    public var operators: [OperatorCost]
    /// Useful query-key pairs summed over layers, heads and sequences.
    public var usefulAttentionPairs: Int128
    /// Executed query-key pairs summed over layers, heads and sequences.
    public var executedAttentionPairs: Int128

    public init(operators: [OperatorCost], usefulAttentionPairs: Int128 = 0, executedAttentionPairs: Int128 = 0) {
        self.operators = operators
        self.usefulAttentionPairs = usefulAttentionPairs
        self.executedAttentionPairs = executedAttentionPairs
    }

    public var flops: FlopCount { operators.reduce(.zero) { $0 + $1.count * $1.flops } }
    public var executedFlops: FlopCount { operators.reduce(.zero) { $0 + $1.count * $1.executedFlops } }
    public var bytes: Int128 { operators.reduce(0) { $0 + Int128($1.count) * $1.bytes } }
    public var operatorLaunches: Int { operators.reduce(0) { $0 + $1.count } }
}

/// Errors of the compute and time model. Messages name the thing, the constraint and the value.
public enum CostModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hardware profile has no peak for the dtype the computation runs in.
    case missingPeakFlops(hardware: String, dtype: DType, available: [DType])
    /// The requested batch (or, for `max`, even one sequence) does not fit in memory.
    case batchDoesNotFit(requested: Int?, maxBatch: Int, limitedBy: BindingConstraint, requiredBytes: Int128, budgetBytes: Int128)
    /// A query value outside the accepted range (field names are the command-line options).
    case invalidQuery(SpecError)
    /// A model or hardware spec that does not validate.
    case invalidSpec(id: String, SpecError)
    /// The hardware's efficiency curves lack one the roofline needs (a dtype, a kernel, a launch mode).
    case missingEfficiencyCurve(hardware: String, file: String, what: String)
    /// An option that needs efficiency curves, on hardware that has none (a calibrated host).
    case noEfficiencyCurves(hardware: String, option: String)

    public var description: String {
        switch self {
        case let .missingPeakFlops(hardware, dtype, available):
            let names = available.map(\.rawValue).sorted().joined(separator: ", ")
            return "hardware `\(hardware)` has no `peak_flops_per_second.\(dtype.rawValue)`; it lists: \(names.isEmpty ? "none" : names)"
        case let .batchDoesNotFit(requested, maxBatch, limitedBy, required, budget):
            let what = requested.map { "batch \($0)" } ?? "one sequence"
            return "\(what) does not fit: needs \(required) bytes of \(budget) available; the largest batch that fits is \(maxBatch), limited by \(limitedBy.rawValue)"
        case let .invalidQuery(e):
            return e.description
        case let .invalidSpec(id, e):
            return "\(id): \(e.description)"
        case let .missingEfficiencyCurve(hardware, file, what):
            return "hardware `\(hardware)` has no efficiency curve for \(what) in \(file)"
        case let .noEfficiencyCurves(hardware, option):
            return "\(option) needs efficiency curves; hardware `\(hardware)` has none (only profiles that name `efficiency_curves` are priced by kernel; a calibrated host keeps its measured figures)"
        }
    }
}

/// Which efficiency an operator runs at. Products with weights (projections, FFN, head) run near
/// the device's GEMM efficiency; the attention and retention cores are built from small tiles and
/// softmax or decay passes and may reach less, so a profile can state their efficiency apart.
public enum OperatorClass: String, CaseIterable, Sendable, Hashable, Codable {
    /// Projections, output, FFN, K̂/V̂ projection, embedding and head: `compute_efficiency`.
    case dense
    /// Causal and cross-attention cores (QKᵀ, softmax, PV).
    case attentionCore = "attention_core"
    /// Sliding-window attention cores (Transformer windows, YOCO SWA self-decoders); falls back to
    /// `attention_core` when a profile does not state it.
    case windowedAttentionCore = "windowed_attention_core"
    /// Gated-retention cores (chunkwise prefill, recurrent decode).
    case retentionCore = "retention_core"
    /// Fixed-state mixer cores (linear attention, Mamba); falls back to `retention_core`, the same
    /// shape of work, when a profile does not state it.
    case stateCore = "state_core"
    /// Collectives and sends between devices: bytes over the interconnect plus a latency per step,
    /// never arithmetic (Interconnect.swift); a profile's `interconnect` sets its rates.
    case communication
}

extension OperatorClass {
    /// The class whose efficiency applies when a profile does not state this one's.
    public var fallback: OperatorClass? {
        switch self {
        case .windowedAttentionCore: .attentionCore
        case .stateCore: .retentionCore
        case .dense, .attentionCore, .retentionCore, .communication: nil
        }
    }
}

extension OperatorCost {
    /// The class the operator's part belongs to.
    public var operatorClass: OperatorClass {
        switch id.part {
        case .attentionCore(let windowed): windowed ? .windowedAttentionCore : .attentionCore
        case .retentionCore: .retentionCore
        case .stateCore: .stateCore
        case .embedding, .projections, .output, .ffn, .kvProjection, .head: .dense
        case .communication: .communication
        }
    }
}

/// The effective rates of one device for one compute dtype.
public struct RooflineRates: Sendable, Hashable {
    /// peak[compute dtype] * compute efficiency, FLOP/s (dense operators).
    public var flopsPerSecond: Double
    /// peak * the class's own efficiency, for classes the profile states apart.
    public var classFlopsPerSecond: [OperatorClass: Double] = [:]
    /// bandwidth * the class's own memory efficiency, for classes the profile states apart.
    public var classBytesPerSecond: [OperatorClass: Double] = [:]
    /// Dense rate against log2(rows), ascending in rows (from `computeEfficiencyByRows`).
    public var denseCurve: [(log2Rows: Double, flopsPerSecond: Double)] = []
    /// Rate of the "other" (element-wise) FLOPs; nil charges them at the operator's matrix rate.
    public var elementwiseFlopsPerSecond: Double?
    /// Rate of an operator's `activationFlops` (the header's "Activation rate"); nil charges them
    /// as its other FLOPs.
    public var activationFlopsPerSecond: Double?
    /// Interconnect rate of communication operators (link * collective efficiency), bytes/s; nil
    /// on a device without one (no communication operator is then built).
    public var linkBytesPerSecond: Double?
    /// Latency per step of a communication operator, seconds.
    public var linkStepLatencySeconds: Double = 0
    /// Per-operator efficiencies from published kernel curves (GPU profiles that have them); when
    /// set they replace the single efficiencies above (Roofline+Curves.swift).
    public var curves: CurveRates?
    /// Seconds per byte of a fresh buffer's first touch; 0 when the profile states none.
    public var firstTouchSecondsPerByte: Double = 0
    /// Seconds to wake the BLAS workers once per run; 0 when the profile states none.
    public var blasWakeUpSeconds: Double = 0
    /// The last-level cache's read rates by working set (CacheLevel.swift); nil: DRAM only.
    public var cacheLevel: CacheLevelRates?
    /// Seconds per one-row product call (the header's rule); 0 when the profile states none.
    public var oneRowProductCallSeconds: Double = 0
    /// The one-row products' read fractions (OneRowProductRead.swift); nil: none.
    public var oneRowProductRead: OneRowProductRead?
    /// The one-row calls' seconds by shape (OneRowProductRead.swift, "Per-shape times"); nil: none.
    public var oneRowProductTimes: OneRowProductTimes?

    public static func == (a: RooflineRates, b: RooflineRates) -> Bool {
        a.flopsPerSecond == b.flopsPerSecond && a.bytesPerSecond == b.bytesPerSecond && a.overheadSeconds == b.overheadSeconds
            && a.classFlopsPerSecond == b.classFlopsPerSecond && a.classBytesPerSecond == b.classBytesPerSecond
            && a.elementwiseFlopsPerSecond == b.elementwiseFlopsPerSecond && a.activationFlopsPerSecond == b.activationFlopsPerSecond
            && a.curves == b.curves
            && a.linkBytesPerSecond == b.linkBytesPerSecond && a.linkStepLatencySeconds == b.linkStepLatencySeconds
            && a.firstTouchSecondsPerByte == b.firstTouchSecondsPerByte && a.blasWakeUpSeconds == b.blasWakeUpSeconds
            && a.cacheLevel == b.cacheLevel && a.oneRowProductCallSeconds == b.oneRowProductCallSeconds
            && a.oneRowProductRead == b.oneRowProductRead && a.oneRowProductTimes == b.oneRowProductTimes
            && a.denseCurve.map(\.log2Rows) == b.denseCurve.map(\.log2Rows)
            && a.denseCurve.map(\.flopsPerSecond) == b.denseCurve.map(\.flopsPerSecond)
    }

    public func hash(into h: inout Hasher) {
        h.combine(flopsPerSecond)
        h.combine(bytesPerSecond)
        h.combine(overheadSeconds)
    }
    /// bandwidth * memory efficiency, bytes/s.
    public var bytesPerSecond: Double
    /// Fixed cost per operator instance, seconds.
    public var overheadSeconds: Double

    public init(flopsPerSecond: Double, bytesPerSecond: Double, overheadSeconds: Double) {
        self.flopsPerSecond = flopsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.overheadSeconds = overheadSeconds
    }

    /// Rates of `hardware` computing in `dtype`; a profile without that dtype is an error. A profile
    /// with efficiency curves is priced by them, with `attentionKernel` (nil: the profile's default)
    /// and `launchMode`; naming a kernel for a profile without curves is an error.
    public init(hardware: HardwareSpec, computeDType dtype: DType, attentionKernel: AttentionKernel? = nil,
                launchMode: LaunchMode = .cudaGraphs) throws(CostModelError) {
        guard let peak = hardware.peakFlopsPerSecond[dtype] else {
            throw .missingPeakFlops(hardware: hardware.id, dtype: dtype, available: Array(hardware.peakFlopsPerSecond.keys))
        }
        self.init(
            flopsPerSecond: peak * hardware.computeEfficiency,
            bytesPerSecond: hardware.memoryBandwidthBytesPerSecond * hardware.memoryEfficiency,
            overheadSeconds: hardware.operatorOverheadSeconds)
        classFlopsPerSecond = hardware.operatorEfficiency.mapValues { peak * $0 }
        classBytesPerSecond = hardware.operatorMemoryEfficiency.mapValues { hardware.memoryBandwidthBytesPerSecond * $0 }
        denseCurve = hardware.computeEfficiencyByRows.sorted { $0.key < $1.key }
            .map { (log2Rows: Double($0.key).log2Approximation, flopsPerSecond: peak * $0.value) }
        elementwiseFlopsPerSecond = hardware.elementwiseFlopsPerSecond
        activationFlopsPerSecond = hardware.activationFlopsPerSecond
        linkBytesPerSecond = hardware.interconnect?.collectiveBytesPerSecond
        linkStepLatencySeconds = hardware.interconnect?.stepLatencySeconds ?? 0
        firstTouchSecondsPerByte = hardware.firstTouchSecondsPerByte ?? 0
        blasWakeUpSeconds = hardware.blasWakeUpSeconds ?? 0
        cacheLevel = hardware.cacheLevel.flatMap(CacheLevelRates.init)
        oneRowProductCallSeconds = hardware.oneRowProductCallSeconds ?? 0
        oneRowProductRead = OneRowProductRead(fractionByWorkingSetBytes: hardware.oneRowProductReadFractionByWorkingSetBytes)
        oneRowProductTimes = OneRowProductTimes(secondsByShape: hardware.oneRowProductSecondsByShape)
        if let c = hardware.efficiencyCurves {
            curves = try CurveRates(hardware: hardware, curves: c, computeDType: dtype, peak: peak,
                                    attentionKernel: attentionKernel, launchMode: launchMode)
        } else if attentionKernel != nil {
            throw .noEfficiencyCurves(hardware: hardware.id, option: "--attention-kernel")
        }
    }

    /// Seconds of arithmetic for `flops` in an operator of `op`'s class: matrix FLOPs at the class's
    /// rate; other FLOPs at the element-wise rate when the profile states one, else the same rate;
    /// the operator's activation FLOPs (at most `flops.other`) at the activation rate where the
    /// profile states one (the header's "Activation rate").
    public func computeSeconds(_ flops: FlopCount, for op: OperatorCost) -> Double {
        let rate = flopsPerSecond(for: op)
        let activation = activationFlopsPerSecond == nil ? 0 : max(0, min(op.activationFlops, flops.other))
        let activationSeconds = activationFlopsPerSecond.map { Double(activation) / $0 } ?? 0
        guard let ew = elementwiseFlopsPerSecond else { return (flops.total - activation).fastDouble / rate + activationSeconds }
        return Double(flops.matmul) / rate + Double(flops.other - activation) / ew + activationSeconds
    }

    /// The memory rate of an operator: its class's own where the profile states one, else the
    /// cache level's rate at the operator's reuse working set (CacheLevel.swift), else DRAM's.
    public func bytesPerSecond(for op: OperatorCost) -> Double { memoryRate(for: op).bytesPerSecond }

    /// The memory rate of an operator and the level it is charged at (`profile --breakdown`'s
    /// `memory_level`); an operator with one-row product calls reads at the profile's one-row
    /// fraction of that rate, where it states one (OneRowProductRead.swift); one whose calls all have
    /// per-shape times reads at its bytes over their memory seconds ("Per-shape times" there).
    public func memoryRate(for op: OperatorCost) -> (bytesPerSecond: Double, level: MemoryLevel) {
        let cls = op.operatorClass
        if let own = classBytesPerSecond[cls] ?? cls.fallback.flatMap({ classBytesPerSecond[$0] }) { return (own, .classRate) }
        let rate = cacheLevel?.readBytesPerSecond(workingSetBytes: op.reuseWorkingSetBytes, dram: bytesPerSecond) ?? (bytesPerSecond, .dram)
        guard op.oneRowProductCalls > 0 else { return rate }
        if let s = oneRowProductTimes?.memorySeconds(op, restBytesPerSecond: rate.bytesPerSecond), s > 0 {
            return (op.bytes.fastDouble / s, rate.level)
        }
        guard let oneRowProductRead else { return rate }
        return (rate.bytesPerSecond * oneRowProductRead.fraction(workingSetBytes: op.reuseWorkingSetBytes), rate.level)
    }

    /// The arithmetic rate of an operator's class; dense operators follow the rows curve when the
    /// profile has one (linear in log2(rows) between calibrated points, flat beyond them).
    public func flopsPerSecond(for op: OperatorCost) -> Double {
        let cls = op.operatorClass
        if let fallback = cls.fallback { return classFlopsPerSecond[cls] ?? classFlopsPerSecond[fallback] ?? flopsPerSecond }
        if cls != .dense { return classFlopsPerSecond[cls] ?? flopsPerSecond }
        guard op.rows > 0 else { return flopsPerSecond }
        return Log2Interpolation.value(denseCurve.map { (log2X: $0.log2Rows, value: $0.flopsPerSecond) },
                                       atLog2: op.rows.fastDouble.log2Approximation) ?? flopsPerSecond
    }

    /// One instance: max(flops / rate, bytes / bandwidth) + overhead.
    public func seconds(flops: Double, bytes: Double, flopsPerSecond rate: Double? = nil, bytesPerSecond bw: Double? = nil) -> Double {
        max(flops / (rate ?? flopsPerSecond), bytes / (bw ?? bytesPerSecond)) + overheadSeconds
    }

    /// All instances of an operator (executed FLOPs, at its class's rates); a communication
    /// operator is its bytes over the link plus its steps' latency (no launch overhead: the measured
    /// latency includes it).
    public func seconds(_ op: OperatorCost) -> Double {
        if op.operatorClass == .communication {
            return Double(op.count) * (op.bytes.fastDouble / (linkBytesPerSecond ?? bytesPerSecond) + Double(op.linkSteps) * linkStepLatencySeconds)
        }
        if let curves { return curves.seconds(op) }
        return Double(op.count) * (max(computeSeconds(op.executedFlops, for: op), op.bytes.fastDouble / bytesPerSecond(for: op)) + fixedSeconds(op))
    }

    /// An instance's fixed seconds beyond its arithmetic and bytes: the operator overhead and its
    /// one-row product calls (the header's rules), none for calls priced by their shapes' times
    /// (which hold the call's cost).
    public func fixedSeconds(_ op: OperatorCost) -> Double {
        if op.oneRowProductCalls > 0, oneRowProductTimes?.covers(op) == true { return overheadSeconds }
        return overheadSeconds + Double(op.oneRowProductCalls) * oneRowProductCallSeconds
    }

    /// A whole pass.
    public func seconds(_ phase: PhaseCost) -> Double {
        phase.operators.reduce(0) { $0 + seconds($1) }
    }

    /// The fixed cost of one run outside its operators: the first touch of `workspaceBytes` of
    /// fresh buffers and one wake-up of the BLAS workers (0 on a profile without them).
    public func runFixedSeconds(workspaceBytes: Int128) -> Double {
        firstTouchSecondsPerByte * workspaceBytes.fastDouble + blasWakeUpSeconds
    }

    /// True when the operator is limited by memory traffic rather than arithmetic.
    public func isMemoryBound(_ op: OperatorCost) -> Bool {
        if let curves { return curves.isMemoryBound(op) }
        return op.bytes.fastDouble / bytesPerSecond(for: op) > computeSeconds(op.executedFlops, for: op)
    }
}

extension ModelSpec {
    /// One prefill run's fixed cost outside its operators (the header's "Fixed costs per run"): the
    /// first touch of its activation bytes (Memory.swift's estimate of the live set) and one BLAS
    /// wake-up. 0 on a profile without them.
    public func prefillRunFixedSeconds(batch: Int, promptTokens: Int, chunkTokens: Int? = nil, dtypes: DTypePlan,
                                       rates: RooflineRates) -> Double {
        guard rates.firstTouchSecondsPerByte > 0 || rates.blasWakeUpSeconds > 0 else { return 0 }
        return rates.runFixedSeconds(workspaceBytes: activationBytes(batch: batch, promptTokens: promptTokens, chunkTokens: chunkTokens,
                                                                     dtype: dtypes.activations))
    }
}

extension Double {
    /// log2 without Foundation (CostModel links only the standard library): the exponent plus
    /// ln(m)/ln 2 for the significand m in [1, 2), with ln(m) = 2 atanh((m - 1)/(m + 1)) summed as a
    /// series in z <= 1/3 (ten terms: error below 1e-10).
    var log2Approximation: Double {
        guard self > 0, isFinite else { return 0 }
        let m = significand
        let z = (m - 1) / (m + 1), z2 = z * z
        var term = z, sum = 0.0
        for k in 0..<10 {
            sum += term / Double(2 * k + 1)
            term *= z2
        }
        return Double(exponent) + 2 * sum / 0.6931471805599453
    }
}
