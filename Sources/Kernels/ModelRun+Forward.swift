// The layer loop of a forward call (prefill: n = N rows per sequence from position 0; decode:
// n = 1 row per sequence at position t0). Row-major activations [B, n, d] flattened to [B*n, d].
// Layer order and formulas follow BRIEF §2; the loop walks the model's blocks (ModelSpec.runs) and
// finds each layer's cache by its slot (ModelSpec.caches); every block is pre-RMSNorm with residuals
// around the mixer and the SwiGLU feed-forward; the residual adds are fused into the output projections'
// gemm (beta = 1) and are not counted as separate FLOPs. Each step ends with a lap of the operator
// clock (`t`), which charges its wall time to the cost-model operator it belongs to
// (OperatorTimes.swift has the split).

import CKernels
import CostModel

extension ModelRun {
    func forward(tokens: [Int32], perSequence n: Int, position0 t0: Int, ws: Workspace, allPositions: Bool) -> ForwardOutput {
        let d = spec.hiddenSize, B = batch, M = B * n
        var c = WorkCounters()
        var t = OperatorClock(nanos: timesOperators ? operatorNanos : nil, slots: operatorSlots)
        let E = weights["embedding"]
        let embedScale = Float(d).squareRoot()
        // Through raw pointers so the row loop vectorises: the subscripted buffer kept it scalar,
        // at 1.9-3 ns per element (prefill `embedding` 2-5x over its roofline time, issue 14).
        let x = ws.x.pointer
        for r in 0..<M {
            let row = E + Int(tokens[r]) * d, dst = x + r * d
            for j in 0..<d { dst[j] = row[j] * embedScale }
        }
        c.otherFlops += Int64(M * d)
        t.lap(model: operatorSlots.embeddingRun, .gather)
        var ropes: [Int: RoPETable] = [:]  // by head dim
        func rope(_ dh: Int) -> RoPETable {
            if let t = ropes[dh] { return t }
            let t = RoPETable(firstPosition: t0, count: n, headDim: dh)
            ropes[dh] = t
            return t
        }

        var stream = ws.x.pointer, rows = M, perSeq = n, qRow0 = 0  // qRow0: first table row of the stream
        var sawCross = false
        for (i, block) in spec.layerBlocks.enumerated() {
            switch block.mixer {
            case .attention(let a):
                switch a.kv {
                case .own:
                    let table = rope(a.headDim)
                    t.lap(layer: i, .projections, .rope)
                    selfAttention(layer: i, a, x: stream, n: n, t0: t0, ws: ws, rope: table, c: &c, t: &t)
                case .layer:
                    // Cross-Layer Attention: the writer earlier in this pass filled the full-span slot
                    // up to t0 + n, so every query attends causally to it, as a cross layer does.
                    let table = rope(a.headDim)
                    t.lap(layer: i, .projections, .rope)
                    readSlot(layer: i, a, x: stream, rows: rows, perSequence: perSeq, tableRow0: qRow0, t0: t0,
                             keys: t0 + n, ws: ws, rope: table, c: &c, t: &t)
                case .sharedProjection:
                    if !sawCross, let s = spec.sharedKV {
                        sawCross = true
                        let table = rope(s.headDim)
                        t.lap(model: operatorSlots.kvProjectionRun, .rope)
                        sharedKV(s, x: stream, n: n, t0: t0, ws: ws, rope: table, c: &c, t: &t)
                        if !allPositions && n > 1 {  // early exit: the cross-decoder runs on the last position only
                            gatherLast(from: stream, perSequence: n, into: ws.last.pointer)
                            stream = ws.last.pointer; rows = B; perSeq = 1; qRow0 = n - 1
                            t.lap(model: operatorSlots.kvProjectionRun, .gather)
                        }
                    }
                    let table = rope(a.headDim)
                    t.lap(layer: i, .projections, .rope)
                    readSlot(layer: i, a, x: stream, rows: rows, perSequence: perSeq, tableRow0: qRow0, t0: t0,
                             keys: t0 + n, ws: ws, rope: table, c: &c, t: &t)
                }
            case .gatedRetention(let g):
                let table = rope(g.headDim)
                t.lap(layer: i, .projections, .rope)
                retention(layer: i, heads: g.heads, headDim: g.headDim, chunkTokens: g.chunkTokens, x: stream, n: n, t0: t0,
                          ws: ws, rope: table, c: &c, t: &t)
            case .latentAttention, .fixedState, .identity:
                break  // refused by checkKernelSupport before a run starts
            }
            ffn(layer: i, inner: block.feedForward.inner, x: stream, rows: rows, ws: ws, c: &c, t: &t)
        }

        // Final RMSNorm: every position (allPositions) or the last of each sequence.
        let hidden: [Float]
        let lastNormed = ws.lastNormed.pointer
        if allPositions {
            RMSNorm.forward(stream, ldx: d, weight: weights["final_norm"], ws.xn.pointer, ldy: d, rows: rows, width: d, counters: &c)
            hidden = Array(UnsafeBufferPointer(start: ws.xn.pointer, count: rows * d))
            gatherLast(from: ws.xn.pointer, perSequence: perSeq, into: lastNormed)
        } else {
            if stream != ws.last.pointer { gatherLast(from: stream, perSequence: perSeq, into: ws.last.pointer) }
            RMSNorm.forward(ws.last.pointer, ldx: d, weight: weights["final_norm"], lastNormed, ldy: d, rows: B, width: d, counters: &c)
            hidden = Array(UnsafeBufferPointer(start: lastNormed, count: B * d))
        }
        t.lap(model: operatorSlots.headRun, .norm)
        let V = spec.vocabSize
        if spec.tiedEmbeddings {
            BLAS.gemm(transB: true, m: B, n: V, k: d, a: lastNormed, lda: d, b: E, ldb: d, c: ws.logits.pointer, ldc: V)
            c.matmulFlops += 2 * Int64(B) * Int64(d) * Int64(V)
        } else {
            Linear.forward(lastNormed, weights["output"], ws.logits.pointer, m: B, k: d, n: V, counters: &c)
        }
        t.lap(model: operatorSlots.headRun, .products)
        counters += c
        return ForwardOutput(hidden: hidden, positions: allPositions ? perSeq : 1,
                             logits: Array(UnsafeBufferPointer(start: ws.logits.pointer, count: B * V)))
    }

    func gatherLast(from x: UnsafeMutablePointer<Float>, perSequence n: Int, into out: UnsafeMutablePointer<Float>) {
        let d = spec.hiddenSize
        for b in 0..<batch { (out + b * d).update(from: x + (b * n + n - 1) * d, count: d) }
    }

    /// Copies rows [B, n, width] of `src` (positions t0..<t0+n) into a cache [B, cap, width],
    /// position p at row p mod cap; only the last `cap` positions are kept.
    func writeCache(_ src: UnsafePointer<Float>, width: Int, n: Int, t0: Int, cache: UnsafeMutablePointer<Float>, cap: Int, c: inout WorkCounters) {
        var written = 0
        for b in 0..<batch {
            for j in max(0, n - cap)..<n {
                let p = t0 + j
                (cache + (b * cap + p % cap) * width).update(from: src + (b * n + j) * width, count: width)
                written += width
            }
        }
        c.kvBytesWritten += Int64(written * 4)
    }

    func selfAttention(layer i: Int, _ a: Attention, x: UnsafeMutablePointer<Float>, n: Int, t0: Int, ws: Workspace, rope: RoPETable,
                       c: inout WorkCounters, t: inout OperatorClock) {
        let d = spec.hiddenSize, M = batch * n, H = a.heads, Hkv = a.kvHeads, dh = a.headDim
        let window = a.span.boundTokens
        let qW = H * dh, kvW = Hkv * dh, p = "layers.\(i)."
        let xn = ws.xn.pointer, q = ws.q.pointer, k = ws.k.pointer, v = ws.v.pointer, o = ws.o.pointer
        RMSNorm.forward(x, ldx: d, weight: weights[p + "mixer_norm"], xn, ldy: d, rows: M, width: d, counters: &c)
        t.lap(layer: i, .projections, .norm)
        Linear.forward(xn, weights[p + "wq"], q, m: M, k: d, n: qW, counters: &c)
        Linear.forward(xn, weights[p + "wk"], k, m: M, k: d, n: kvW, counters: &c)
        Linear.forward(xn, weights[p + "wv"], v, m: M, k: d, n: kvW, counters: &c)
        t.lap(layer: i, .projections, .products)
        RoPE.forward(q, ldx: qW, rows: M, heads: H, headDim: dh, positionsPerBatch: n, table: rope, counters: &c)
        RoPE.forward(k, ldx: kvW, rows: M, heads: Hkv, headDim: dh, positionsPerBatch: n, table: rope, counters: &c)
        t.lap(layer: i, .projections, .rope)
        let store = caches[cacheOfLayer[i]!]
        let cap = store.capacity
        writeCache(k, width: kvW, n: n, t0: t0, cache: store.k!.pointer, cap: cap, c: &c)
        writeCache(v, width: kvW, n: n, t0: t0, cache: store.v!.pointer, cap: cap, c: &c)
        t.lap(layer: i, .projections, .cacheWrite)
        let scale = 1 / Float(dh).squareRoot()
        let qT = StridedTensor(base: q, batchStride: n * qW, rowStride: qW)
        let oT = StridedTensor(base: o, batchStride: n * qW, rowStride: qW)
        if n == 1 {  // decode: every position held in the cache (full or ring) is visible
            let keys = min(t0 + 1, cap)
            CausalAttention.forward(
                q: qT, k: StridedTensor(base: store.k!.pointer, batchStride: cap * kvW, rowStride: kvW),
                v: StridedTensor(base: store.v!.pointer, batchStride: cap * kvW, rowStride: kvW), out: oT,
                shape: .allVisible(batch: batch, keys: keys, heads: H, kvHeads: Hkv, headDim: dh), scale: scale,
                tiling: options.attention, scratch: ws.attentionScratch.pointer, countKVReads: true, counters: &c)
            t.lap(layer: i, .core, .cacheRead)
        } else {  // prefill from position 0 over the workspace keys (a ring keeps only the last W)
            CausalAttention.forward(
                q: qT, k: StridedTensor(base: k, batchStride: n * kvW, rowStride: kvW),
                v: StridedTensor(base: v, batchStride: n * kvW, rowStride: kvW), out: oT,
                shape: AttentionShape(batch: batch, queries: n, keys: n, heads: H, kvHeads: Hkv, headDim: dh,
                                      queryPosition0: t0, window: window),
                scale: scale, tiling: options.attention, scratch: ws.attentionScratch.pointer, counters: &c)
            t.lap(layer: i, .core, .core)
        }
        Linear.forward(o, weights[p + "wo"], x, m: M, k: qW, n: d, accumulate: true, counters: &c)
        t.lap(layer: i, .output, .products)
    }

    /// YOCO's global K̂/V̂: K̂ = RoPE(RMSNorm(X) Wk̂), V̂ = RMSNorm(X) Wv̂, appended to the one shared cache.
    func sharedKV(_ s: SharedKVProjection, x: UnsafeMutablePointer<Float>, n: Int, t0: Int, ws: Workspace, rope: RoPETable,
                  c: inout WorkCounters, t: inout OperatorClock) {
        let run = operatorSlots.kvProjectionRun
        let d = spec.hiddenSize, M = batch * n, kvW = s.width
        let xn = ws.xn.pointer, k = ws.k.pointer, v = ws.v.pointer
        RMSNorm.forward(x, ldx: d, weight: weights["kv_norm"], xn, ldy: d, rows: M, width: d, counters: &c)
        t.lap(model: run, .norm)
        Linear.forward(xn, weights["wk_hat"], k, m: M, k: d, n: kvW, counters: &c)
        Linear.forward(xn, weights["wv_hat"], v, m: M, k: d, n: kvW, counters: &c)
        t.lap(model: run, .products)
        RoPE.forward(k, ldx: kvW, rows: M, heads: s.kvHeads, headDim: s.headDim, positionsPerBatch: n, table: rope, counters: &c)
        t.lap(model: run, .rope)
        let store = caches[sharedSlot!]  // the slot whose writer is the shared projection (ModelSpec.caches)
        writeCache(k, width: kvW, n: n, t0: t0, cache: store.k!.pointer, cap: store.capacity, c: &c)
        writeCache(v, width: kvW, n: n, t0: t0, cache: store.v!.pointer, cap: store.capacity, c: &c)
        t.lap(model: run, .cacheWrite)
    }

    /// A layer over a slot another layer or the shared projection wrote (a YOCO cross layer, a CLA
    /// reader): its own Wq and WO, causal GQA over the slot's full-span cache.
    func readSlot(layer i: Int, _ a: Attention, x: UnsafeMutablePointer<Float>, rows: Int, perSequence n: Int, tableRow0: Int, t0: Int,
                  keys: Int, ws: Workspace, rope: RoPETable, c: inout WorkCounters, t: inout OperatorClock) {
        let d = spec.hiddenSize, H = a.heads, dh = a.headDim, qW = a.queryWidth, kvW = a.keyWidth, p = "layers.\(i)."
        let xn = ws.xn.pointer, q = ws.q.pointer, o = ws.o.pointer
        RMSNorm.forward(x, ldx: d, weight: weights[p + "mixer_norm"], xn, ldy: d, rows: rows, width: d, counters: &c)
        t.lap(layer: i, .projections, .norm)
        Linear.forward(xn, weights[p + "wq"], q, m: rows, k: d, n: qW, counters: &c)
        t.lap(layer: i, .projections, .products)
        RoPE.forward(q, ldx: qW, rows: rows, heads: H, headDim: dh, positionsPerBatch: n, table: rope, tableRow0: tableRow0, counters: &c)
        t.lap(layer: i, .projections, .rope)
        let store = caches[cacheOfLayer[i]!]
        let cap = store.capacity
        CausalAttention.forward(
            q: StridedTensor(base: q, batchStride: n * qW, rowStride: qW),
            k: StridedTensor(base: store.k!.pointer, batchStride: cap * kvW, rowStride: kvW),
            v: StridedTensor(base: store.v!.pointer, batchStride: cap * kvW, rowStride: kvW),
            out: StridedTensor(base: o, batchStride: n * qW, rowStride: qW),
            shape: AttentionShape(batch: batch, queries: n, keys: keys, heads: H, kvHeads: a.kvHeads, headDim: dh,
                                  queryPosition0: keys - n, window: nil),
            scale: 1 / Float(dh).squareRoot(), tiling: options.attention, scratch: ws.attentionScratch.pointer,
            countKVReads: n == 1, counters: &c)
        t.lap(layer: i, .core, n == 1 ? .cacheRead : .core)
        Linear.forward(o, weights[p + "wo"], x, m: rows, k: qW, n: d, accumulate: true, counters: &c)
        t.lap(layer: i, .output, .products)
    }

    /// A gated-retention self-decoder layer (BRIEF §2): chunkwise for prefill, recurrent for decode.
    func retention(layer i: Int, heads hR: Int, headDim dR: Int, chunkTokens: Int, x: UnsafeMutablePointer<Float>, n: Int, t0: Int,
                   ws: Workspace, rope: RoPETable, c: inout WorkCounters, t: inout OperatorClock) {
        let d = spec.hiddenSize, M = batch * n, inner = hR * dR, p = "layers.\(i)."
        let xn = ws.xn.pointer, q = ws.q.pointer, k = ws.k.pointer, v = ws.v.pointer, g = ws.g.pointer
        let o = ws.o.pointer, decay = ws.decay.pointer
        RMSNorm.forward(x, ldx: d, weight: weights[p + "mixer_norm"], xn, ldy: d, rows: M, width: d, counters: &c)
        t.lap(layer: i, .projections, .norm)
        Linear.forward(xn, weights[p + "wq"], q, m: M, k: d, n: inner, counters: &c)
        Linear.forward(xn, weights[p + "wk"], k, m: M, k: d, n: inner, counters: &c)
        Linear.forward(xn, weights[p + "wv"], v, m: M, k: d, n: inner, counters: &c)
        Linear.forward(xn, weights[p + "wg"], g, m: M, k: d, n: inner, counters: &c)
        Linear.forward(xn, weights[p + "wgamma"], decay, m: M, k: d, n: hR, counters: &c)
        t.lap(layer: i, .projections, .products)
        for j in 0..<(M * hR) { decay[j] = FastMath.logSigmoid(decay[j]) / GatedRetention.decayTemperature }
        c.otherFlops += 4 * Int64(M * hR)
        t.lap(layer: i, .projections, .elementwise)
        RoPE.forward(q, ldx: inner, rows: M, heads: hR, headDim: dR, positionsPerBatch: n, table: rope, counters: &c)
        RoPE.forward(k, ldx: inner, rows: M, heads: hR, headDim: dR, positionsPerBatch: n, table: rope, counters: &c)
        t.lap(layer: i, .projections, .rope)
        FastMath.scale(k, count: M * inner, by: 1 / Float(dR).squareRoot())
        c.otherFlops += Int64(M * inner)
        t.lap(layer: i, .projections, .elementwise)
        let state = caches[cacheOfLayer[i]!].state!.pointer
        let shape = RetentionShape(batch: batch, tokens: n, heads: hR, headDim: dR)
        if n == 1 && t0 > 0 {
            GatedRetention.recurrent(q: q, k: k, v: v, logDecay: decay, out: o, state: state, shape: shape, counters: &c)
        } else {
            GatedRetention.chunkwise(q: q, k: k, v: v, logDecay: decay, out: o, state: state, shape: shape,
                                     chunk: options.retentionChunkTokens ?? chunkTokens, initialStateIsZero: t0 == 0,
                                     scratch: ws.chunkScratch.pointer, counters: &c)
        }
        t.lap(layer: i, .core, .core)
        // per-head RMSNorm (no weight), then the swish output gate
        RMSNorm.forward(o, ldx: dR, weight: nil, o, ldy: dR, rows: M * hR, width: dR, counters: &c)
        t.lap(layer: i, .core, .norm)
        yc_swish_product(g, o, o, M * inner)  // o = swish(g) * o
        c.otherFlops += SwiGLU.otherFlopsPerElement * Int64(M * inner)  // the same swish product
        t.lap(layer: i, .core, .elementwise)
        Linear.forward(o, weights[p + "wo"], x, m: M, k: inner, n: d, accumulate: true, counters: &c)
        t.lap(layer: i, .output, .products)
    }

    func ffn(layer i: Int, inner: Int, x: UnsafeMutablePointer<Float>, rows: Int, ws: Workspace, c: inout WorkCounters,
             t: inout OperatorClock) {
        let d = spec.hiddenSize, p = "layers.\(i)."
        RMSNorm.forward(x, ldx: d, weight: weights[p + "ffn_norm"], ws.xn.pointer, ldy: d, rows: rows, width: d, counters: &c)
        t.lap(layer: i, .ffn, .norm)
        defer { t.lap(layer: i, .ffn, .products) }
        if let e = spec.layerBlocks[i].feedForward.experts {
            let experts = (0..<e.count).map { j in
                MixtureOfExperts.ExpertWeights(gate: weights[p + "expert.\(j).gate"], up: weights[p + "expert.\(j).up"],
                                               down: weights[p + "expert.\(j).down"])
            }
            let s = MixtureOfExperts.Scratch(logits: ws.routerLogits.pointer, gathered: ws.expertIn.pointer, gate: ws.gate.pointer,
                                             up: ws.up.pointer, out: ws.expertOut.pointer)
            MixtureOfExperts.forward(ws.xn.pointer, router: weights[p + "router"], experts: experts, active: e.active, scratch: s, x,
                                     rows: rows, width: d, inner: inner, counters: &c)
            return
        }
        SwiGLU.forward(ws.xn.pointer, wGate: weights[p + "ffn_gate"], wUp: weights[p + "ffn_up"], wDown: weights[p + "ffn_down"],
                       gate: ws.gate.pointer, up: ws.up.pointer, x, rows: rows, width: d, inner: inner,
                       accumulate: true, counters: &c)
    }
}
