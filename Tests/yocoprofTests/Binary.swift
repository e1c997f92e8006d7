// Runs the built `yocoprof` executable (it sits beside the test bundle in the products folder) and
// captures its exit status, standard output and standard error.

import Foundation
import TestSupport
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
    static let repoRoot = BuiltExecutable.repoRoot
    static let executable = BuiltExecutable.yocoprof

    /// Runs `yocoprof args...` in `directory` (the repository root by default); `environment` sets
    /// (or, with nil, removes) variables on top of this process's; `program` replaces yocoprof (a
    /// shell that runs it, say).
    static func run(_ args: [String], in directory: URL? = nil, environment: [String: String?] = [:],
                    program: URL? = nil) throws -> RunResult {
        let built = try #require(executable, "the yocoprof executable was not built beside the test bundle")
        let exe = program ?? built
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = directory ?? repoRoot
        var env = ProcessInfo.processInfo.environment
        env["YOCOPROF_PROFILES"] = nil
        env["COLUMNS"] = "100"
        for (k, v) in environment { env[k] = v }
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
