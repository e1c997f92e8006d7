// Causal (optionally windowed) attention with GQA, tiled over keys with an online softmax: no
// [T, T] score matrix is ever formed, only one [rows, keyTile] tile per worker.
//
// Shapes (row-major; strides let the same kernel read workspaces and caches):
//   q   [B, Tq, H, dh]    element (b, t, h, i) at q.base + b*q.batchStride + t*q.rowStride + h*dh + i
//   k,v [B, Tk, Hkv, dh]  keys are at positions 0..<Tk (or an unordered ring, see `allVisible`)
//   out [B, Tq, H, dh]
// Query row t sits at absolute position p = queryPosition0 + t and sees key j iff
//   j <= p  and  (window == nil or j > p - W).
// Query head h reads KV head h / (H / Hkv).
//
// Tiling and the executed-pair formula (what the counters report; the cost model can reproduce it):
//   Per (b, h), query rows are taken in tiles of Bq rows (the last tile may be short). For a tile
//   with first position p0 and last position p1 the kernel computes every key in
//     lo = (W == nil ? 0 : max(0, p0 - W + 1)) ..< hi = min(Tk, p1 + 1)
//   in key tiles of Bk, so it executes rows * (hi - lo) pairs. For a prefill from position 0
//   (Tq = Tk = N, no window), with n = ceil(N / Bq) tiles:
//     pairs = Bq^2 * n(n-1)/2 + (N - (n-1)*Bq) * N        per (b, h)
//   against N(N+1)/2 useful pairs. Matmul FLOPs = 4 * dh * pairs (QKᵀ and PV, 2 each).
//   Other FLOPs = 5 per executed pair (scale, max, subtract, exp, sum) + dh per row per key tile
//   (rescaling the accumulator) + dh per row (final division).
//   Each tile runs as sgemm (S = scale Q Kᵀ), yc_softmax_tile, sgemm (acc += P V); on the AVX2 path
//   (dh a multiple of 8, scratch permitting: dh <= 136 at the default 256 x 512, Q and the
//   accumulators kept in place above dh 80) the same tile runs without BLAS in CKernels'
//   yc_attention_prefill, which keeps the scores of 48 rows at a time in L1/L2: the same keys,
//   pairs and rescales, so the same counters.
// Decode (Tq = 1): all H query heads of a sequence are the rows of one streaming pass (CKernels'
//   yc_attention_decode; row h reads KV head h / (H/Hkv)), so each cache row [Hkv, dh] is read
//   once per sequence and step, contiguously: pairs = H * (hi - lo) per sequence, the same as
//   (H/Hkv) * (hi - lo) per (b, kv head).

import CostModel
import CKernels
import Dispatch

/// A strided view of a [B, T, heads, dh] tensor.
public struct StridedTensor: @unchecked Sendable {
    public var base: UnsafeMutablePointer<Float>
    public var batchStride: Int
    public var rowStride: Int
    public init(base: UnsafeMutablePointer<Float>, batchStride: Int, rowStride: Int) {
        self.base = base
        self.batchStride = batchStride
        self.rowStride = rowStride
    }
}

public struct AttentionShape: Sendable, Hashable {
    public var batch: Int
    public var queries: Int
    public var keys: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    /// Absolute position of query row 0 (keys sit at 0..<keys).
    public var queryPosition0: Int
    public var window: Int?

    public init(batch: Int, queries: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int, queryPosition0: Int, window: Int?) {
        self.batch = batch
        self.queries = queries
        self.keys = keys
        self.heads = heads
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.queryPosition0 = queryPosition0
        self.window = window
    }

    /// A ring cache (or any key set the query may wholly see): one query that sees every key.
    public static func allVisible(batch: Int, keys: Int, heads: Int, kvHeads: Int, headDim: Int) -> AttentionShape {
        AttentionShape(batch: batch, queries: 1, keys: keys, heads: heads, kvHeads: kvHeads, headDim: headDim,
                       queryPosition0: keys - 1, window: nil)
    }
}

public struct AttentionKernelTiling: Sendable, Hashable {
    public var queryTile: Int
    public var keyTile: Int
    /// Workers over the prefill's (batch, head, query tile) items or the decode's sequences; BLAS
    /// runs single-threaded inside them when > 1.
    public var workers: Int
    public init(queryTile: Int = 256, keyTile: Int = 512, workers: Int = 1) {
        self.queryTile = queryTile
        self.keyTile = keyTile
        self.workers = workers
    }
    /// Measured on the 2-core hosts (docs/KERNELS.md): one worker per core over (batch, head) work
    /// with single-threaded BLAS inside beats one worker with multi-threaded BLAS by 1.5-2.2x,
    /// because the tile products are too small for OpenBLAS's threading to pay off. One worker per
    /// core this process may use (UsableCores: its affinity mask).
    public static let `default` = AttentionKernelTiling(queryTile: 256, keyTile: 512, workers: UsableCores.count)

    /// Scratch floats per worker: score tile, running max and sum, accumulator.
    public func scratchFloats(heads: Int, headDim: Int) -> Int {
        let rows = max(queryTile, heads)
        return rows * keyTile + 2 * rows + rows * headDim
    }
}

public enum CausalAttention {
    public static let otherFlopsPerPair: Int64 = 5
    /// Keys per block of the decode pass (scores for all group rows of a block stay in L1/L2).
    public static let decodeKeyBlock = 1024

    /// Keys per block of a single-query pass (decode, YOCO's last-position cross layers): the
    /// cost model's `AttentionTiling.singleQueryKeyTile` for this tiling and head count.
    public static func singleQueryKeyBlock(tiling: AttentionKernelTiling, heads: Int) -> Int {
        Swift.max(1, Swift.min(decodeKeyBlock, tiling.keyTile * (Swift.max(tiling.queryTile, heads) / Swift.max(1, heads))))
    }

    /// Visible keys from which a single sequence's decode is split over the workers (when there are
    /// 2 or more): each gets at least 2 key tiles.
    public static func decodeSplitMinimumKeys(tiling: AttentionKernelTiling) -> Int {
        2 * tiling.keyTile * tiling.workers
    }

    /// The cost model's view of the B = 1 split for this tiling, `heads` query heads of `headDim`
    /// (nil on one worker): where it starts and the scratch the chunk list is cut to fit.
    public static func singleQuerySplit(tiling: AttentionKernelTiling, heads: Int, headDim: Int) -> SingleQuerySplit? {
        guard tiling.workers > 1 else { return nil }
        return SingleQuerySplit(workers: tiling.workers, minimumKeys: decodeSplitMinimumKeys(tiling: tiling),
                                scratchFloatsPerWorker: tiling.scratchFloats(heads: heads, headDim: headDim))
    }

    /// Fast tiled kernel. `scratch` holds `tiling.workers * tiling.scratchFloats(...)` floats.
    /// `countKVReads`: add the K/V bytes this call loads to `kvBytesRead` (set when k, v are a cache).
    public static func forward(
        q: StridedTensor, k: StridedTensor, v: StridedTensor, out: StridedTensor, shape s: AttentionShape,
        scale: Float, tiling: AttentionKernelTiling, scratch: UnsafeMutablePointer<Float>, countKVReads: Bool = false,
        counters: inout WorkCounters
    ) {
        let group = s.heads / s.kvHeads
        let decode = s.queries == 1  // decode: stack all H heads of a sequence as the rows of one pass
        if decode && s.batch == 1 && tiling.workers > 1 {
            // one sequence: split its keys over the workers when each gets at least 2 key tiles
            let visible = min(s.keys, s.queryPosition0 + 1) - (s.window.map { max(0, s.queryPosition0 - $0 + 1) } ?? 0)
            if visible >= decodeSplitMinimumKeys(tiling: tiling) {
                decodeSplit(q: q, k: k, v: v, out: out, shape: s, scale: scale, tiling: tiling, scratch: scratch,
                            countKV: countKVReads, counters: &counters)
                return
            }
        }
        let units = decode ? s.batch : s.batch * s.heads
        // Prefill work items: (b, h, query tile), handed out largest first (the last query tiles see
        // the most keys) from a shared counter, so the workers finish together whatever their share
        // of the cores; each tile is computed by one call whichever worker takes it, so the output
        // does not depend on the schedule. Decode: one item per sequence, round robin.
        let queryTiles = decode ? 1 : (s.queries + tiling.queryTile - 1) / tiling.queryTile
        let items = units * queryTiles
        let workers = max(1, min(tiling.workers, items))
        let perWorker = tiling.scratchFloats(heads: s.heads, headDim: s.headDim)
        var results = [WorkCounters](repeating: WorkCounters(), count: workers)
        let scratchP = SendablePointer(scratch)
        let queue = WorkQueue()

        @Sendable func prefillTile(_ item: Int, _ ws: UnsafeMutablePointer<Float>, _ c: inout WorkCounters) {
            let t = queryTiles - 1 - item / units, u = item % units
            let b = u / s.heads, hh = u % s.heads, kvh = hh / group
            let kb = k.base + b * k.batchStride + kvh * s.headDim
            let vb = v.base + b * v.batchStride + kvh * s.headDim
            let r0 = t * tiling.queryTile
            let rows = min(tiling.queryTile, s.queries - r0)
            let qb = q.base + b * q.batchStride + r0 * q.rowStride + hh * s.headDim
            let ob = out.base + b * out.batchStride + r0 * out.rowStride + hh * s.headDim
            block(q: qb, ldq: q.rowStride, rows: rows, group: rows, pos0: s.queryPosition0 + r0, posStep: 1,
                  k: kb, ldk: k.rowStride, v: vb, ldv: v.rowStride, keys: s.keys, window: s.window,
                  out: ob, ldo: out.rowStride, dh: s.headDim, scale: scale, keyTile: tiling.keyTile,
                  scratch: ws, maxRows: max(tiling.queryTile, s.heads), countKV: countKVReads, counters: &c)
        }

        @Sendable func work(_ w: Int, _ c: inout WorkCounters) {
            let ws = scratchP.p + w * perWorker
            if !decode {
                while true {
                    let item = queue.take()
                    if item >= items { return }
                    prefillTile(item, ws, &c)
                }
            }
            var b = w
            while b < units {
                block(q: q.base + b * q.batchStride, ldq: s.headDim, rows: s.heads, group: group,
                      pos0: s.queryPosition0, posStep: 0,
                      k: k.base + b * k.batchStride, ldk: k.rowStride, v: v.base + b * v.batchStride, ldv: v.rowStride,
                      keys: s.keys, window: s.window, out: out.base + b * out.batchStride, ldo: s.headDim, dh: s.headDim,
                      scale: scale, keyTile: tiling.keyTile,
                      scratch: ws, maxRows: max(tiling.queryTile, s.heads), countKV: countKVReads, counters: &c)
                b += workers
            }
        }

        if workers == 1 {
            work(0, &results[0])
        } else {
            let box = ResultBox(results)
            BLAS.singleThreaded {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var c = WorkCounters()
                    work(w, &c)
                    box.set(w, c)
                }
            }
            results = box.values
        }
        for r in results { counters += r }
    }

    /// One tile of query rows against all the keys they may see. Prefill: rows of one head
    /// (`group` = rows, one KV head). Decode (`posStep` 0): the H heads of one sequence, row r
    /// reading KV head r / group at offset (r / group) * dh of each cache row.
    @inline(__always)
    static func block(
        q: UnsafeMutablePointer<Float>, ldq: Int, rows: Int, group: Int, pos0: Int, posStep: Int,
        k: UnsafeMutablePointer<Float>, ldk: Int, v: UnsafeMutablePointer<Float>, ldv: Int, keys: Int, window: Int?,
        out: UnsafeMutablePointer<Float>, ldo: Int, dh: Int, scale: Float, keyTile: Int,
        scratch: UnsafeMutablePointer<Float>, maxRows: Int, countKV: Bool, counters c: inout WorkCounters
    ) {
        let sTile = scratch
        let mRow = scratch + maxRows * keyTile
        let lRow = mRow + maxRows
        let acc = lRow + maxRows
        let p1 = pos0 + posStep * (rows - 1)
        let lo = window.map { max(0, pos0 - $0 + 1) } ?? 0
        let hi = min(keys, p1 + 1)
        var tiles: Int64 = 0
        if posStep == 0 && hi > lo {
            // Decode (every row at one position): one streaming pass over K and V in C, reading each
            // key and value row once for all the group's rows, in blocks that fit the same scratch.
            let block = Swift.max(1, Swift.min(decodeKeyBlock, hi - lo, keyTile * (maxRows / Swift.max(1, rows))))
            yc_attention_decode(q, ldq, rows, group, k, ldk, v, ldv, lo, hi, dh, scale, out, ldo, block, scratch)
            tiles = Int64((hi - lo + block - 1) / block)
        } else if posStep == 1, fusedPrefill(rows: rows, keyTile: keyTile, maxRows: maxRows, dh: dh) {
            // AVX2: the same tiles without BLAS, scores kept in L1/L2 (CKernels' yc_attention_prefill)
            tiles = Int64(yc_attention_prefill(q, ldq, rows, pos0, k, ldk, v, ldv, lo, hi, window ?? 0, dh, scale, keyTile,
                                               out, ldo, scratch, workerScratchFloats(maxRows: maxRows, keyTile: keyTile, dh: dh)))
        } else {
            for r in 0..<rows { mRow[r] = -.infinity; lRow[r] = 0 }
            acc.update(repeating: 0, count: rows * dh)
            var j0 = lo
            while j0 < hi {
                let cols = min(keyTile, hi - j0)
                BLAS.gemm(transB: true, m: rows, n: cols, k: dh, alpha: scale, a: q, lda: ldq, b: k + j0 * ldk, ldb: ldk,
                          c: sTile, ldc: cols)
                // mask (keys after p; with a window, keys at or before p - W), max, exp, sum and the
                // accumulator rescale in one SIMD pass per row (CKernels: AVX-512, AVX2 or portable)
                yc_softmax_tile(sTile, rows, cols, pos0, posStep, j0, window ?? 0, mRow, lRow, acc, dh, dh)
                BLAS.gemm(m: rows, n: dh, k: cols, a: sTile, lda: cols, b: v + j0 * ldv, ldb: ldv, beta: 1, c: acc, ldc: dh)
                j0 += cols
                tiles += 1
            }
            for r in 0..<rows {
                let inv = lRow[r] > 0 ? 1 / lRow[r] : 0
                for i in 0..<dh { out[r * ldo + i] = acc[r * dh + i] * inv }
            }
        }
        count(rows: rows, group: group, pos0: pos0, posStep: posStep, lo: lo, hi: hi, keys: keys, window: window, dh: dh,
              tiles: tiles, countKV: countKV, counters: &c)
    }

    /// Whether a prefill tile of `rows` query rows runs CKernels' BLAS-free kernel on this thread's
    /// SIMD path (AVX2, dh a multiple of 8) within the worker's scratch (`maxRows` rows' worth).
    static func fusedPrefill(rows: Int, keyTile: Int, maxRows: Int, dh: Int) -> Bool {
        let needed = yc_attention_prefill_scratch(rows, keyTile, dh)
        return needed > 0 && needed <= workerScratchFloats(maxRows: maxRows, keyTile: keyTile, dh: dh)
    }

    /// One worker's scratch floats (`AttentionKernelTiling.scratchFloats` for `maxRows` rows).
    static func workerScratchFloats(maxRows: Int, keyTile: Int, dh: Int) -> Int {
        AttentionKernelTiling(queryTile: maxRows, keyTile: keyTile, workers: 1).scratchFloats(heads: 0, headDim: dh)
    }

    /// The counters of one block (also of a split decode pass, whose parts together cover lo..<hi).
    @inline(__always)
    static func count(rows: Int, group: Int, pos0: Int, posStep: Int, lo: Int, hi: Int, keys: Int, window: Int?, dh: Int,
                      tiles: Int64, countKV: Bool, counters c: inout WorkCounters) {
        let pairs = Int64(rows) * Int64(max(0, hi - lo))
        c.attentionPairsExecuted += pairs
        for r in 0..<rows { c.attentionPairsUseful += Int64(usefulKeys(position: pos0 + posStep * r, keys: keys, window: window)) }
        c.matmulFlops += 4 * Int64(dh) * pairs
        c.otherFlops += otherFlopsPerPair * pairs + Int64(rows) * Int64(dh) * (tiles + 1)
        if countKV { c.kvBytesRead += 2 * Int64(max(0, hi - lo)) * Int64(dh) * 4 * Int64(rows / group) }
    }

    /// Decode of one sequence (B = 1) on `tiling.workers` workers: its visible keys lo..<hi are cut
    /// into contiguous chunks (`DecodeChunks`: a list that depends on the range, the block and the
    /// scratch, not on timing), handed out in order from a shared counter to whichever worker is
    /// free, each a partial pass (m, l, unnormalised acc) copied into its own slot of the scratch,
    /// and merged in chunk order on this thread. A worker that starts late (a sleeping thread woken
    /// by the call, a core shared with something else) then takes fewer chunks instead of holding
    /// half the keys while the other idles. Same pairs, matmul FLOPs and bytes as one pass (other
    /// FLOPs count one rescale per chunk's block, so the fine tail's quarter blocks add a few); the
    /// output depends on the chunk list in the last bits (the softmax sums are grouped per chunk)
    /// but not on the schedule or on which worker took which chunk.
    static func decodeSplit(
        q: StridedTensor, k: StridedTensor, v: StridedTensor, out: StridedTensor, shape s: AttentionShape, scale: Float,
        tiling: AttentionKernelTiling, scratch: UnsafeMutablePointer<Float>, countKV: Bool,
        counters c: inout WorkCounters
    ) {
        let rows = s.heads, group = s.heads / s.kvHeads, dh = s.headDim
        let pos0 = s.queryPosition0
        let lo = s.window.map { max(0, pos0 - $0 + 1) } ?? 0
        let hi = min(s.keys, pos0 + 1)
        let maxRows = max(tiling.queryTile, s.heads)
        let perWorker = tiling.scratchFloats(heads: s.heads, headDim: dh)
        let block = Swift.max(1, Swift.min(decodeKeyBlock, tiling.keyTile * (maxRows / rows)))
        let plan = DecodeChunks(lo: lo, hi: hi, block: block, rows: rows, dh: dh, workers: tiling.workers,
                                scratchPerWorker: perWorker)
        let P = (q: SendablePointer(q.base), k: SendablePointer(k.base), v: SendablePointer(v.base), ws: SendablePointer(scratch))
        let ldk = k.rowStride, ldv = v.rowStride
        let queue = WorkQueue()
        DispatchQueue.concurrentPerform(iterations: tiling.workers) { w in  // no BLAS inside
            let ws = P.ws.p + w * perWorker
            while true {
                let i = plan.perWorker ? w : queue.take()
                if i >= plan.count { return }
                let (a, b) = plan.range(i)
                yc_attention_decode(P.q.p, dh, rows, group, P.k.p, ldk, P.v.p, ldv, a, b, dh, scale, nil, 0, block, ws)
                if plan.perWorker { return }  // the partial stays where the pass left it: slot w
                // the partial (m, l, acc) sits right after the block's scores
                plan.slot(i, in: P.ws.p).update(from: ws + rows * block, count: plan.slotFloats)
            }
        }
        var slots: [UnsafePointer<Float>?] = (0..<plan.count).map { UnsafePointer(plan.slot($0, in: scratch)) }
        slots.withUnsafeMutableBufferPointer { yc_attention_decode_merge($0.baseAddress!, plan.count, rows, dh, out.base, dh) }
        let tiles = Int64(plan.blockVisits)
        count(rows: rows, group: group, pos0: pos0, posStep: 0, lo: lo, hi: hi, keys: s.keys, window: s.window, dh: dh,
              tiles: tiles, countKV: countKV, counters: &c)
    }

    /// Keys a query at `position` sees.
    static func usefulKeys(position p: Int, keys: Int, window: Int?) -> Int {
        let hi = min(keys - 1, p)
        let lo = window.map { max(0, p - $0 + 1) } ?? 0
        return max(0, hi - lo + 1)
    }

    /// Executed pairs per (b, h) for a prefill from position `queryPosition0` (the closed form the
    /// cost model uses; a test checks the kernel's counters against it).
    public static func executedPairs(shape s: AttentionShape, queryTile: Int) -> Int64 {
        if s.queries == 1 {
            let lo = s.window.map { max(0, s.queryPosition0 - $0 + 1) } ?? 0
            return Int64(max(0, min(s.keys, s.queryPosition0 + 1) - lo))
        }
        var total: Int64 = 0
        var r0 = 0
        while r0 < s.queries {
            let rows = min(queryTile, s.queries - r0)
            let p0 = s.queryPosition0 + r0, p1 = p0 + rows - 1
            let lo = s.window.map { max(0, p0 - $0 + 1) } ?? 0
            total += Int64(rows) * Int64(max(0, min(s.keys, p1 + 1) - lo))
            r0 += rows
        }
        return total
    }

    /// Naive reference: a full score row per query, softmax in Double. Same signature.
    public static func reference(
        q: StridedTensor, k: StridedTensor, v: StridedTensor, out: StridedTensor, shape s: AttentionShape,
        scale: Float, tiling: AttentionKernelTiling, scratch: UnsafeMutablePointer<Float>, countKVReads: Bool = false,
        counters: inout WorkCounters
    ) {
        let group = s.heads / s.kvHeads
        var scores = [Double](repeating: 0, count: s.keys)
        for b in 0..<s.batch {
            for t in 0..<s.queries {
                let p = s.queryPosition0 + t
                for h in 0..<s.heads {
                    let kvh = h / group
                    let qr = q.base + b * q.batchStride + t * q.rowStride + h * s.headDim
                    var m = -Double.infinity
                    for j in 0..<s.keys {
                        let visible = j <= p && (s.window.map { j > p - $0 } ?? true)
                        guard visible else { scores[j] = -.infinity; continue }
                        let kr = k.base + b * k.batchStride + j * k.rowStride + kvh * s.headDim
                        var dot = 0.0
                        for i in 0..<s.headDim { dot += Double(qr[i]) * Double(kr[i]) }
                        scores[j] = dot * Double(scale)
                        m = max(m, scores[j])
                    }
                    var sum = 0.0
                    for j in 0..<s.keys { scores[j] = scores[j] == -.infinity ? 0 : exp(scores[j] - m); sum += scores[j] }
                    let o = out.base + b * out.batchStride + t * out.rowStride + h * s.headDim
                    for i in 0..<s.headDim {
                        var acc = 0.0
                        for j in 0..<s.keys where scores[j] != 0 {
                            acc += scores[j] * Double(v.base[b * v.batchStride + j * v.rowStride + kvh * s.headDim + i])
                        }
                        o[i] = Float(acc / sum)
                    }
                    let useful = Int64(usefulKeys(position: p, keys: s.keys, window: s.window))
                    counters.attentionPairsUseful += useful
                    counters.attentionPairsExecuted += useful
                    counters.matmulFlops += 4 * Int64(s.headDim) * useful
                }
            }
        }
    }
}

/// Work items handed out in order to the workers of a parallel loop (each taken once).
final class WorkQueue: Sendable {
    private let next = Atomic<Int>(0)
    /// The next item's index (0, 1, 2, ...; past the last one when the work is done).
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}

/// Per-worker results gathered after a parallel loop.
final class ResultBox: @unchecked Sendable {
    private var items: [WorkCounters]
    private let lock = NSLock()
    init(_ items: [WorkCounters]) { self.items = items }
    func set(_ i: Int, _ c: WorkCounters) { lock.lock(); items[i] = c; lock.unlock() }
    var values: [WorkCounters] { lock.lock(); defer { lock.unlock() }; return items }
}

import Foundation
import Synchronization
