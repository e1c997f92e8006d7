// Where reports go (issue 16): nodes that are not regular files are written through, never
// replaced; links and permission bits survive; temporary names fit NAME_MAX; a write that fails
// (a full device, a file-size limit) exits 1 with one line and leaves the old file and no
// temporary. The full device is a private node made with mknod in a temporary folder, or a
// `ulimit -f 0` shell: the real /dev/full is never touched.

import Foundation
import Testing

@Suite("Output targets: write through, keep, or refuse; never replace a node")
struct OutputSafetyTests {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func entries(_ dir: URL) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() }

    static func fileType(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    /// Runs `sh -c script` with $YOCOPROF the binary's path.
    static func shell(_ script: String) throws -> RunResult {
        let exe = try #require(Binary.executable)
        return try Binary.run(["-c", script], environment: ["YOCOPROF": exe.path], program: URL(fileURLWithPath: "/bin/sh"))
    }

    @Test func characterDevicesAreWrittenThroughNotReplaced() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let null = dir.appendingPathComponent("null").path, full = dir.appendingPathComponent("full").path
        // Private copies of /dev/null (1,3) and /dev/full (1,7). mknod needs CAP_MKNOD: where it is
        // refused, the ulimit and FIFO tests below still cover writing through and failed writes.
        // glibc's makedev for major < 4096 and minor < 256 is (major << 8) | minor.
        guard mknod(null, S_IFCHR | 0o666, (1 << 8) | 3) == 0, mknod(full, S_IFCHR | 0o666, (1 << 8) | 7) == 0 else { return }
        let ok = try Binary.run(["models", "--output", null])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(Self.fileType(null) == S_IFCHR)
        let failed = try Binary.run(["models", "--output", full])
        #expect(failed.status == 1)
        #expect(failed.stderr == "error: cannot write \(full): No space left on device\n")
        #expect(Self.fileType(full) == S_IFCHR)
        // Standard output on the full device: the report is lost, so the exit code says so.
        let stdoutFull = try Self.shell("exec \"$YOCOPROF\" models --format csv > \(full)")
        #expect(stdoutFull.status == 1)
        #expect(stdoutFull.stderr == "error: cannot write standard output: No space left on device\n")
        #expect(try Self.entries(dir) == ["full", "null"])
    }

    @Test func aFIFOIsWrittenThrough() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        nonisolated(unsafe) var received = Data()
        let reader = Thread { received = FileHandle(forReadingAtPath: fifo)!.readDataToEndOfFile() }
        reader.start()
        let r = try Binary.run(["models", "--format", "csv", "--output", fifo])
        #expect(r.status == 0, "\(r.stderr)")
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        let direct = try Binary.run(["models", "--format", "csv"])
        #expect(String(decoding: received, as: UTF8.self) == direct.stdout)
        #expect(Self.fileType(fifo) == S_IFIFO)
        #expect(try Self.entries(dir) == ["fifo"])
    }

    @Test func devStdoutWritesToTheDescriptor() throws {
        let r = try Binary.run(["models", "--format", "csv", "--output", "/dev/stdout"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("id,architecture,"))
    }

    @Test func aLinkToDevStdoutWritesToTheDescriptor() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let link = dir.appendingPathComponent("latest.csv")
        #expect(symlink("/dev/stdout", link.path) == 0)
        let r = try Binary.run(["models", "--format", "csv", "--output", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("id,architecture,"))
        #expect(Self.fileType(link.path) == S_IFLNK)
        #expect(try Self.entries(dir) == ["latest.csv"])
    }

    @Test func aSymlinkStaysALinkAndTheModeIsKept() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("report.csv"), link = dir.appendingPathComponent("latest.csv")
        try Data("old\n".utf8).write(to: target)
        #expect(chmod(target.path, 0o640) == 0)
        #expect(symlink("report.csv", link.path) == 0)
        let r = try Binary.run(["models", "--format", "csv", "--output", link.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.fileType(link.path) == S_IFLNK)
        #expect(try String(contentsOf: target, encoding: .utf8).hasPrefix("id,architecture,"))
        var st = stat()
        #expect(stat(target.path, &st) == 0 && st.st_mode & 0o7777 == 0o640)
        #expect(try Self.entries(dir) == ["latest.csv", "report.csv"])
    }

    @Test func aNameAtNAME_MAXStillGetsATemporary() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = String(repeating: "r", count: 251) + ".csv"  // 255 bytes, NAME_MAX
        let r = try Binary.run(["models", "--format", "csv", "--output", dir.appendingPathComponent(name).path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Self.entries(dir) == [name])
    }

    @Test func aFileSizeLimitFailsCleanly() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = dir.appendingPathComponent("old.csv")
        try Data("old\n".utf8).write(to: old)
        // Through --output: the old file stays whole, no temporary is left.
        let viaOutput = try Self.shell("ulimit -f 0; exec \"$YOCOPROF\" models --format csv --output \(old.path)")
        #expect(viaOutput.status == 1)
        #expect(viaOutput.stderr == "error: cannot write \(old.path): File too large\n")
        #expect(try String(contentsOf: old, encoding: .utf8) == "old\n")
        // Through standard output (`>>` into a summary file on a full disk): exit 1, not 0.
        let viaStdout = try Self.shell("ulimit -f 0; exec \"$YOCOPROF\" baseline check --format markdown >> \(dir.path)/summary.md")
        #expect(viaStdout.status == 1)
        #expect(viaStdout.stderr == "error: cannot write standard output: File too large\n")
        #expect(try Self.entries(dir) == ["old.csv", "summary.md"])
    }
}
