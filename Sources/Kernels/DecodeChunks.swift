// The chunks of a single-sequence decode split over workers (CausalAttention.decodeSplit), and where
// each chunk's partial softmax state lives in the workers' scratch.
//
// Shapes: the visible keys lo..<hi are cut into `count` contiguous chunks of `chunkKeys` keys (the
// last one short), a multiple of the pass's key block. A chunk's partial is a slot of
// slotFloats = 2 * rows + rows * dh floats: m [rows], l [rows], acc [rows, dh] (what
// yc_attention_decode leaves after its scores when out is NULL). Worker w's scratch region
// (scratchPerWorker floats) holds its pass, rows * block + slotFloats floats, then slots:
//   region w = [scores rows * block | the pass's m, l, acc | slot w | slot w + workers | ...]
// so chunk i's slot is in region i % workers, at position i / workers after the pass.
//
// Why chunks rather than one range per worker: a B = 1 decode at T 16K takes 1-2 ms, and the
// second worker, a pool thread woken by the call, starts tens of microseconds to milliseconds late
// (measured in docs/KERNELS.md); with halves the early worker then idles at the end for as long as
// the other started late. Chunks handed out in order go to whichever worker is free.
//
// The list depends on lo, hi, the block, rows, dh, workers and the scratch size, never on timing,
// so the merged output (chunks combined in index order) is the same on every run. Where the
// scratch cannot hold a slot per worker beyond the passes (small test tilings, or H >= the query
// tile), the split falls back to one range per worker, each partial left where its pass wrote it.

struct DecodeChunks: Sendable {
    let lo: Int
    let hi: Int
    let block: Int
    let rows: Int
    let workers: Int
    let scratchPerWorker: Int
    /// Keys per chunk (the last chunk may be short).
    let chunkKeys: Int
    let count: Int
    /// One range per worker, taken by that worker, its partial in place (the scratch has no room
    /// for slots).
    let perWorker: Bool
    /// m, l and acc of one partial pass.
    let slotFloats: Int

    /// Blocks per chunk when the scratch has room: at T 16K and a 1,024-key block, 16 chunks of
    /// 1 MiB of K and V each (Hkv 1, dh 128) over 2 workers (chosen by measurement, docs/KERNELS.md).
    static let blocksPerChunk = 1

    init(lo: Int, hi: Int, block: Int, rows: Int, dh: Int, workers: Int, scratchPerWorker: Int) {
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
        var keys = Self.blocksPerChunk * block
        if slotsPerRegion >= 1 {
            let capacity = slotsPerRegion * workers
            if (visible + keys - 1) / keys > capacity {
                // fewer, longer chunks (still whole blocks) so that every chunk has a slot
                let longer = (visible + capacity - 1) / capacity
                keys = (longer + block - 1) / block * block
            }
            chunkKeys = keys
            count = max(1, (visible + keys - 1) / keys)
            perWorker = false
        } else {
            chunkKeys = (visible + workers - 1) / workers
            count = workers
            perWorker = true
        }
    }

    /// Keys of chunk i.
    func range(_ i: Int) -> (Int, Int) {
        if perWorker {
            let n = hi - lo
            return (lo + n * i / workers, lo + n * (i + 1) / workers)
        }
        return (min(hi, lo + i * chunkKeys), min(hi, lo + (i + 1) * chunkKeys))
    }

    /// Chunk i's partial (m, l, acc) in `scratch` (all the workers' regions).
    func slot(_ i: Int, in scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let pass = rows * block
        if perWorker { return scratch + i * scratchPerWorker + pass }
        return scratch + (i % workers) * scratchPerWorker + pass + slotFloats * (1 + i / workers)
    }
}
