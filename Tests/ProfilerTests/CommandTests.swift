// End to end through the built binary: calibrate and profile write complete files or none.

import Foundation
import Testing

@Suite("calibrate and profile commands", .serialized)
struct CommandTests {
    struct Run { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String]) throws -> Run {
        let exe = try #require(Fixtures.executable, "the yocoprof executable was not built beside the test bundle")
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        p.currentDirectoryURL = Fixtures.repoRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test("calibrate --quick writes a profile and a report, both complete, and no temporary file")
    func calibrateWrites() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let profile = dir.appendingPathComponent("host-x.json"), report = dir.appendingPathComponent("report.json")
        let r = try Self.run(["calibrate", "--quick", "--repeat", "1", "--id", "host-x", "--model", "host-yoco-gret",
                              "--profile-output", profile.path, "--format", "json", "--output", report.path])
        #expect(r.status == 0, "\(r.stderr)")
        let items = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(items == ["host-x.json", "report.json"])
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: profile)) is [String: Any])
        #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) is [Any])
        let listed = try Self.run(["hardware", "--format", "csv", "--profiles", Fixtures.repoRoot.appendingPathComponent("Profiles").path])
        #expect(listed.status == 0)
    }

    @Test("profile prints counters with their availability and the OpenBLAS core")
    func profileCounters() throws {
        let r = try Self.run(["profile", "--model", "host-yoco-gret", "--context", "16,32", "--generate", "2", "--repeat", "1", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 2)
        for row in rows {
            #expect(row["openblas_core"] as? String == "SkylakeX" || (row["openblas_core"] as? String)?.isEmpty == false)
            #expect((row["sde_matmul_flops_availability"] as? String)?.hasPrefix("available") == true)
            #expect(row["kv_cache_bytes"] as? Int == row["kv_cache_bytes_predicted"] as? Int)
            let cycles = try #require(row["cycles_availability"] as? String)
            #expect(cycles.hasPrefix("available") || cycles.hasPrefix("unavailable: "))
            if cycles.hasPrefix("unavailable") { #expect(row["prefill_cycles"] is NSNull) }
        }
    }

    @Test("a refused run writes nothing and exits 1 with the prediction and the limit")
    func refusedWritesNothing() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("runs.csv")
        let r = try Self.run(["profile", "--model", "host-yoco-gret", "--context", "8M", "--generate", "1", "--output", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("predicted memory") && r.stderr.contains("exceeds the limit"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("Ctrl-C during a run leaves no report and no temporary file")
    func interruptLeavesNothing() throws {
        let exe = try #require(Fixtures.executable)
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("runs.csv")
        let p = Process()
        p.executableURL = exe
        p.arguments = ["profile", "--model", "host-transformer", "--context", "4K", "--generate", "64", "--repeat", "20", "--output", out.path]
        p.currentDirectoryURL = Fixtures.repoRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        p.interrupt()
        p.waitUntilExit()
        // 130 from the command's handler; killed by SIGINT if it came before the handler was set.
        #expect((p.terminationReason == .exit && p.terminationStatus == 130)
                || (p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGINT))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
