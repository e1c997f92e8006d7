// Shared helpers for the kernel tests: seeded arrays, comparisons and small model shapes.

import CostModel
@testable import Kernels

func randomArray(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in scale * rng.nextSymmetric() }
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func maxAbs(_ a: [Float]) -> Float { a.reduce(0) { max($0, abs($1)) } }

/// Small shapes that exercise every path: odd vocabulary, GQA 4:2, gRet chunk 4, window 5.
enum TestModels {
    static func spec(_ id: String, _ arch: Architecture, kvHeads: Int = 2, layers: Int = 4, selfKVHeads: Int? = nil) -> ModelSpec {
        ModelSpec(id: id, source: "test", architecture: arch, layers: layers, hiddenSize: 32, heads: 4, kvHeads: kvHeads,
                  headDim: 8, ffnSize: 48, vocabSize: 53, dtypes: .uniform(.fp32), selfDecoderKVHeads: selfKVHeads)
    }
    static let mha = spec("t-mha", .transformer(window: nil), kvHeads: 4)
    static let gqa = spec("t-gqa", .transformer(window: nil))
    static let gqaWindow = spec("t-gqa-w", .transformer(window: 5))
    static let yocoGRet = spec("t-yoco-gret", .yoco(selfDecoder: .gatedRetention(heads: 2, headDim: 8, chunkTokens: 4), selfLayers: 2))
    static let yocoSWA = spec("t-yoco-swa", .yoco(selfDecoder: .slidingWindow(window: 5), selfLayers: 2))
    static let yocoSWAGQA = spec("t-yoco-swa-gqa", .yoco(selfDecoder: .slidingWindow(window: 5), selfLayers: 2), selfKVHeads: 1)
    /// Window 5 on layers 0 and 2 among full layers 1 and 3 (the interleaved local/global path).
    static let gqaInterleaved = FamilyShape(
        id: "t-gqa-interleaved", source: "test", architecture: .transformer(window: 5), layers: 4, hiddenSize: 32, heads: 4,
        kvHeads: 2, headDim: 8, ffnSize: 48, vocabSize: 53, dtypes: .uniform(.fp32), slidingLayers: [true, false, true, false]).spec
    /// CLA2: layers 1 and 3 read the slots of layers 0 and 2.
    static let gqaCLA2 = FamilyShape(
        id: "t-gqa-cla2", source: "test", architecture: .transformer(window: nil), layers: 4, hiddenSize: 32, heads: 4,
        kvHeads: 2, headDim: 8, ffnSize: 48, vocabSize: 53, dtypes: .uniform(.fp32), crossLayerGroup: 2).spec
    static let all = [mha, gqa, gqaWindow, yocoGRet, yocoSWA, yocoSWAGQA, gqaInterleaved, gqaCLA2]
}

/// Small tiles so short test sequences cross several tile boundaries.
let smallTiling = AttentionKernelTiling(queryTile: 4, keyTile: 8, workers: 1)
