// Element-wise kernels priced as kernels of their own, on GPU profiles whose efficiency file has
// a sourced element-wise curve (the A100's and H100's, from Vidur's measured kernel times; the H200's
// are the H100's times a measured H200 / H100 memcpy ratio at the same bytes; every host profile has
// none and is priced as before: 0 seconds here).
//
// The kernels of one block, counted from the model description as a GPU engine runs them (one
// launch each, R token rows, e bytes per activation element, d hidden, the rank's shard widths):
//   norm     one per norm of the block (NormLayout.count) and the final norm:  e (2 R d + d)
//            (+ e d for a LayerNorm's bias)
//   rope     one per attention mixer with rotary embedding, q and k:          2 e R (h + hkv) dh
//   act_mul  one per dense feed-forward: gated act(gate) * up                   3 e R I
//            (an ungated MLP's activation                                       2 e R I)
//            a mixture of experts: one over the routed rows, k per token        3 e R k I
//            and one over the shared experts where the layer has them           3 e R Is
//   add      a residual add after the mixer and after the feed-forward, each that the block has
//            (one for a parallel block of one norm: Block.residualAdds):      3 e R d
// Rows follow the prefill's early-exit rule (ModelSpec.prefillCost): with `earlyExitRows`, YOCO's
// cross-decoder blocks and the final norm run over those rows (the last position of each prompt),
// every other block over R. A pipeline stage (deploy) counts its own layers, and the final norm
// only where it holds the head.
// Seconds of a kernel: bytes / (bandwidth * curve(bytes)) + the launch of the row's launch mode.
// Not counted: other mixers' element-wise work (gated retention's and the fixed-state mixers' gates,
// head norms and rotary embedding; latent attention's (MLA's) rotary embedding and its latent norms,
// kv's and q's where it has a q latent: no kernel of theirs was measured), a router's softmax and
// top-k, the weighted sum of the k expert outputs, softmax (inside the attention kernels' measured time).
//
// Each byte once. An operator's `bytes` count its work fused (Prefill.swift: a norm inside the
// projection, the residual add as the output product's accumulate, the activation in the gate-up
// product's epilogue). Where these kernels are priced the operators move their products' traffic
// only, `bytes + unfusedByteDelta` (CurveRates.pricedBytes), set where the operator is built:
//   output   - e R d    the residual read: the add kernel reads it (its 2 R d in), the product
//                       writes its R d out and the add reads that back
//   ffn      - e R d    the same for the add after the feed-forward (none in a parallel block,
//                       whose one add is counted after the mixer: Block.residualAdds)
//            + e R I    gated: the fused count has h = act(g) * u written and read (2 R I); the
//                       act_mul kernel writes h (its R I out), the gate-up product writes g and u
//                       (2 R I) for it to read, and the down product reads h: 3 R I of products' traffic.
//                       Ungated: the fused R I becomes the up product's R I out and the down
//                       product's R I in
//   experts  - e R d    the residual read, + e R (k I + Is) as for a gated feed-forward: the
//                       routed and shared gate-up outputs the act_mul kernels read
//   head     - w d      the final norm's weight: the norm kernel reads it
// Not changed: the projections' read of their R d input (the GEMM reads the norm's output, a
// transfer of its own, after the norm kernel read x and wrote it) and their q, k, v writes (the
// rope kernel then reads and writes q and k: its own traffic).

/// An element-wise kernel with a curve of its own.
public enum ElementwiseKernel: String, CaseIterable, Sendable, Hashable {
    case norm
    case activation = "act_mul"
    case rope
    case add
}

extension ModelSpec {
    /// The element-wise kernels of one pass over `rows` token rows (`earlyExitRows` for YOCO's
    /// cross-decoder in a prefill; the layers of `stage` only): per kernel, the bytes of one launch
    /// and the launches (rule in the header).
    public func elementwiseKernels(rows: Int128, earlyExitRows: Int128? = nil, stage: PipelineStage? = nil,
                                   dtype: DType) -> [(kernel: ElementwiseKernel, bytes: Int128, launches: Int)] {
        let d = Int128(hiddenSize)
        func e(_ elements: Int128) -> Int128 { dtype.bytes(elements: elements) }
        func norm(_ n: NormLayout, rows r: Int128) -> Int128 { e(2 * r * d + d * (n.hasBias ? 2 : 1)) }
        let exit = earlyExitRows.flatMap { rows in firstCrossRun.map { (run: $0, rows: rows) } }
        var out: [(kernel: ElementwiseKernel, bytes: Int128, launches: Int)] = []
        for (ri, run) in runs.enumerated() {
            let b = run.block, layers = stage?.layersPerRun[ri] ?? run.count
            let r = exit.map { ri >= $0.run ? $0.rows : rows } ?? rows
            out.append((.norm, norm(b.norms, rows: r), b.norms.count * layers))
            if let a = b.mixer.attention, a.rope {
                out.append((.rope, e(2 * r * Int128(a.heads + a.kvHeads) * Int128(a.headDim)), layers))
            }
            switch b.feedForward {
            case .gated(let f, _): out.append((.activation, e(3 * r * Int128(f)), layers))
            case .mlp(let f, _, _): out.append((.activation, e(2 * r * Int128(f)), layers))
            case .experts(let x):
                // the routed experts' activation over their R k rows, and the shared experts' over R
                out.append((.activation, e(3 * r * Int128(x.active) * Int128(x.inner)), layers))
                if let sh = x.shared { out.append((.activation, e(3 * r * Int128(sh.inner)), layers)) }
            case .identity: break
            }
            let adds = b.residualAdds
            out.append((.add, e(3 * r * d), ((adds.afterMixer ? 1 : 0) + (adds.afterFeedForward ? 1 : 0)) * layers))
        }
        if stage?.holdsHead ?? true { out.append((.norm, norm(finalNorm, rows: exit?.rows ?? rows), finalNorm.count)) }
        return out.filter { $0.launches > 0 && $0.bytes > 0 }
    }
}

extension CurveRates {
    /// Seconds of the element-wise kernels of one pass over `rows` rows; 0 when the profile has no
    /// element-wise curve.
    public func elementwiseSeconds(_ model: ModelSpec, rows: Int128, earlyExitRows: Int128? = nil, stage: PipelineStage? = nil,
                                   dtype: DType) -> Double {
        guard !curves.elementwise.isEmpty, rows > 0 else { return 0 }
        return model.elementwiseKernels(rows: rows, earlyExitRows: earlyExitRows, stage: stage, dtype: dtype).reduce(0) { sum, k in
            guard let curve = curves.elementwise[k.kernel] else { return sum }
            let bytes = k.bytes.fastDouble
            return sum + Double(k.launches) * (bytes / (bandwidthBytesPerSecond * curve.value(at: bytes)) + launchSeconds)
        }
    }

    /// Launches of those kernels (0 without a curve), for the suite's launch share.
    public func elementwiseLaunches(_ model: ModelSpec, rows: Int128, earlyExitRows: Int128? = nil, dtype: DType) -> Int {
        guard !curves.elementwise.isEmpty, rows > 0 else { return 0 }
        return model.elementwiseKernels(rows: rows, earlyExitRows: earlyExitRows, dtype: dtype).filter { curves.elementwise[$0.kernel] != nil }.reduce(0) { $0 + $1.launches }
    }
}

extension RooflineRates {
    /// The element-wise kernels of one pass over `rows` rows (CurveRates.elementwiseSeconds); 0 on
    /// a profile without curves.
    public func elementwiseSeconds(_ model: ModelSpec, rows: Int128, earlyExitRows: Int128? = nil, stage: PipelineStage? = nil,
                                   dtype: DType) -> Double {
        curves?.elementwiseSeconds(model, rows: rows, earlyExitRows: earlyExitRows, stage: stage, dtype: dtype) ?? 0
    }
}
