// Tiny models built in code (d 32, 2 layers, V 64) so that a measured run takes milliseconds even in
// a debug build, and a tiny calibration.

import CostModel
import Foundation
import TestSupport
import Kernels
import Profiler

enum Fixtures {
    static func model(_ id: String, _ architecture: Architecture, kvHeads: Int = 2) -> ModelSpec {
        ModelSpec(id: id, source: "test", architecture: architecture, layers: 2, hiddenSize: 32, heads: 4,
                  kvHeads: kvHeads, headDim: 8, ffnSize: 64, vocabSize: 64, dtypes: .uniform(.fp32))
    }

    static let yocoGRet = model("tiny-yoco-gret", .yoco(selfDecoder: .gatedRetention(heads: 4, headDim: 8, chunkTokens: 4), selfLayers: 1))
    static let yocoSWA = model("tiny-yoco-swa", .yoco(selfDecoder: .slidingWindow(window: 4), selfLayers: 1))
    static let gqa = model("tiny-gqa", .transformer(window: nil))
    /// tiny-gqa with every feed-forward 4 SwiGLU experts of 16, top-2 (the routed-expert kernel).
    static let moe: ModelSpec = {
        var s = model("tiny-moe", .transformer(window: nil))
        s.runs[0].block.feedForward = .experts(Experts(count: 4, active: 2, inner: 16))
        return s
    }()

    static var tinyCalibration: CalibrationSettings {
        CalibrationSettings(
            repeats: 3, squareSizes: [64], kernelShapes: GemmShape.kernelShapes(for: [yocoGRet], rows: [16]),
            streamArrayBytes: 64 << 10, overheadCalls: 20, minimumSampleSeconds: 0.0005)
    }

    /// A fresh empty folder under the system's temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-profiler-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static let repoRoot = BuiltExecutable.repoRoot
    /// The yocoprof executable beside the test bundle (swift build --build-tests builds it).
    static let executable = BuiltExecutable.yocoprof
}
