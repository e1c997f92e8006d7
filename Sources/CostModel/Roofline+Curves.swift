// The roofline priced from efficiency curves (EfficiencyCurves.swift): the rates of one GPU for one
// compute dtype, prefill attention kernel and launch mode. `RooflineRates` delegates to these when
// the hardware profile has curves; host profiles keep their calibrated single efficiencies.
//
// Per operator instance (formulas in EfficiencyCurves.swift):
//   dense (projections, output, FFN, K̂/V̂, embedding, head)
//       max(executed FLOPs / (peak * dense(M)), bytes / (bw * streaming(bytes))) + launch
//       with M = the operator's product rows (`OperatorCost.rows`: R tokens, B while decoding,
//       R k / E for a mixture-of-experts layer, whose experts each see that many rows on average)
//       and, where the curves have shapes, N K = `OperatorCost.productWeightElements`
//   prefill attention core (more than one query row)
//       max(useful matmul FLOPs / (peak * prefill(kernel, head dim, causal, N)), bytes / (bw * streaming(bytes))) + launch
//       (softmax work is inside the measured kernel time, as in the FlashAttention benchmarks)
//   decode attention core (one query row)
//       max(FLOPs / (peak * dense ceiling), bytes / (bw * decode(bytes))) + launch
//   retention core: dense ceiling and streaming (no published GPU curve; not used by GPU rows)
// One launch per operator instance: an operator that a GPU runs as several kernels (a norm, a
// product, a rotary embedding) is charged one launch, so launch time is a lower bound. Where the
// file has element-wise curves (the A100, H100 and H200), the norms, rotary embedding, activation and
// residual adds are priced as kernels of their own, each with its launch, and the operators move
// their products' traffic only (`pricedBytes`; Roofline+Elementwise.swift).

public struct CurveRates: Sendable, Hashable {
    public var curves: EfficiencyCurves
    public var peakFlopsPerSecond: Double
    public var bandwidthBytesPerSecond: Double
    public var computeDType: DType
    public var attentionKernel: AttentionKernel
    public var launchMode: LaunchMode
    public var launchSeconds: Double

    /// The curves of `hardware` for `dtype`; throws when a curve the roofline needs is missing.
    public init(hardware: HardwareSpec, curves: EfficiencyCurves, computeDType dtype: DType, peak: Double,
                attentionKernel: AttentionKernel?, launchMode: LaunchMode) throws(CostModelError) {
        func missing(_ what: String) -> CostModelError { .missingEfficiencyCurve(hardware: hardware.id, file: curves.file, what: what) }
        guard curves.hasDense(dtype) else { throw missing("dense_gemm for dtype \(dtype.rawValue)") }
        let kernel = attentionKernel ?? curves.defaultAttentionKernel
        guard !curves.prefillHeadDims(kernel, dtype, causal: true).isEmpty else {
            throw missing("prefill_attention for kernel \(kernel.rawValue), dtype \(dtype.rawValue), causal")
        }
        guard let launch = curves.launchSeconds[launchMode] else { throw missing("launch for \(launchMode.rawValue)") }
        self.curves = curves
        self.peakFlopsPerSecond = peak
        self.bandwidthBytesPerSecond = hardware.memoryBandwidthBytesPerSecond
        self.computeDType = dtype
        self.attentionKernel = kernel
        self.launchMode = launchMode
        self.launchSeconds = launch
    }

    /// The dense curves' value at their largest published shape.
    var denseCeiling: Double { curves.denseCeiling(computeDType) }

    /// Fraction of peak of a dense product of `rows` rows (M) and `weightElements` N x K (0: unknown).
    public func denseEfficiency(rows: Double, weightElements: Double = 0) -> Double {
        curves.denseEfficiency(computeDType, rows: rows, weightElements: weightElements)
    }

    /// Bandwidth reached by a streaming operator moving `bytes` in one launch.
    public func streamingBytesPerSecond(bytes: Double) -> Double { bandwidthBytesPerSecond * curves.streaming.value(at: bytes) }

    /// Bandwidth reached by a decode attention launch reading `bytes` of K/V.
    public func decodeBytesPerSecond(bytes: Double) -> Double { bandwidthBytesPerSecond * curves.decodeAttention.value(at: bytes) }

    /// The decode attention's arithmetic rate (the dense ceiling: its FLOPs never bind on a GPU).
    public var decodeFlopsPerSecond: Double { peakFlopsPerSecond * denseCeiling }

    /// Bytes one instance of `op` moves as this profile's kernels run it: where the file has
    /// element-wise curves those kernels charge their own traffic (Roofline+Elementwise.swift), so the
    /// operator moves its products' traffic only (`bytes + unfusedByteDelta`); else its fused `bytes`.
    public func pricedBytes(_ op: OperatorCost) -> Int128 { curves.elementwise.isEmpty ? op.bytes : op.bytes + op.unfusedByteDelta }

    /// One instance's compute and memory seconds (no launch).
    public func instanceSeconds(_ op: OperatorCost) -> (compute: Double, memory: Double) {
        let bytes = pricedBytes(op).fastDouble
        switch op.operatorClass {
        case .dense:
            let eff = denseEfficiency(rows: max(1, op.rows.fastDouble), weightElements: op.productWeightElements.fastDouble)
            return (op.executedFlops.totalDouble / (peakFlopsPerSecond * eff), bytes / streamingBytesPerSecond(bytes: bytes))
        case .attentionCore, .windowedAttentionCore:
            if let s = op.attention, s.queries > 1,
               let eff = curves.prefillEfficiency(attentionKernel, computeDType, headDim: s.headDim, causal: s.causal, tokens: s.keys.fastDouble) {
                return (Double(op.flops.matmul) / (peakFlopsPerSecond * eff), bytes / streamingBytesPerSecond(bytes: bytes))
            }
            return (op.executedFlops.totalDouble / decodeFlopsPerSecond, bytes / decodeBytesPerSecond(bytes: bytes))
        case .retentionCore, .stateCore:  // a fixed-state core streams its state like a gRet core
            return (op.executedFlops.totalDouble / decodeFlopsPerSecond, bytes / streamingBytesPerSecond(bytes: bytes))
        case .communication:
            // Links, not this device's memory: RooflineRates.seconds prices communication operators
            // (Interconnect.swift) before it reaches the curves; no arithmetic and no HBM traffic here.
            return (0, 0)
        }
    }

    /// All instances of an operator.
    public func seconds(_ op: OperatorCost) -> Double {
        let (c, m) = instanceSeconds(op)
        return Double(op.count) * (max(c, m) + launchSeconds)
    }

    public func isMemoryBound(_ op: OperatorCost) -> Bool {
        let (c, m) = instanceSeconds(op)
        return m > c
    }
}
