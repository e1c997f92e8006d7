// DecodeChunks (the chunks of a B = 1 decode split over workers): the chunks tile the visible keys
// in order, each chunk's partial slot lies inside one worker's scratch region, clear of that
// region's pass (scores, m, l, acc) and of every other slot, and a scratch without room for slots
// falls back to one range per worker with its partial left in place.

import CostModel
import Testing
@testable import Kernels

@Suite struct DecodeChunksTests {
    struct Case: Sendable, CustomStringConvertible {
        var lo, hi, block, rows, dh, workers, scratchPerWorker: Int
        var description: String { "keys \(lo)..<\(hi) block \(block) rows \(rows) dh \(dh) w\(workers) scratch \(scratchPerWorker)" }
    }

    /// The default tiling's scratch (256 x 512 tiles) at H 4 / dh 128 and H 32 / dh 128 (where the
    /// slots run short at 128K keys and the chunks grow), the test tilings of CKernelsTests, and
    /// regions with no room for a slot.
    static let cases: [Case] = {
        func region(_ q: Int, _ k: Int, _ h: Int, _ dh: Int) -> Int {
            AttentionKernelTiling(queryTile: q, keyTile: k, workers: 1).scratchFloats(heads: h, headDim: dh)
        }
        return [
            Case(lo: 0, hi: 16384, block: 1024, rows: 4, dh: 128, workers: 2, scratchPerWorker: region(256, 512, 4, 128)),
            Case(lo: 0, hi: 65536, block: 1024, rows: 4, dh: 128, workers: 3, scratchPerWorker: region(256, 512, 4, 128)),
            Case(lo: 0, hi: 131072, block: 1024, rows: 32, dh: 128, workers: 2, scratchPerWorker: region(256, 512, 32, 128)),
            Case(lo: 7, hi: 300, block: 32, rows: 4, dh: 64, workers: 2, scratchPerWorker: region(16, 8, 4, 64)),
            Case(lo: 31, hi: 71, block: 32, rows: 4, dh: 128, workers: 2, scratchPerWorker: region(16, 8, 4, 128)),
            Case(lo: 0, hi: 50, block: 8, rows: 3, dh: 20, workers: 3, scratchPerWorker: region(8, 4, 3, 20)),
            Case(lo: 0, hi: 37, block: 8, rows: 4, dh: 64, workers: 2, scratchPerWorker: region(4, 8, 4, 64)),
            Case(lo: 0, hi: 50, block: 3, rows: 3, dh: 20, workers: 3, scratchPerWorker: region(2, 3, 3, 20)),
            Case(lo: 0, hi: 1000, block: 128, rows: 4, dh: 64, workers: 2, scratchPerWorker: region(64, 8, 4, 64)),
            Case(lo: 100, hi: 200, block: 128, rows: 4, dh: 64, workers: 2, scratchPerWorker: region(64, 8, 4, 64)),
        ]
    }()

    @Test(arguments: cases)
    func chunksTileTheKeysAndSlotsDoNotOverlap(cs: Case) {
        let plan = DecodeChunks(lo: cs.lo, hi: cs.hi, block: cs.block, rows: cs.rows, dh: cs.dh, workers: cs.workers,
                                scratchPerWorker: cs.scratchPerWorker)
        // contiguous, in order, none empty, covering lo..<hi
        var next = cs.lo
        for i in 0..<plan.count {
            let (a, b) = plan.range(i)
            #expect(a == next && b > a, "chunk \(i)")
            next = b
        }
        #expect(next == cs.hi)
        // slots as offsets from the scratch's start (a null-based pointer would do, but offsets read better)
        let base = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        defer { base.deallocate() }
        let pass = cs.rows * cs.block  // the scores; a pass's partial follows them
        var taken: [(Int, Int)] = []
        for i in 0..<plan.count {
            let at = plan.slot(i, in: base) - base
            let region = at / cs.scratchPerWorker, inRegion = at % cs.scratchPerWorker
            #expect(inRegion + plan.slotFloats <= cs.scratchPerWorker, "slot \(i) inside its region")
            #expect(region < cs.workers, "slot \(i)")
            if plan.perWorker {
                #expect(plan.count == cs.workers && region == i && inRegion == pass, "slot \(i) is worker \(i)'s own partial")
            } else {
                let (a, b) = plan.range(i)
                // whole blocks before the tail (the last head chunk may be short), quarter blocks in it
                #expect(plan.chunkKeys % cs.block == 0 && b - a <= (a < plan.tailStart ? plan.chunkKeys : plan.fineKeys), "chunk \(i)")
                #expect(a >= plan.tailStart || b <= plan.tailStart, "chunk \(i) does not straddle the tail")
                #expect(inRegion >= pass + plan.slotFloats, "slot \(i) clear of its region's pass")
            }
            taken.append((at, at + plan.slotFloats))
        }
        taken.sort { $0.0 < $1.0 }
        for (x, y) in zip(taken, taken.dropFirst()) { #expect(x.1 <= y.0, "slots overlap") }
    }

    @Test func theDefaultTilingSplitsT16KIntoBlocksThenQuarterBlocks() {
        let region = AttentionKernelTiling(queryTile: 256, keyTile: 512, workers: 1).scratchFloats(heads: 4, headDim: 128)
        let plan = DecodeChunks(lo: 0, hi: 16384, block: 1024, rows: 4, dh: 128, workers: 2, scratchPerWorker: region)
        #expect(!plan.perWorker && plan.chunkKeys == 1024 && plan.headCount == 14 && plan.tailStart == 14336)
        #expect(plan.count == 22 && plan.fineKeys == 256)
        // the same list for 3 workers (room for every slot either way): the output's bits do not change
        let three = DecodeChunks(lo: 0, hi: 16384, block: 1024, rows: 4, dh: 128, workers: 3, scratchPerWorker: region)
        #expect((0..<22).map { [three.range($0).0, three.range($0).1] } == (0..<22).map { [plan.range($0).0, plan.range($0).1] })
        #expect(three.count == 22)
        // too little room: H 32 at 128K keys takes 43 chunks of 3,072 keys (30 slots per region)
        let big = DecodeChunks(lo: 0, hi: 131072, block: 1024, rows: 32, dh: 128, workers: 2,
                               scratchPerWorker: AttentionKernelTiling(queryTile: 256, keyTile: 512, workers: 1)
                                   .scratchFloats(heads: 32, headDim: 128))
        #expect(!big.perWorker && big.chunkKeys == 3072 && big.count == 43)
    }
}
