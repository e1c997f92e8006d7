// The chunks of a single-sequence decode split over workers (the CPU kernel's
// CausalAttention.decodeSplit), and where each chunk's partial softmax state lives in the workers'
// scratch. Here, not in Kernels, because the cost model counts the chunks' online-softmax rescales
// (`blockVisits`) from the same list the kernel walks; the slot pointers are Kernels' extension.
//
// Shapes: the visible keys lo..<hi are cut into `count` contiguous chunks: the head in chunks of
// `chunkKeys` keys (whole key blocks; the last head chunk may be short), then the last two
// blocks' worth of keys (the tail) in chunks of a quarter block, `fineKeys`, so that the workers
// finish within about a quarter block of each other. A chunk's partial is a slot of
// slotFloats = 2 * rows + rows * dh floats: m [rows], l [rows], acc [rows, dh] (what
// yc_attention_decode leaves after its scores when out is NULL). Worker w's scratch region
// (scratchPerWorker floats) holds its pass, rows * block + slotFloats floats, then slots:
//   region w = [scores rows * block | the pass's m, l, acc | slot w | slot w + workers | ...]
// so chunk i's slot is in region i % workers, at position i / workers after the pass.
//
// Why chunks rather than one range per worker: a B = 1 decode at T 16K takes 1-2 ms, and the
// second worker, a pool thread woken by the call, starts tens of microseconds to milliseconds late
// (measured in docs/KERNELS.md); with halves the early worker then idles at the end for as long as
// the other started late, and the two cores' threads do not share the memory bandwidth evenly
// either. Chunks handed out in order go to whichever worker is free; the fine tail keeps the last
// chunk from leaving one worker idle for up to a block (about 150 us at T 16K, Hkv 1, dh 128 here).
//
// The list depends on lo, hi, the block, rows, dh, workers and the scratch size, never on timing
// (the workers count only where the slots run short, which they do not at the default tiling, H 4),
// so the merged output (chunks combined in index order) is the same on every run. Where the
// scratch cannot hold a slot per worker beyond the passes (small test tilings, or H >= the query
// tile), the split falls back to one range per worker, each partial left where its pass wrote it.

public struct DecodeChunks: Sendable, Hashable {
    public let lo: Int
    public let hi: Int
    public let block: Int
    public let rows: Int
    public let workers: Int
    public let scratchPerWorker: Int
    /// Keys per head chunk (whole blocks).
    public let chunkKeys: Int
    /// Keys per tail chunk (a quarter block).
    public let fineKeys: Int
    /// First key of the fine tail (hi when there is none).
    public let tailStart: Int
    /// Head chunks; the tail's follow.
    public let headCount: Int
    public let count: Int
    /// One range per worker, taken by that worker, its partial in place (the scratch has no room
    /// for slots).
    public let perWorker: Bool
    /// m, l and acc of one partial pass.
    public let slotFloats: Int

    /// Blocks per head chunk when the scratch has room (at T 16K and a 1,024-key block: 14 chunks
    /// of 1 MiB of K and V each at Hkv 1, dh 128, then 8 of a quarter block; docs/KERNELS.md).
    public static let blocksPerChunk = 1
    /// Blocks at the end cut into quarter-block chunks; a constant, not the worker count, so that
    /// the list (and the output's bits) do not depend on the workers where the scratch has room.
    public static let tailBlocks = 2

    public init(lo: Int, hi: Int, block: Int, rows: Int, dh: Int, workers: Int, scratchPerWorker: Int) {
        self.lo = lo
        self.hi = hi
        self.block = block
        self.rows = rows
        self.workers = workers
        self.scratchPerWorker = scratchPerWorker
        slotFloats = 2 * rows + rows * dh
        let pass = rows * block + slotFloats
        let slotsPerRegion = max(0, scratchPerWorker - pass) / slotFloats
        let visible = max(0, hi - lo)
        func chunks(_ n: Int, _ size: Int) -> Int { (n + size - 1) / size }
        let fine = max(1, block / 4)
        guard slotsPerRegion >= 1 else {
            (chunkKeys, fineKeys, tailStart, headCount, count, perWorker) = (0, fine, hi, workers, workers, true)
            return
        }
        let capacity = slotsPerRegion * workers
        var keys = Self.blocksPerChunk * block
        let tail = min(visible, Self.tailBlocks * block)
        if chunks(visible - tail, keys) + chunks(tail, fine) <= capacity {
            tailStart = hi - tail
        } else {
            // no fine tail, and fewer, longer chunks (still whole blocks) so that every chunk has a slot
            tailStart = hi
            if chunks(visible, keys) > capacity { keys = chunks(chunks(visible, capacity), block) * block }
        }
        (chunkKeys, fineKeys) = (keys, fine)
        headCount = chunks(tailStart - lo, keys)
        count = max(1, headCount + chunks(hi - tailStart, fine))
        perWorker = false
    }

    /// Keys of chunk i.
    public func range(_ i: Int) -> (Int, Int) {
        if perWorker {
            let n = hi - lo
            return (lo + n * i / workers, lo + n * (i + 1) / workers)
        }
        if i < headCount { return (lo + i * chunkKeys, min(tailStart, lo + (i + 1) * chunkKeys)) }
        let t = i - headCount
        return (min(hi, tailStart + t * fineKeys), min(hi, tailStart + (t + 1) * fineKeys))
    }

    /// Blocks the chunks' passes walk: one online-softmax rescale of every row per block (a pass
    /// walks its chunk in blocks of `block` keys), so the split's other FLOPs are
    /// rows x dh x blockVisits where one pass over lo..<hi has ceil((hi - lo) / block).
    public var blockVisits: Int {
        (0..<count).reduce(0) { t, i in
            let (a, b) = range(i)
            return t + (b - a + block - 1) / block
        }
    }
}
