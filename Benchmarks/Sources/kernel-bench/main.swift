// kernel-bench: achieved GFLOP/s of the attention, gRet and window kernels beside cblas_sgemm's peak,
// and GB/s of decode beside a streaming-read bandwidth, all measured in this run (BRIEF §5:
// timings are noisy, so each figure is the best of several runs and only ratios are compared).

import Foundation
import Kernels

BLASEnvironment.reexecWithCoreTypeIfNeeded()
let quick = CommandLine.arguments.contains("--quick")
/// `--only=prefill,window,gret,decode` runs just those sections (sgemm peak and stream always run).
let only: Set<String>? = CommandLine.arguments.first { $0.hasPrefix("--only=") }
    .map { Set($0.dropFirst("--only=".count).split(separator: ",").map(String.init)) }
func section(_ name: String) -> Bool { only?.contains(name) ?? true }
/// `--tile=QxK` overrides the prefill query and key tiles (default: AttentionKernelTiling.default's).
let tileArg = CommandLine.arguments.first { $0.hasPrefix("--tile=") }
    .map { $0.dropFirst("--tile=".count).split(separator: "x").compactMap { Int($0) } }
let prefillQ = tileArg?.first ?? AttentionKernelTiling.default.queryTile
let prefillK = tileArg?.last ?? AttentionKernelTiling.default.keyTile
let env: BLASEnvironment
do { env = try BLASEnvironment.prepareForMeasurement() } catch {
    FileHandle.standardError.write(Data("kernel-bench: \(error)\n".utf8))
    exit(1)
}
let cores = ProcessInfo.processInfo.activeProcessorCount
print("# kernel-bench: \(env), \(cores) cores, sgemm self-check passed")

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
func best(_ reps: Int, _ body: () -> Void) -> Double {
    var t = Double.infinity
    for _ in 0..<reps { let s = now(); body(); t = min(t, now() - s) }
    return t
}
func randomBuffer(_ n: Int, seed: UInt64) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
    var rng = SeededRandom(seed: seed)
    rng.fill(p, count: n, scale: 1)
    return p
}
func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }

// MARK: sgemm peak and stream bandwidth

func sgemmGflops(_ m: Int, _ n: Int, _ k: Int, threads: Int) -> Double {
    let a = randomBuffer(m * k, seed: 1), b = randomBuffer(k * n, seed: 2), c = randomBuffer(m * n, seed: 3)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    BLAS.threads = threads
    let t = best(5) { BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n) }
    return 2 * Double(m) * Double(n) * Double(k) / t / 1e9
}

let peak1 = sgemmGflops(2048, 2048, 2048, threads: 1)
var peak2 = sgemmGflops(2048, 2048, 2048, threads: cores)
print("sgemm 2048^3: \(fmt(peak1)) GFLOP/s on 1 thread, \(fmt(peak2)) GFLOP/s on \(cores) threads")
/// The host is shared and its load changes within a run: before each section the 2-thread peak is
/// measured again and the running maximum is the denominator (a conservative ratio).
@MainActor func refreshPeak(_ name: String) {
    let p = sgemmGflops(2048, 2048, 2048, threads: cores)
    peak2 = max(peak2, p)
    print("(\(name): sgemm \(cores) threads now \(fmt(p)) GFLOP/s; peak used \(fmt(peak2)))")
}

func streamReadGBs() -> Double {
    let n = 64 << 20  // 256 MiB of floats, far beyond the caches
    let p = randomBuffer(n, seed: 4)
    defer { p.deallocate() }
    var sink: Float = 0
    let t = best(5) {
        var acc = SIMD16<Float>(repeating: 0)
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i < n { acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self); i += 16 }
        sink += acc.sum()
    }
    if sink == 42 { print("") }
    return Double(n * 4) / t / 1e9
}
var stream = streamReadGBs()
print("stream read (256 MiB, 1 thread): \(fmt(stream)) GB/s")
print("")

// MARK: attention prefill

func attentionPrefill(n: Int, heads: Int, kvHeads: Int, dh: Int, window: Int?, tiling: AttentionKernelTiling, reps: Int) -> (useful: Double, executed: Double, seconds: Double) {
    let q = randomBuffer(n * heads * dh, seed: 5), k = randomBuffer(n * kvHeads * dh, seed: 6), v = randomBuffer(n * kvHeads * dh, seed: 7)
    let o = randomBuffer(n * heads * dh, seed: 8)
    let scratch = randomBuffer(tiling.workers * tiling.scratchFloats(heads: heads, headDim: dh), seed: 9)
    defer { [q, k, v, o, scratch].forEach { $0.deallocate() } }
    let shape = AttentionShape(batch: 1, queries: n, keys: n, heads: heads, kvHeads: kvHeads, headDim: dh, queryPosition0: 0, window: window)
    var c = WorkCounters()
    let t = best(reps) {
        c = WorkCounters()
        CausalAttention.forward(
            q: StridedTensor(base: q, batchStride: n * heads * dh, rowStride: heads * dh),
            k: StridedTensor(base: k, batchStride: n * kvHeads * dh, rowStride: kvHeads * dh),
            v: StridedTensor(base: v, batchStride: n * kvHeads * dh, rowStride: kvHeads * dh),
            out: StridedTensor(base: o, batchStride: n * heads * dh, rowStride: heads * dh),
            shape: shape, scale: 1 / Float(dh).squareRoot(), tiling: tiling, scratch: scratch, counters: &c)
    }
    let useful = 4 * Double(dh) * Double(c.attentionPairsUseful)
    return (useful / t / 1e9, Double(c.matmulFlops) / t / 1e9, t)
}

let tilings: [(String, AttentionKernelTiling, Int)] = [
    ("1 worker, BLAS \(cores) threads", AttentionKernelTiling(queryTile: prefillQ, keyTile: prefillK, workers: 1), cores),
    ("\(cores) workers, BLAS 1 thread", AttentionKernelTiling(queryTile: prefillQ, keyTile: prefillK, workers: cores), 1),
]
if section("prefill") {
refreshPeak("prefill")
print("## causal attention prefill (H = 4; GQA Hkv = 1; tiles \(prefillQ)x\(prefillK)); GFLOP/s of executed matmul FLOPs (4 dh per pair), useful in brackets")
print("| N | dh | heads | threads | seconds | GFLOP/s | % of sgemm peak (\(cores) thr) |")
print("|---|---|---|---|---|---|---|")
for n in quick ? [4096] : [4096, 16384] {
    for dh in [64, 128] {
        for (kvName, kvHeads) in [("MHA", 4), ("GQA", 1)] {
            for (name, tiling, blasThreads) in tilings {
                BLAS.threads = blasThreads
                let r = attentionPrefill(n: n, heads: 4, kvHeads: kvHeads, dh: dh, window: nil, tiling: tiling, reps: n > 4096 ? 1 : 3)
                print("| \(n) | \(dh) | \(kvName) | \(name) | \(fmt(r.seconds, 2)) | \(fmt(r.executed)) (\(fmt(r.useful))) | \(fmt(100 * r.executed / peak2))% |")
            }
        }
    }
}
print("")
}

// MARK: windowed attention

if section("window") {
refreshPeak("window")
print("## sliding-window attention prefill (H = 4, MHA, dh 64)")
print("| N | W | threads | seconds | GFLOP/s | % of peak |")
print("|---|---|---|---|---|---|")
for (name, tiling, blasThreads) in tilings {
    BLAS.threads = blasThreads
    let n = quick ? 4096 : 16384
    let r = attentionPrefill(n: n, heads: 4, kvHeads: 4, dh: 64, window: 1024, tiling: tiling, reps: 2)
    print("| \(n) | 1024 | \(name) | \(fmt(r.seconds, 2)) | \(fmt(r.executed)) (\(fmt(r.useful))) | \(fmt(100 * r.executed / peak2))% |")
}
print("")
}

// MARK: gRet chunkwise

if section("gret") {
refreshPeak("gret")
print("## gated retention, chunkwise prefill (B = 1, 4 heads, C = 256; workers over heads, BLAS 1 thread inside)")
print("| N | dR | workers | seconds | GFLOP/s | % of peak |")
print("|---|---|---|---|---|---|")
for dR in [64, 128] {
    for workers in [1, cores] {
        BLAS.threads = 1
        let n = quick ? 4096 : 16384, h = 4
        let s = RetentionShape(batch: 1, tokens: n, heads: h, headDim: dR)
        let q = randomBuffer(n * h * dR, seed: 10), k = randomBuffer(n * h * dR, seed: 11), v = randomBuffer(n * h * dR, seed: 12)
        let o = randomBuffer(n * h * dR, seed: 13), st = randomBuffer(h * dR * dR, seed: 14)
        let ld = randomBuffer(n * h, seed: 15)
        for i in 0..<(n * h) { ld[i] = -0.05 + 0.04 * ld[i] }
        let scratch = randomBuffer(GatedRetention.chunkScratchFloats(chunk: 256, headDim: dR, workers: workers), seed: 16)
        var c = WorkCounters()
        let t = best(3) {
            c = WorkCounters()
            GatedRetention.chunkwise(q: q, k: k, v: v, logDecay: ld, out: o, state: st, shape: s, chunk: 256, workers: workers,
                                     scratch: scratch, counters: &c)
        }
        print("| \(n) | \(dR) | \(workers) | \(fmt(t, 3)) | \(fmt(Double(c.matmulFlops) / t / 1e9)) | \(fmt(100 * Double(c.matmulFlops) / t / 1e9 / peak2))% |")
        [q, k, v, o, st, ld, scratch].forEach { $0.deallocate() }
    }
}
print("")
}

// MARK: decode at long context

if section("decode") {
let streamNow = streamReadGBs()
stream = max(stream, streamNow)
print("(decode: stream read now \(fmt(streamNow)) GB/s; bandwidth used \(fmt(stream)))")
print("## attention decode step over a long cache (one query per sequence, H = 4), KV bytes read per second")
print("| T | Hkv | dh | B | threads | microseconds | GB/s | % of stream read |")
print("|---|---|---|---|---|---|---|---|")
for T in quick ? [16384] : [16384, 65536] {
    for (kvHeads, dh) in [(4, 64), (1, 128)] {
        for B in [1, 4] {
            for (name, tiling, blasThreads) in [("1 worker", AttentionKernelTiling(queryTile: 256, keyTile: 512, workers: 1), 1),
                                                 ("\(cores) workers", AttentionKernelTiling(queryTile: 256, keyTile: 512, workers: cores), 1)] {
                BLAS.threads = blasThreads
                let H = 4
                let q = randomBuffer(B * H * dh, seed: 17), o = randomBuffer(B * H * dh, seed: 18)
                let k = randomBuffer(B * T * kvHeads * dh, seed: 19), v = randomBuffer(B * T * kvHeads * dh, seed: 20)
                let scratch = randomBuffer(tiling.workers * tiling.scratchFloats(heads: H, headDim: dh), seed: 21)
                var c = WorkCounters()
                let t = best(7) {
                    c = WorkCounters()
                    CausalAttention.forward(
                        q: StridedTensor(base: q, batchStride: H * dh, rowStride: H * dh),
                        k: StridedTensor(base: k, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh),
                        v: StridedTensor(base: v, batchStride: T * kvHeads * dh, rowStride: kvHeads * dh),
                        out: StridedTensor(base: o, batchStride: H * dh, rowStride: H * dh),
                        shape: .allVisible(batch: B, keys: T, heads: H, kvHeads: kvHeads, headDim: dh),
                        scale: 0.1, tiling: tiling, scratch: scratch, countKVReads: true, counters: &c)
                }
                let gbs = Double(c.kvBytesRead) / t / 1e9
                print("| \(T) | \(kvHeads) | \(dh) | \(B) | \(name) | \(fmt(t * 1e6, 0)) | \(fmt(gbs)) | \(fmt(100 * gbs / stream))% |")
                [q, o, k, v, scratch].forEach { $0.deallocate() }
            }
        }
    }
}
}
