// Tiny models built in code (d 32, 2 layers, V 64) so that a measured run takes milliseconds even in
// a debug build, and a tiny calibration.

import CostModel
import Foundation
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

    /// The repository root: this file is Tests/ProfilerTests/Fixtures.swift.
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The yocoprof executable beside the test bundle (swift build --build-tests builds it).
    static let executable: URL? = {
        var dirs: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dirs.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            dirs.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let arg0 = CommandLine.arguments.first {
            dirs.append(URL(fileURLWithPath: arg0).standardizedFileURL.deletingLastPathComponent())
        }
        for dir in dirs {
            var d = dir
            for _ in 0..<4 {
                let url = d.appendingPathComponent("yocoprof")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: url.path) { return url }
                d = d.deletingLastPathComponent()
            }
        }
        return nil
    }()
}
