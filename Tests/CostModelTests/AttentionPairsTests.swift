// Pair counts: useful N(N+1)/2, windows, and the executed pairs of a tiled kernel, closed form
// against the plain loop on awkward shapes (1, odd, not a multiple of the tile).
import Testing
@testable import CostModel

@Suite("Attention pairs")
struct AttentionPairsTests {
    @Test("useful causal pairs are N(N+1)/2", arguments: [(0, 0), (1, 1), (2, 3), (5, 15), (1024, 524_800)])
    func causal(n: Int, expected: Int) {
        #expect(AttentionPairs.causal(tokens: Int128(n)) == Int128(expected))
        #expect(AttentionPairs.useful(tokens: Int128(n), window: nil) == Int128(expected))
    }

    @Test("windowed useful pairs count min(i+1, W) per query")
    func window() {
        // N 5, W 2: 1 + 2 + 2 + 2 + 2 = 9
        #expect(AttentionPairs.useful(tokens: 5, window: 2) == 9)
        // N <= W: plain causal, 4*5/2 = 10
        #expect(AttentionPairs.useful(tokens: 4, window: 4) == 10)
        // N 1M, W 1024: 1024*1025/2 + (2^20 - 1024) * 1024 = 524800 + 1072693248 = 1073218048
        #expect(AttentionPairs.useful(tokens: 1 << 20, window: 1024) == 1_073_218_048)
        // brute force on a small grid
        for n in 0...40 {
            for w in [1, 2, 3, 7, 40, 100] {
                let brute = (0..<n).reduce(0) { $0 + min($1 + 1, w) }
                #expect(AttentionPairs.useful(tokens: Int128(n), window: w) == Int128(brute))
            }
        }
    }

    @Test("executed pairs by hand: N 5, tiles 2 x 2")
    func executedByHand() {
        // query tile [0,2): keys [0,2) -> 2 rows * 2 keys = 4, 1 key tile
        // query tile [2,4): keys [0,4) -> 2 * 4 = 8, 2 key tiles
        // query tile [4,5): keys [0,5) (tile [4,6) clipped at 5) -> 1 * 5 = 5, 3 key tiles
        // pairs 17 (useful 15), key reads 2 + 4 + 5 = 11, row tile visits 2*1 + 2*2 + 1*3 = 9
        let e = AttentionPairs.executed(tokens: 5, window: nil, tiling: AttentionTiling(queryTile: 2, keyTile: 2))
        #expect(e == ExecutedPairs(pairs: 17, keyReads: 11, rowTileVisits: 9))
        // window 2, same tiles: tile [2,4) needs keys [1,4) -> key tiles [0,2),[2,4) -> 2*4 = 8;
        // tile [4,5) needs [3,5) -> tiles [2,4),[4,5) -> keys 2..5 = 3 -> 1*3; total 4 + 8 + 3 = 15
        let w = AttentionPairs.executed(tokens: 5, window: 2, tiling: AttentionTiling(queryTile: 2, keyTile: 2))
        #expect(w.pairs == 15)
        #expect(w.keyReads == 2 + 4 + 3)
    }

    @Test("tile size 1 executes exactly the useful pairs")
    func exactTiling() {
        for n in [1, 2, 3, 17, 1000] {
            #expect(AttentionPairs.executed(tokens: Int128(n), window: nil, tiling: .exact).pairs == AttentionPairs.causal(tokens: Int128(n)))
            #expect(AttentionPairs.executed(tokens: Int128(n), window: 7, tiling: .exact).pairs == AttentionPairs.useful(tokens: Int128(n), window: 7))
        }
    }

    static let tilings = [
        AttentionTiling(queryTile: 1, keyTile: 1), AttentionTiling(queryTile: 2, keyTile: 2),
        AttentionTiling(queryTile: 3, keyTile: 5), AttentionTiling(queryTile: 7, keyTile: 3),
        AttentionTiling(queryTile: 64, keyTile: 128), AttentionTiling(queryTile: 128, keyTile: 64),
        AttentionTiling(queryTile: 128, keyTile: 128), AttentionTiling(queryTile: 1, keyTile: 16),
    ]

    @Test("closed form equals the loop over query tiles", arguments: tilings)
    func closedFormMatchesLoop(tiling: AttentionTiling) {
        for n in Array(1...150) + [255, 256, 257, 1000, 4099] {
            for window in [nil, 1, 2, 5, 64, 100, 129, 5000] as [Int?] {
                let closed = AttentionPairs.executed(tokens: Int128(n), window: window, tiling: tiling)
                let loop = AttentionPairs.executedPairsReference(tokens: n, window: window, tiling: tiling)
                #expect(closed == loop, "N \(n) W \(String(describing: window)) tiles \(tiling.queryTile)x\(tiling.keyTile)")
                #expect(closed.pairs >= AttentionPairs.useful(tokens: Int128(n), window: window))
            }
        }
    }

    @Test("square tiles t dividing N execute N(N+t)/2 pairs, to 16M tokens", arguments: [1 << 10, 1 << 15, 1 << 20, 1 << 24])
    func squareTiles(n: Int) {
        // m = N/t tiles: t^2 m(m-1)/2 + t N = N(N - t)/2 + t N = N(N + t)/2
        let t = Int128(128), nn = Int128(n)
        #expect(AttentionPairs.executed(tokens: nn, window: nil, tiling: .flash128).pairs == nn * (nn + t) / 2)
    }

    @Test("floor sum matches brute force")
    func floorSum() {
        for n in 0...12 { for m in 1...9 { for a in 0...11 { for b in 0...11 {
            let brute = (0..<n).reduce(Int128(0)) { $0 + Int128((a * $1 + b) / m) }
            #expect(AttentionPairs.floorSum(n: Int128(n), m: Int128(m), a: Int128(a), b: Int128(b)) == brute)
        } } } }
    }

    @Test("gRet chunk squares: (m-1)C^2 + last^2")
    func chunkSquares() {
        #expect(AttentionPairs.chunkSquares(tokens: 3, chunk: 2) == 5)  // 2^2 + 1^2
        #expect(AttentionPairs.chunkSquares(tokens: 512, chunk: 256) == 2 * 65536)
        #expect(AttentionPairs.chunkSquares(tokens: 600, chunk: 256) == 2 * 65536 + 88 * 88)
        #expect(AttentionPairs.chunkSquares(tokens: 0, chunk: 256) == 0)
        #expect(AttentionPairs.chunkSquares(tokens: 100, chunk: 256) == 10_000)
    }
}
