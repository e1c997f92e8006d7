// Runs the built `yocoprof` executable (it sits beside the test bundle in the products folder) and
// captures its exit status, standard output and standard error.

import Foundation
import Testing

struct RunResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The output parsed as one JSON object.
    func object() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "stdout: \(stdout)\nstderr: \(stderr)")
    }
}

enum Binary {
    /// The repository root: this file is Tests/yocoprofTests/Binary.swift.
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The products folder holding the test bundle and the executable.
    static let executable: URL? = {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).standardizedFileURL.deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(repoRoot.appendingPathComponent(".build/debug"))
        for dir in candidates {
            // On macOS the bundle is Foo.xctest/Contents/MacOS/Foo: walk a few levels up.
            var d = dir
            for _ in 0..<4 {
                let url = d.appendingPathComponent("yocoprof")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: url.path) {
                    return url
                }
                d = d.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// Runs `yocoprof args...` in `directory` (the repository root by default).
    static func run(_ args: [String], in directory: URL? = nil) throws -> RunResult {
        let exe = try #require(executable, "the yocoprof executable was not built beside the test bundle")
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = directory ?? repoRoot
        var env = ProcessInfo.processInfo.environment
        env["YOCOPROF_PROFILES"] = nil
        env["COLUMNS"] = "100"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes to the end before waiting, so a large report cannot fill a pipe and block.
        let group = DispatchGroup()
        nonisolated(unsafe) var stderrData = Data()
        group.enter()
        DispatchQueue.global().async {
            stderrData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus,
                         stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

extension [String: Any] {
    /// An integer value of a parsed JSON report (exact for the sizes these tests use, all < 2^63).
    func int(_ key: String) throws -> Int128 {
        let n = try #require(self[key] as? NSNumber, "`\(key)` is not a number in \(self)")
        return Int128(n.int64Value)
    }
}
