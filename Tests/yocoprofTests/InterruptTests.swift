// Interrupting each writer at its final write (issue 16). With YOCOPROF_TEST_PAUSE_BEFORE_COMMIT
// the writer announces on standard error that its temporaries are complete and sleeps before the
// renames; the test then sends SIGINT — to the process, and to a thread other than the main one,
// since the kernel may deliver a Ctrl-C to any thread — and checks that the process waited for the
// whole set (exit 130), that every file of the set is new, and that no temporary is left.

import Foundation
import Testing

/// The built binary started with the commit pause, its standard error read as it comes.
final class PausedWriter: @unchecked Sendable {
    let process = Process()
    private let errors = Pipe()
    private(set) var stderr = ""

    init(_ args: [String], pauseSeconds: Int = 60) throws {
        process.executableURL = try #require(Binary.executable)
        process.arguments = args
        process.currentDirectoryURL = Binary.repoRoot
        var env = ProcessInfo.processInfo.environment
        env["YOCOPROF_PROFILES"] = nil
        env["YOCOPROF_TEST_PAUSE_BEFORE_COMMIT"] = String(pauseSeconds)
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
    }

    /// Reads standard error until the hook's line; false if the process ended first.
    func waitForPause() -> Bool {
        while !stderr.contains("test hook: paused before committing") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            stderr += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    /// Thread ids of the process, other than the main thread, that do not block SIGINT (a signal
    /// sent to a thread that blocks it would wait there forever). From /proc/PID/task/TID/status.
    var workerThreads: [pid_t] {
        let pid = process.processIdentifier
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.compactMap { pid_t($0) }.filter { tid in
            guard tid != pid, let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigBlk:") }),
                  let mask = UInt64(line.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            return mask & (1 << UInt64(SIGINT - 1)) == 0
        }
    }

    func finish() -> (reason: Process.TerminationReason, status: Int32) {
        stderr += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus)
    }
}

/// tgkill(2), which Glibc's Swift module does not export (it needs _GNU_SOURCE).
func tgkill(_ pid: pid_t, _ tid: pid_t, _ sig: Int32) -> Int32 {
    typealias Function = @convention(c) (pid_t, pid_t, Int32) -> Int32
    guard let symbol = dlsym(nil, "tgkill") else { return -1 }
    return unsafeBitCast(symbol, to: Function.self)(pid, tid, sig)
}

enum Delivery: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case process, workerThread
    var testDescription: String { rawValue }
}

@Suite("Interrupts at the final write: the whole set or nothing, no temporary", .serialized)
struct InterruptTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-interrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Interrupts `args` at its commit pause and returns the exit; `#expect`s exit 130.
    static func interruptAtCommit(_ args: [String], _ delivery: Delivery) throws {
        let w = try PausedWriter(args)
        guard w.waitForPause() else {
            let end = w.finish()
            Issue.record("the writer ended before its commit pause (\(end.status)): \(w.stderr)")
            return
        }
        let pid = w.process.processIdentifier
        switch delivery {
        case .process:
            kill(pid, SIGINT)
        case .workerThread:
            // OpenBLAS starts its workers when a kernel command (forward) opens it, SIGINT unblocked; the
            // analytic writers never open it and have no other thread, nor has a one-core machine.
            let workers = w.workerThreads
            if let tid = workers.first { #expect(tgkill(pid, tid, SIGINT) == 0) } else { kill(pid, SIGINT) }
        }
        let end = w.finish()
        #expect(end.reason == .exit && end.status == 130, "exit \(end.status) (\(end.reason)): \(w.stderr)")
    }

    static func hidden(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
    }

    @Test(arguments: Delivery.allCases)
    func plotWritesItsWholeFigureSet(_ delivery: Delivery) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let figures = ["memory", "prefill", "throughput", "kv-per-token"].map { dir.appendingPathComponent("\($0).svg") }
        for f in figures { try Data("old".utf8).write(to: f) }
        try Self.interruptAtCommit(["plot", "--context", "32K,64K", "--size-models", "yoco-160m,transformer-160m",
                                    "--output-dir", dir.path, "--format", "csv", "--output", dir.appendingPathComponent("r.csv").path], delivery)
        for f in figures { #expect(try String(contentsOf: f, encoding: .utf8).contains("<svg"), "\(f.lastPathComponent) is not new") }
        #expect(try Self.hidden(dir).isEmpty)
    }

    @Test(arguments: Delivery.allCases)
    func sweepWritesItsReport(_ delivery: Delivery) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("sweep.csv")
        try Data("old".utf8).write(to: out)
        try Self.interruptAtCommit(["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "1K..64K*2",
                                    "--output", out.path], delivery)
        #expect(try String(contentsOf: out, encoding: .utf8).hasPrefix("model,"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["sweep.csv"])
    }

    @Test(arguments: Delivery.allCases)
    func baselineUpdateWritesItsBaseline(_ delivery: Delivery) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("memory.csv")
        try Data("old".utf8).write(to: out)
        try Self.interruptAtCommit(["baseline", "update", "--baseline", out.path], delivery)
        let committed = try String(contentsOf: Binary.repoRoot.appendingPathComponent("Reports/baselines/memory.csv"), encoding: .utf8)
        #expect(try String(contentsOf: out, encoding: .utf8) == committed)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["memory.csv"])
    }

    @Test(arguments: Delivery.allCases)
    func forwardWritesItsWholeDump(_ delivery: Delivery) throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dump = dir.appendingPathComponent("dump")
        try Self.interruptAtCommit(["forward", "--model", "host-gqa", "--context", "16", "--dump", dump.path], delivery)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dump.path).sorted()
                == ["input.safetensors", "outputs.safetensors", "weights.safetensors"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["dump"])
    }

    @Test func calibrateWritesItsProfile() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile = dir.appendingPathComponent("host.json")
        try Data("old".utf8).write(to: profile)
        try Self.interruptAtCommit(["calibrate", "--quick", "--profile-output", profile.path, "--format", "csv"], .process)
        #expect(try String(contentsOf: profile, encoding: .utf8).contains("\"memory_bandwidth_bytes_per_second\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["host.json"])
    }

    @Test func validateWritesItsWholeReportSet() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let host = dir.appendingPathComponent("host.json").path, out = dir.appendingPathComponent("v")
        let calibrated = try Binary.run(["calibrate", "--quick", "--profile-output", host, "--format", "csv"])
        try #require(calibrated.status == 0, "\(calibrated.stderr)")
        let files = ["decode.svg", "host-profile.json", "operators-decode.svg", "operators-prefill.svg", "parity-decode.svg",
                     "parity-prefill.svg", "prefill.svg", "summary.md", "validation.csv"]
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: false)
        for f in files { try Data("old".utf8).write(to: out.appendingPathComponent(f)) }
        try Self.interruptAtCommit(["validate", "--suite", "quick", "--model", "host-gqa", "--hardware", host,
                                    "--output-dir", out.path, "--format", "csv"], .process)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == files)
        for f in files { #expect(try String(contentsOf: out.appendingPathComponent(f), encoding: .utf8) != "old", "\(f) is not new") }
    }

    /// An interrupt before the final write leaves nothing: no dump folder and no staging folder.
    @Test func forwardInterruptedWhileComputingLeavesNothing() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = try #require(Binary.executable)
        p.arguments = ["forward", "--model", "host-transformer", "--context", "4K", "--batch", "2", "--dump", dir.appendingPathComponent("dump").path]
        p.currentDirectoryURL = Binary.repoRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        p.interrupt()
        p.waitUntilExit()
        // 130 from the handler; killed by SIGINT if it came before the handler was set. If the run
        // beat the interrupt (a fast machine), the dump is complete: either way, no partial state.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        if p.terminationStatus == 0 && p.terminationReason == .exit {
            #expect(left == ["dump"])
        } else {
            #expect((p.terminationReason == .exit && p.terminationStatus == 130)
                    || (p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGINT))
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
