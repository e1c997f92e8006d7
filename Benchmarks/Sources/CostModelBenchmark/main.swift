// How fast the cost model itself is: one `estimate` (microseconds per query) and a 100,000-point
// sweep (points per second). Not a test: timings depend on the machine. Run from the repository root:
//   swift build -c release --package-path Benchmarks --scratch-path .build-bench
//   .build-bench/release/CostModelBenchmark [--points 100000]
// Specs are built in code (YOCO-3B and its Transformer twin, H100 SXM as in Profiles/).

import CostModel

let yoco = ModelSpec(
    id: "yoco-3b", source: "BRIEF §2",
    architecture: .yoco(selfDecoder: .gatedRetention(heads: 24, headDim: 128, chunkTokens: 256), selfLayers: 13),
    layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100288)
let transformer = ModelSpec.transformer(
    id: "transformer-3b", source: "BRIEF §2", layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128,
    ffnSize: 8192, vocabSize: 100288)
let h100 = HardwareSpec(
    id: "h100-sxm-80gb", source: "NVIDIA H100 datasheet", memoryBytes: 85_520_809_984,
    runtimeOverheadBytes: 536_870_912, memoryBandwidthBytesPerSecond: 3.35e12,
    peakFlopsPerSecond: [.bf16: 989e12, .fp16: 989e12], computeEfficiency: 0.7, memoryEfficiency: 0.8,
    operatorOverheadSeconds: 5e-6)

var points = 100_000
let args = CommandLine.arguments
if let i = args.firstIndex(of: "--points"), i + 1 < args.count, let n = Int(args[i + 1]), n > 0 { points = n }

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Median microseconds of `body` over `runs` runs (after a warm-up).
func median(runs: Int, _ body: () throws -> Double) rethrows -> (micros: Double, sink: Double) {
    var sink = try body()
    var samples: [Double] = []
    samples.reserveCapacity(runs)
    for _ in 0..<runs {
        let start = clock.now
        sink += try body()
        samples.append(seconds(clock.now - start) * 1e6)
    }
    samples.sort()
    return (samples[samples.count / 2], sink)
}

print("cost-model benchmark (release build recommended); median of 2,000 runs each")
var sink = 0.0
let cases: [(String, ModelSpec, EstimateQuery)] = [
    ("yoco-3b 512K+1K batch max", yoco, EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .max, prefillChunkTokens: 4096)),
    ("transformer-3b 512K+1K batch max", transformer, EstimateQuery(promptTokens: 524_288, generatedTokens: 1024, batch: .max, prefillChunkTokens: 4096)),
    ("yoco-3b 32K+1K batch 8", yoco, EstimateQuery(promptTokens: 32768, generatedTokens: 1024, batch: .fixed(8))),
    ("yoco-3b 16M+1M batch 1 (huge G)", yoco, EstimateQuery(promptTokens: 1 << 23, generatedTokens: 1 << 20, batch: .fixed(1), prefillChunkTokens: 4096)),
]
for (name, model, query) in cases {
    let r = try median(runs: 2000) {
        do { return try model.estimate(on: h100, query).throughputTokensPerSecond } catch { return -1 }
    }
    sink += r.sink
    print("estimate  \(name): \(format2(r.micros)) µs per query")
}

// Where the time of one estimate goes (yoco-3b, 32K, batch 8).
let bf16 = DTypePlan.uniform(.bf16)
let parts: [(String, () -> Double)] = [
    ("memory breakdown", { Double(yoco.memory(MemoryQuery(batch: 8, promptTokens: 32768, generatedTokens: 1024, dtypes: bf16)).totalBytes) }),
    ("prefill operators", { Double(yoco.prefillCost(batch: 8, promptTokens: 32768, dtypes: bf16).operators.count) }),
    ("decode operators", { Double(yoco.decodeOperators(batch: 8, dtypes: bf16).count) }),
    ("validate model", { (try? yoco.validate()) == nil ? 0 : 1 }),
    ("validate hardware", { (try? h100.validate()) == nil ? 0 : 1 }),
    ("prefill seconds", { let r = try! RooflineRates(hardware: h100, computeDType: .bf16); return r.seconds(yoco.prefillCost(batch: 8, promptTokens: 32768, dtypes: bf16)) }),
    ("decode seconds", { let r = try! RooflineRates(hardware: h100, computeDType: .bf16); return yoco.decodeSeconds(batch: 8, promptTokens: 32768, generatedTokens: 1024, dtypes: bf16, rates: r) }),
    ("decode flops", { Double(yoco.decodeFlops(batch: 8, promptTokens: 32768, generatedTokens: 1024, dtypes: bf16).total) }),
]
for (name, body) in parts {
    let r = median(runs: 2000, body)
    sink += r.sink
    print("  part    \(name): \(format2(r.micros)) µs")
}

// A sweep: both models x contexts 1K, 1K+5, ... at batch max on the H100 (every point fits).
let perModel = points / 2
let start = clock.now
var ok = 0, failed = 0
for model in [yoco, transformer] {
    for i in 0..<perModel {
        let q = EstimateQuery(promptTokens: 1024 + 5 * i, generatedTokens: 1024, batch: .max, prefillChunkTokens: 4096)
        do {
            sink += try model.estimate(on: h100, q).throughputTokensPerSecond
            ok += 1
        } catch {
            failed += 1
        }
    }
}
let elapsed = seconds(clock.now - start)
print("sweep     \(ok + failed) points (\(failed) did not fit) in \(format2(elapsed)) s: \(Int(Double(ok + failed) / elapsed + 0.5)) points per second")
if sink.isNaN { print("(sink \(sink))") }  // keeps the work observable

func format2(_ x: Double) -> String {
    let hundredths = Int(x * 100 + 0.5)  // x >= 0; no libm needed
    let whole = hundredths / 100, frac = hundredths % 100
    return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
}
