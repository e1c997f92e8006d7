// Query-key pair counts of causal attention: the useful pairs and the pairs a tiled kernel executes.
//
// Legend: N tokens (queries at positions 0..N-1, keys at 0..N-1), W window (query i sees keys j with
// i-W < j <= i; no window: W = infinity), Br query-tile rows, Bc key-tile columns, C gRet chunk.
//
// Useful pairs (what the mask lets through):
//   causal   sum_{i<N} (i+1)          = N(N+1)/2
//   window   sum_{i<N} min(i+1, W)    = N(N+1)/2 when N <= W, else W(W+1)/2 + (N-W)W
//
// Executed pairs (the tiled kernel's rule; the kernels must count the same way):
//   Queries are cut into tiles of Br rows starting at position 0 (r = 0..ceil(N/Br)-1; the last
//   tile may be short), keys into tiles of Bc columns starting at 0 (the last may be short).
//   Query tile r covers rows [i0, i1) = [r*Br, min(N, (r+1)*Br)). The keys any of its rows needs
//   form the range [lo, hi) = [max(0, i0-W+1), i1). Every key tile that meets [lo, hi) is executed
//   *whole* for every row of the query tile (masked entries included); tiles outside it are skipped.
//     keyStart_r = Bc * floor(lo/Bc),  keyEnd_r = min(N, Bc * ceil(hi/Bc)),  keys_r = keyEnd_r - keyStart_r
//     executed pairs  = sum_r rows_r * keys_r
//     key reads       = sum_r keys_r        (key (and value) positions loaded from memory)
//     row tile visits = sum_r rows_r * (ceil(hi/Bc) - floor(lo/Bc))   (online-softmax rescales:
//                       each row rescales its accumulator once per key tile)
//   The CPU kernels (Sources/Kernels/CausalAttention.swift) start their key tiles at lo and clip
//   them at hi, so they execute no wasted key: their pair count is this rule with Bc = 1.
//   The sums are evaluated in closed form with floor sums, O(log N), so contexts to 16M cost
//   nothing; `executedPairsReference` is the plain loop the tests compare against.
//
// Gated-retention chunkwise form (chunk C): chunks of C tokens from position 0, the last one short;
//   sum of squared chunk sizes = (m-1) C^2 + c_last^2 with m = ceil(N/C), c_last = N - (m-1) C.
//   Each chunk's C x C block is computed whole (QKᵀ ⊙ D, then · V), as the reference code does.

/// Tile sizes of a tiled (flash) attention kernel.
public struct AttentionTiling: Sendable, Hashable {
    /// Br: query rows per tile.
    public var queryTile: Int
    /// Bc: key columns per tile.
    public var keyTile: Int
    /// The kernel clips each query tile's key range to the keys it can see (the CPU kernel does):
    /// it executes the pairs of key tile 1 but still walks that range in tiles of `keyTile`, so
    /// its online-softmax rescales follow `keyTile`.
    public var clipsKeys: Bool
    /// Keys per block when a single query row per head attends (YOCO's last-position cross layers
    /// in prefill); nil = `keyTile`. The CPU kernel stacks the heads and walks larger blocks there.
    public var singleQueryKeyTile: Int?
    /// How one sequence's single query row (B = 1) is split over workers; nil = one pass. The CPU
    /// kernel cuts the keys into `DecodeChunks`, each walked in blocks of `singleQueryKeyTile`.
    public var singleQuerySplit: SingleQuerySplit?

    public init(queryTile: Int, keyTile: Int, clipsKeys: Bool = false, singleQueryKeyTile: Int? = nil,
                singleQuerySplit: SingleQuerySplit? = nil) {
        self.queryTile = queryTile
        self.keyTile = keyTile
        self.clipsKeys = clipsKeys
        self.singleQueryKeyTile = singleQueryKeyTile
        self.singleQuerySplit = singleQuerySplit
    }

    /// Key blocks one query row of a head walks over `keys` visible keys (one online-softmax rescale
    /// each), for `batch` sequences of `heads` heads of `headDim`: ceil(keys / block) in one pass,
    /// the chunk list's blocks where the split applies (B = 1, keys >= its minimum).
    public func singleQueryBlockVisits(keys: Int128, batch: Int128, heads: Int, headDim: Int) -> Int128 {
        let block = Int128(max(1, singleQueryKeyTile ?? keyTile))
        guard let split = singleQuerySplit, batch == 1, keys >= Int128(split.minimumKeys), keys <= Int128(Int.max) else {
            return (keys + block - 1) / block
        }
        return Int128(DecodeChunks(lo: 0, hi: Int(keys), block: Int(block), rows: heads, dh: headDim, workers: split.workers,
                                   scratchPerWorker: split.scratchFloatsPerWorker).blockVisits)
    }

    /// 128 x 128: FlashAttention-2's forward tile for head dim 128 on Hopper/Ampere-class GPUs.
    public static let flash128 = AttentionTiling(queryTile: 128, keyTile: 128)
    /// Tile size 1: executes exactly the useful pairs.
    public static let exact = AttentionTiling(queryTile: 1, keyTile: 1)
}

/// A single sequence's single-query pass split over workers (the CPU kernel's B = 1 decode split).
public struct SingleQuerySplit: Sendable, Hashable {
    public var workers: Int
    /// Visible keys from which the split applies.
    public var minimumKeys: Int
    /// Scratch floats per worker: its own pass, then the chunks' partial slots (`DecodeChunks`).
    public var scratchFloatsPerWorker: Int

    public init(workers: Int, minimumKeys: Int, scratchFloatsPerWorker: Int) {
        self.workers = workers
        self.minimumKeys = minimumKeys
        self.scratchFloatsPerWorker = scratchFloatsPerWorker
    }
}

/// What a tiled kernel executes for one sequence and one head.
public struct ExecutedPairs: Sendable, Hashable {
    /// Query-key pairs computed (masked entries of executed tiles included).
    public var pairs: Int128
    /// Key positions loaded (each query tile loads its key tiles once).
    public var keyReads: Int128
    /// Sum over query rows of the key tiles each row visits.
    public var rowTileVisits: Int128

    public init(pairs: Int128, keyReads: Int128, rowTileVisits: Int128) {
        self.pairs = pairs
        self.keyReads = keyReads
        self.rowTileVisits = rowTileVisits
    }
}

public enum AttentionPairs {
    /// Useful causal pairs: N(N+1)/2.
    public static func causal(tokens n: Int128) -> Int128 {
        n <= 0 ? 0 : n * (n + 1) / 2
    }

    /// Useful pairs with a window of `window` positions (nil: unrestricted causal).
    public static func useful(tokens n: Int128, window: Int?) -> Int128 {
        guard n > 0 else { return 0 }
        guard let window else { return causal(tokens: n) }
        let w = Int128(window)
        if n <= w { return causal(tokens: n) }
        return causal(tokens: w) + (n - w) * w
    }

    /// Pairs and key reads of a tiled causal kernel (the rule in the file header), closed form.
    /// Rows times key tiles when each query tile walks exactly its visible keys [lo, hi) in tiles of
    /// Bc: lo = max(0, p0 - W + 1) (0 without a window), hi = p1 + 1 for rows p0...p1. Without a
    /// window the range starts at 0 and the count equals the aligned tiling's; with one, the query
    /// tiles are summed (N / Br terms).
    static func clippedRowTileVisits(tokens n: Int128, window: Int?, tiling: AttentionTiling) -> Int128 {
        let br = Int128(max(1, tiling.queryTile)), bc = Int128(max(1, tiling.keyTile))
        guard let window else {
            return executed(tokens: n, window: nil, tiling: AttentionTiling(queryTile: tiling.queryTile, keyTile: tiling.keyTile)).rowTileVisits
        }
        let w = Int128(window)
        var visits: Int128 = 0
        var p0: Int128 = 0
        while p0 < n {
            let rows = min(br, n - p0)
            let lo = max(0, p0 - w + 1), hi = p0 + rows
            visits += rows * ((hi - lo + bc - 1) / bc)
            p0 += rows
        }
        return visits
    }

    public static func executed(tokens n: Int128, window: Int?, tiling: AttentionTiling) -> ExecutedPairs {
        guard n > 0 else { return ExecutedPairs(pairs: 0, keyReads: 0, rowTileVisits: 0) }
        if tiling.clipsKeys {
            // Pairs and key reads of key tile 1; rescales of the real key tile (see `clipsKeys`).
            let clipped = executed(tokens: n, window: window, tiling: AttentionTiling(queryTile: tiling.queryTile, keyTile: 1))
            // (`singleQueryKeyTile` applies to single-query passes only, handled by the caller.)
            return ExecutedPairs(pairs: clipped.pairs, keyReads: clipped.keyReads,
                                 rowTileVisits: clippedRowTileVisits(tokens: n, window: window, tiling: tiling))
        }
        let br = Int128(max(1, tiling.queryTile)), bc = Int128(max(1, tiling.keyTile))
        let m = (n + br - 1) / br  // query tiles
        let kT = (n + bc - 1) / bc  // key tiles
        // Full query tiles r = 0..m-2 (Br rows each).
        var endSum: Int128 = 0, startSum: Int128 = 0, tileSum: Int128 = 0
        if m >= 2 {
            // sum ceil((r+1)Br/Bc) = sum_{i<m-1} floor((Br*i + Br + Bc - 1)/Bc)
            let endTiles = floorSum(n: m - 1, m: bc, a: br, b: br + bc - 1)
            endSum = bc * endTiles
            tileSum = endTiles
            // tiles whose key end reaches the last key tile are clipped at N
            let rs = (kT - 1) * bc / br
            let clipped = max(0, m - 1 - rs)
            endSum -= clipped * (kT * bc - n)
            if let window {
                let w = Int128(window)
                let r0 = (w + br - 1) / br  // first tile with lo > 0: r*Br >= W
                if m - 1 > r0 {
                    let startTiles = floorSum(n: m - 1 - r0, m: bc, a: br, b: r0 * br - w + 1)
                    startSum = bc * startTiles
                    tileSum -= startTiles
                }
            }
        }
        let lastRows = n - (m - 1) * br
        let lastLo = window.map { max(0, (m - 1) * br - Int128($0) + 1) } ?? 0
        let lastKeys = n - bc * (lastLo / bc)
        let fullKeys = endSum - startSum
        let lastTiles = kT - lastLo / bc
        return ExecutedPairs(pairs: br * fullKeys + lastRows * lastKeys, keyReads: fullKeys + lastKeys,
                             rowTileVisits: br * tileSum + lastRows * lastTiles)
    }

    /// The same count by a loop over query tiles (O(N/Br)); the reference for tests.
    public static func executedPairsReference(tokens n: Int, window: Int?, tiling: AttentionTiling) -> ExecutedPairs {
        var pairs: Int128 = 0, reads: Int128 = 0, visits: Int128 = 0
        let br = max(1, tiling.queryTile), bc = max(1, tiling.keyTile)
        var i0 = 0
        while i0 < n {
            let i1 = min(n, i0 + br)
            let lo = window.map { max(0, i0 - $0 + 1) } ?? 0
            let start = bc * (lo / bc)
            let end = min(n, bc * ((i1 + bc - 1) / bc))
            pairs += Int128(i1 - i0) * Int128(end - start)
            reads += Int128(end - start)
            visits += Int128(i1 - i0) * Int128((i1 + bc - 1) / bc - lo / bc)
            i0 = i1
        }
        return ExecutedPairs(pairs: pairs, keyReads: reads, rowTileVisits: visits)
    }

    /// Useful pairs of a span: causal, windowed, or chunked-local (sum over chunks of c(c+1)/2).
    public static func useful(tokens n: Int128, span: AttentionSpan) -> Int128 {
        switch span {
        case .full: return useful(tokens: n, window: nil)
        case .sliding(let w): return useful(tokens: n, window: w)
        case .chunked(let c):
            guard n > 0 else { return 0 }
            let c = Int128(c), full = n / c, last = n % c
            return full * causal(tokens: c) + causal(tokens: last)
        }
    }

    /// Executed pairs of a span under `tiling` (the rule in the file header; a chunked span's query
    /// tile needs keys from its first row's chunk start, so [lo, hi) = [C floor(i0 / C), i1)).
    public static func executed(tokens n: Int128, span: AttentionSpan, tiling: AttentionTiling) -> ExecutedPairs {
        switch span {
        case .full: return executed(tokens: n, window: nil, tiling: tiling)
        case .sliding(let w): return executed(tokens: n, window: w, tiling: tiling)
        case .chunked(let c): return executedChunked(tokens: n, chunk: Int128(c), tiling: tiling)
        }
    }

    /// Chunked-local attention by a loop over query tiles (O(N / Br)).
    static func executedChunked(tokens n: Int128, chunk c: Int128, tiling: AttentionTiling) -> ExecutedPairs {
        let br = Int128(max(1, tiling.queryTile)), bc = Int128(max(1, tiling.keyTile))
        var pairs: Int128 = 0, reads: Int128 = 0, visits: Int128 = 0
        var i0: Int128 = 0
        while i0 < n {
            let i1 = min(n, i0 + br), rows = i1 - i0
            let lo = c * (i0 / c), hi = i1
            if tiling.clipsKeys {
                pairs += rows * (hi - lo)
                reads += hi - lo
                visits += rows * ((hi - lo + bc - 1) / bc)
            } else {
                let start = bc * (lo / bc), end = min(n, bc * ((hi + bc - 1) / bc))
                pairs += rows * (end - start)
                reads += end - start
                visits += rows * ((hi + bc - 1) / bc - lo / bc)
            }
            i0 = i1
        }
        return ExecutedPairs(pairs: pairs, keyReads: reads, rowTileVisits: visits)
    }

    /// Sum of squared chunk sizes of a chunkwise pass over `n` tokens with chunk `c`.
    public static func chunkSquares(tokens n: Int128, chunk c: Int) -> Int128 {
        guard n > 0 else { return 0 }
        let c = Int128(max(1, c))
        let m = (n + c - 1) / c
        let last = n - (m - 1) * c
        return (m - 1) * c * c + last * last
    }

    /// sum_{i=0}^{n-1} floor((a*i + b)/m) for n >= 0, m >= 1, a >= 0, b >= 0 (AtCoder Library's
    /// floor_sum), O(log m) steps.
    static func floorSum(n: Int128, m: Int128, a: Int128, b: Int128) -> Int128 {
        var n = n, m = m, a = a, b = b, ans: Int128 = 0
        guard n > 0 else { return 0 }
        while true {
            if a >= m {
                ans += (n - 1) * n / 2 * (a / m)
                a %= m
            }
            if b >= m {
                ans += n * (b / m)
                b %= m
            }
            let yMax = a * n + b
            if yMax < m { break }
            n = yMax / m
            b = yMax % m
            swap(&m, &a)
        }
        return ans
    }
}
