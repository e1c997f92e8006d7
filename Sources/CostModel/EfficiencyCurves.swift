// Per-operator efficiencies of a GPU, interpolated between published kernel measurements (issue 15).
//
// A GPU profile may name a data file of points (Profiles/hardware/efficiency/<gpu>.csv, each point
// with the row of Reports/published/kernel-efficiency.csv it comes from). When it does, the roofline
// prices each operator at the efficiency of its own kernel and shape instead of the profile's single
// `compute_efficiency` / `memory_efficiency`:
//
//   dense product (M rows)      FLOPs / (peak * dense(dtype, M, N K))     curve over log2(M), M the
//                               rows one product sees (R, or R k / E for one expert of an MoE
//                               layer). A dtype's points either carry no shape (one curve, as
//                               published at fixed columns and depth) or carry the N x K of the
//                               product measured (one curve per N K): then the efficiency is each
//                               curve's value at M, interpolated linearly in log2(N K) between the
//                               two curves nearest the operator's N K and flat beyond the narrowest
//                               and the widest (N K = the mean over the operator's products with
//                               weights: OperatorCost.productWeightElements). N and K enter only
//                               as their product (a 4096 x 11008 and an 11008 x 4096 product are
//                               one key); an operator whose N K is unknown (0) reads the shapeless
//                               curve, or the widest shaped one where the dtype has none
//   prefill attention           useful QKᵀ and PV FLOPs (½ of the square when causal, the
//                               FlashAttention benchmarks' count) / (peak * prefill(kernel, dtype,
//                               head dim, causal, N))                     curve over log2(N)
//   decode attention (split-K)  K/V bytes / (bandwidth * decode(bytes read per launch))
//   other memory traffic        bytes / (bandwidth * streaming(bytes moved per launch))
//   every operator instance     + launch seconds (with or without CUDA graphs)
//
// Interpolation is linear in log2(x) between points and flat beyond the first and last point (a
// curve never extrapolates a trend). Between two published head dims the prefill efficiency is
// interpolated linearly in the head dim; outside them the nearest is used.

/// The prefill attention kernel a deployment runs.
public enum AttentionKernel: String, CaseIterable, Sendable, Hashable {
    /// FlashAttention-2.
    case flash2
    /// FlashAttention-3 (Hopper only).
    case flash3
    /// Unfused attention (matmul, softmax, matmul), as PyTorch runs it without a fused kernel.
    case sdpa
}

/// How kernels are launched: captured in a CUDA graph, or one by one from the host.
public enum LaunchMode: String, CaseIterable, Sendable, Hashable {
    case cudaGraphs = "cuda_graphs"
    case eager
}

/// One published point: the shape variable and the efficiency (or seconds) measured there.
public struct EfficiencyPoint: Sendable, Hashable {
    /// The shape variable (sequence length, product rows, bytes per launch).
    public var x: Double
    /// Fraction of peak (or of bandwidth).
    public var value: Double
    /// The row(s) of the published kernel file it comes from (e.g. `k341`).
    public var source: String

    public init(x: Double, value: Double, source: String) {
        self.x = x
        self.value = value
        self.source = source
    }
}

/// Points ascending in x; linear in log2(x) between them, flat beyond.
public struct EfficiencyCurve: Sendable, Hashable {
    public var points: [EfficiencyPoint]

    /// `points` sorted by x; callers guarantee at least one point and distinct x.
    public init(_ points: [EfficiencyPoint]) {
        self.points = points.sorted { $0.x < $1.x }
    }

    public func value(at x: Double) -> Double {
        guard let first = points.first, let last = points.last else { return 1 }
        if x <= first.x { return first.value }
        if x >= last.x { return last.value }
        return Log2Interpolation.value(points.map { (log2X: $0.x.log2Approximation, value: $0.value) }, atLog2: x.log2Approximation) ?? last.value
    }
}

/// The one interpolation rule of every curve (the GPU curves here, the calibrated host's dense
/// rows curve in Roofline.swift): linear in log2(x) between points ascending in log2(x), flat
/// beyond the first and the last. nil without points.
enum Log2Interpolation {
    static func value(_ points: [(log2X: Double, value: Double)], atLog2 x: Double) -> Double? {
        guard let first = points.first, let last = points.last else { return nil }
        if x <= first.log2X { return first.value }
        if x >= last.log2X { return last.value }
        for (a, b) in zip(points, points.dropFirst()) where x <= b.log2X {
            let t = b.log2X > a.log2X ? (x - a.log2X) / (b.log2X - a.log2X) : 0
            return a.value + t * (b.value - a.value)
        }
        return last.value
    }
}

/// A dense curve over M measured at one product shape (N x K weight elements).
public struct DenseShapeCurve: Sendable, Hashable {
    /// N x K of the product measured (weight elements).
    public var weightElements: Double
    public var curve: EfficiencyCurve

    public init(weightElements: Double, curve: EfficiencyCurve) {
        self.weightElements = weightElements
        self.curve = curve
    }
}

/// Which prefill attention curve: kernel, dtype, head dim and whether the mask is causal.
public struct PrefillAttentionKey: Sendable, Hashable {
    public var kernel: AttentionKernel
    public var dtype: DType
    public var headDim: Int
    public var causal: Bool

    public init(kernel: AttentionKernel, dtype: DType, headDim: Int, causal: Bool) {
        self.kernel = kernel
        self.dtype = dtype
        self.headDim = headDim
        self.causal = causal
    }
}

/// Every curve of one GPU.
public struct EfficiencyCurves: Sendable, Hashable {
    /// The data file, as the profile names it (for reports).
    public var file: String
    /// Dense products without a shape: fraction of peak per compute dtype, over the rows M of one product.
    public var dense: [DType: EfficiencyCurve]
    /// Dense products by shape: per compute dtype, one curve over M per N x K, ascending in N x K.
    public var denseByShape: [DType: [DenseShapeCurve]]
    /// Prefill attention: fraction of peak over the sequence length.
    public var prefillAttention: [PrefillAttentionKey: EfficiencyCurve]
    /// Decode attention (split-K): fraction of bandwidth over K/V bytes read per launch.
    public var decodeAttention: EfficiencyCurve
    /// Other memory-bound work (weight streaming at decode, element-wise traffic): fraction of
    /// bandwidth over bytes moved per launch.
    public var streaming: EfficiencyCurve
    /// Host-visible cost of one kernel launch, seconds, per launch mode.
    public var launchSeconds: [LaunchMode: Double]
    /// Element-wise kernels priced apart (Roofline+Elementwise.swift): fraction of bandwidth over
    /// bytes moved per launch, per kernel; empty on a profile without a sourced element-wise curve
    /// (its element-wise work stays folded into the operators' bytes).
    public var elementwise: [ElementwiseKernel: EfficiencyCurve]
    /// The kernel used when a query names none.
    public var defaultAttentionKernel: AttentionKernel

    public init(
        file: String, dense: [DType: EfficiencyCurve], prefillAttention: [PrefillAttentionKey: EfficiencyCurve],
        decodeAttention: EfficiencyCurve, streaming: EfficiencyCurve, launchSeconds: [LaunchMode: Double],
        defaultAttentionKernel: AttentionKernel, denseByShape: [DType: [DenseShapeCurve]] = [:],
        elementwise: [ElementwiseKernel: EfficiencyCurve] = [:]
    ) {
        self.file = file
        self.dense = dense
        self.denseByShape = denseByShape.mapValues { $0.sorted { $0.weightElements < $1.weightElements } }
        self.prefillAttention = prefillAttention
        self.decodeAttention = decodeAttention
        self.streaming = streaming
        self.launchSeconds = launchSeconds
        self.defaultAttentionKernel = defaultAttentionKernel
        self.elementwise = elementwise
    }

    /// Whether `dtype` has a dense curve, shaped or not.
    public func hasDense(_ dtype: DType) -> Bool { dense[dtype] != nil || !(denseByShape[dtype] ?? []).isEmpty }

    /// Fraction of peak of a `dtype` product of `rows` rows (M) and `weightElements` N x K (0:
    /// unknown). Rule in the file header; 1 when the dtype has no dense curve (callers check
    /// `hasDense` first).
    public func denseEfficiency(_ dtype: DType, rows: Double, weightElements nk: Double) -> Double {
        let shaped = denseByShape[dtype] ?? []
        guard let widest = shaped.last else { return dense[dtype]?.value(at: rows) ?? 1 }
        guard nk > 0 else { return dense[dtype]?.value(at: rows) ?? widest.curve.value(at: rows) }
        let at = shaped.map { (log2X: $0.weightElements.log2Approximation, value: $0.curve.value(at: rows)) }
        return Log2Interpolation.value(at, atLog2: nk.log2Approximation) ?? widest.curve.value(at: rows)
    }

    /// The dense value at the largest published M, the highest over a dtype's curves.
    public func denseCeiling(_ dtype: DType) -> Double {
        let lasts = ([dense[dtype]].compactMap { $0 } + (denseByShape[dtype] ?? []).map(\.curve)).compactMap { $0.points.last?.value }
        return lasts.max() ?? 1
    }

    /// Head dims with a prefill curve for a kernel, dtype and mask, ascending.
    public func prefillHeadDims(_ kernel: AttentionKernel, _ dtype: DType, causal: Bool) -> [Int] {
        prefillAttention.keys.filter { $0.kernel == kernel && $0.dtype == dtype && $0.causal == causal }.map(\.headDim).sorted()
    }

    /// Prefill attention efficiency at head dim `hd` and `n` tokens (nil when the kernel has no
    /// curve for the dtype and mask).
    public func prefillEfficiency(_ kernel: AttentionKernel, _ dtype: DType, headDim hd: Int, causal: Bool, tokens n: Double) -> Double? {
        let dims = prefillHeadDims(kernel, dtype, causal: causal)
        guard let lo = dims.last(where: { $0 <= hd }) ?? dims.first, let hi = dims.first(where: { $0 >= hd }) ?? dims.last else { return nil }
        func at(_ d: Int) -> Double { prefillAttention[PrefillAttentionKey(kernel: kernel, dtype: dtype, headDim: d, causal: causal)]!.value(at: n) }
        if lo == hi { return at(lo) }
        let t = Double(hd - lo) / Double(hi - lo)
        return at(lo) + t * (at(hi) - at(lo))
    }
}

/// The shape of an attention core, for the curve lookup (set by Prefill.swift and Decode.swift).
public struct AttentionShape: Sendable, Hashable {
    /// Query rows per sequence (1 while decoding or for a single-position cross layer).
    public var queries: Int128
    /// Key positions per sequence (the prompt length in a prefill).
    public var keys: Int128
    public var headDim: Int
    public var causal: Bool

    public init(queries: Int128, keys: Int128, headDim: Int, causal: Bool) {
        self.queries = queries
        self.keys = keys
        self.headDim = headDim
        self.causal = causal
    }
}
