// What a shared-weight block's per-use adapters add to its operators (Model/SharedBlocks.swift has
// the legend). The shared products themselves are priced by the run's own operators (Prefill.swift),
// so every use reads the shared weights again; this adds, for R rows:
//   projections  q, k, v adapters: gemm R x dIn x r and R x r x out each, + R (qW + kW + vW) adds;
//                bytes: their weights, the 3 R r intermediates written and read
//   ffn          gate/up adapter: gemm R x d x r and R x r x 2F, + 2 R F adds; output linear:
//                gemm R x d x d (it follows the feed-forward in Zamba2's hybrid layer; its add into
//                the Mamba layer's input is the product's accumulate, beta = 1, as for the residual);
//                bytes: their weights, the R r intermediates written and read, the linear's R d
//                input read and R d output written

extension ModelSpec {
    /// FLOPs and bytes run `ri`'s adapters add to its `part` operator for `r` rows (zero without adapters).
    func adapterCost(run ri: Int, part: OperatorPart, rows r: Int128, _ dt: DTypePlan) -> (flops: FlopCount, bytes: Int128) {
        let block = runs[ri].block, d = hiddenSize
        guard let ad = block.adapters else { return (.zero, 0) }
        let lowRank: [(String, Int, Int)], linear: [(String, Int, Int)]
        switch part {
        case .projections: (lowRank, linear) = (block.mixer.attention.map { ad.qkvMatrices($0, hidden: d) } ?? [], [])
        case .ffn: (lowRank, linear) = (ad.gateUpMatrices(block.feedForward, hidden: d), ad.outputMatrices(hidden: d))
        default: return (.zero, 0)
        }
        var f = FlopCount.zero
        for m in lowRank + linear { f = f + .gemm(r, Int128(m.1), Int128(m.2)) }
        // Pairs (down to r, up from r): each up-projection's output is added to the shared product.
        let ups = stride(from: 1, to: lowRank.count, by: 2).map { lowRank[$0] }
        f = f + .elementwise(r * ups.reduce(0) { $0 + Int128($1.2) })
        let intermediates = r * Int128(ad.rank) * Int128(ups.count)
        let linearIO = r * Int128(linear.reduce(0) { $0 + $1.1 + $1.2 })
        let bytes = readBytes(lowRank + linear, vectors: 0, layer: runStarts[ri], dt)
            + dt.activations.bytes(elements: 2 * intermediates + linearIO)
        return (f, bytes)
    }
}
