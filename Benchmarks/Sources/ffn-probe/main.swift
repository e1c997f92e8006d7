// ffn-probe (issue 14): the feed-forward as the model runs it against the calibration's
// microbenchmarks of the same shapes, in one process, the variants alternated round by round
// (forward order, then reversed), medians and minima per variant. host-gqa's shapes (L 4, d 256,
// F 768, V 4096, fp32), built in code. Ratios are the result; absolute figures move with the load.
//
//   prefill  the model's ffn `products` step per layer (a fresh ModelRun, `rows`-token prefill)
//            against SwiGLU.forward on one layer's hot weights, on the four layers' in rotation,
//            its three products alone (no activation) and the calibration's way (each product
//            repeated on its own hot buffers, Calibration.measureGemm)
//   decode   the model's ffn per layer-step and head per step (16 steps after the prefill) against
//            one-row SwiGLU.forward and Linear.forward over 4 copies of the matrices ("hot") and over
//            copies filling 128 MiB ("DRAM"), as Calibration+OneRowProducts.swift times them
//
// From the repository root (docs/VALIDATION.md, "The feed-forward's activation"):
//   swift build -c release --package-path Benchmarks --scratch-path .build-bench --product ffn-probe
//   .build-bench/release/ffn-probe [rows, default 1024] [rounds, default 5]
import CostModel
import Foundation
import Kernels

BLASEnvironment.reexecWithCoreTypeIfNeeded()
do { _ = try BLASEnvironment.prepareForMeasurement() } catch { print("\(error)"); exit(1) }
let args = CommandLine.arguments
let rows = args.count > 1 ? Int(args[1])! : 1024
let rounds = args.count > 2 ? Int(args[2])! : 5
let d = 256, F = 768, L = 4
let spec = ModelSpec.transformer(id: "host-gqa", source: "probe", layers: L, hiddenSize: d, heads: 4, kvHeads: 2, headDim: 64,
                                 ffnSize: F, vocabSize: 4096, dtypes: .uniform(.fp32))
let alloc = CountingAllocator()
let weights = try! ModelWeights(spec: spec, seed: 7, allocator: alloc)
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func buf(_ n: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
    var r = SeededRandom(seed: UInt64(n))
    for i in 0..<n { p[i] = r.nextSymmetric() }
    return p
}
// calibration style: one product repeated on hot buffers (Calibration.measureGemm), seconds per call
func calibGemm(m: Int, n: Int, k: Int, iters: Int) -> Double {
    let a = buf(m * k), b = buf(k * n), c = buf(m * n)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n)
    let s = now()
    for _ in 0..<iters { BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n) }
    return (now() - s) / Double(iters)
}
let x = buf(rows * d), xn = buf(rows * d), gate = buf(rows * F), up = buf(rows * F)
var wc = WorkCounters()
func swiglu(layer i: Int) {
    let p = "layers.\(i)."
    SwiGLU.forward(xn, wGate: weights[p + "ffn_gate"], wUp: weights[p + "ffn_up"], wDown: weights[p + "ffn_down"],
                   gate: gate, up: up, x, rows: rows, width: d, inner: F, accumulate: true, counters: &wc)
}
func threeGemms(layer i: Int) {
    let p = "layers.\(i)."
    Linear.forward(xn, weights[p + "ffn_gate"], gate, m: rows, k: d, n: F, counters: &wc)
    Linear.forward(xn, weights[p + "ffn_up"], up, m: rows, k: d, n: F, counters: &wc)
    Linear.forward(gate, weights[p + "ffn_down"], x, m: rows, k: F, n: d, accumulate: true, counters: &wc)
}
func perCall(_ iters: Int, _ body: (Int) -> Void) -> Double {
    body(0)
    let s = now()
    for j in 0..<iters { body(j) }
    return (now() - s) / Double(iters)
}
let itersBig = max(4, 40_000_000 / (rows * d * F / 64 + 1))
var results: [String: [Double]] = [:]
func note(_ k: String, _ v: Double) { results[k, default: []].append(v) }
let tokens = (0..<rows).map { Int32(($0 * 7919) % 4096) }
func modelFFN() {
    let run = try! ModelRun(weights: weights, batch: 1, capacityTokens: rows + 16, allocator: alloc)
    _ = try! run.prefill(tokens: tokens)
    let t = run.operatorTimes
    var ffnProducts = 0.0, ffnNorm = 0.0, head = 0.0, total = 0.0
    for id in t.order {
        total += t.seconds[id]!
        if id.part == .ffn { ffnProducts += t.stepSeconds[id]?[.products] ?? 0; ffnNorm += t.stepSeconds[id]?[.norm] ?? 0 }
        if id.part == .head { head += t.seconds[id]! }
    }
    note("model prefill ffn products /layer", ffnProducts / Double(L))
    note("model prefill ffn norm /layer", ffnNorm / Double(L))
    note("model prefill head", head)
    run.resetOperatorTimes()
    let G = 16
    for g in 0..<G { _ = try! run.decode(tokens: [Int32(g)]) }
    let u = run.operatorTimes
    var dffn = 0.0, dhead = 0.0
    for id in u.order {
        if id.part == .ffn { dffn += u.seconds[id]! }
        if id.part == .head { dhead += u.seconds[id]! }
    }
    note("model decode ffn /layer-step", dffn / Double(L * G))
    note("model decode head /step", dhead / Double(G))
}
// decode: one row through SwiGLU over `copies` copies of a layer's three matrices
let layerFloats = 3 * d * F
let dramCopies = (128 << 20) / (layerFloats * 4) + 1
let pool = buf(dramCopies * layerFloats)
func oneRowSwiGLU(copies: Int, calls: Int) -> Double {
    func once(_ j: Int) {
        let base = pool + (j % copies) * layerFloats
        SwiGLU.forward(xn, wGate: base, wUp: base + d * F, wDown: base + 2 * d * F, gate: gate, up: up, x, rows: 1, width: d, inner: F,
                       accumulate: true, counters: &wc)
    }
    for j in 0..<copies { once(j) }
    let s = now()
    for j in 0..<calls { once(j) }
    return (now() - s) / Double(calls)
}
func oneRowLinear(k: Int, n: Int, copies: Int, calls: Int) -> Double {
    let m = k * n
    for j in 0..<copies { Linear.forward(xn, pool + j * m, up, m: 1, k: k, n: n, counters: &wc) }
    let s = now()
    for j in 0..<calls { Linear.forward(xn, pool + (j % copies) * m, up, m: 1, k: k, n: n, counters: &wc) }
    return (now() - s) / Double(calls)
}
for r in 0..<rounds {
    note("decode SwiGLU 1 row, 4 copies (hot)", oneRowSwiGLU(copies: 4, calls: 512))
    note("decode SwiGLU 1 row, DRAM copies", oneRowSwiGLU(copies: dramCopies, calls: 2 * dramCopies))
    for (k, n) in [(d, F), (F, d), (d, 4096)] {
        let c = (128 << 20) / (k * n * 4)
        note("decode Linear \(k)x\(n) 4 copies", oneRowLinear(k: k, n: n, copies: 4, calls: 512))
        note("decode Linear \(k)x\(n) DRAM copies", oneRowLinear(k: k, n: n, copies: c, calls: 2 * c))
    }
    let order = r % 2 == 0 ? [0, 1, 2, 3, 4] : [4, 3, 2, 1, 0]
    for v in order {
        switch v {
        case 0: modelFFN()
        case 1:
            let g = calibGemm(m: rows, n: F, k: d, iters: itersBig), dn = calibGemm(m: rows, n: d, k: F, iters: itersBig)
            note("calib gemm 2x[r,768,256] + [r,256,768]", 2 * g + dn)
        case 2: note("SwiGLU.forward hot layer 0", perCall(itersBig) { _ in swiglu(layer: 0) })
        case 3: note("SwiGLU.forward rotating 4 layers", perCall(itersBig) { j in swiglu(layer: j % L) })
        default: note("3 Linear (no swish) hot layer 0", perCall(itersBig) { _ in threeGemms(layer: 0) })
        }
    }
}
print("rows \(rows), rounds \(rounds), BLAS threads \(BLAS.threads)")
for (k, v) in results.sorted(by: { $0.key < $1.key }) {
    let s = v.sorted()
    print(String(format: "%-45@ median %8.1f us  min %8.1f us", k as NSString, s[s.count / 2] * 1e6, s[0] * 1e6))
}
