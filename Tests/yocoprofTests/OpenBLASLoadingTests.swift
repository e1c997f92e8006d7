// OpenBLAS only where the kernels run (issue 13): the executable does not link it, the analytic
// commands run with it unloadable and under any OPENBLAS_CORETYPE (never mapping it), and a
// command that runs the kernels refuses in one line naming the library when it cannot be opened.

import Foundation
import Kernels
import Testing

@Suite struct OpenBLASLoadingTests {
    static let onLinux = FileManager.default.fileExists(atPath: "/proc/self/maps")  // Linux: /proc, glibc, ELF

    /// A file that cannot exist: what YOCOPROF_OPENBLAS names to make OpenBLAS unloadable.
    static let missingLibrary = "/nonexistent-yocoprof-test/libopenblas.so.0"

    /// OpenBLAS unloadable, a forced core this CPU may not run (SkylakeX on an AVX2 machine), and the
    /// variable kept as it is: a command that opened the library would refuse on either count.
    static let withoutOpenBLAS: [String: String?] = [
        "YOCOPROF_OPENBLAS": missingLibrary, "OPENBLAS_CORETYPE": "SkylakeX", "YOCOPROF_NO_REEXEC": "1",
    ]

    @Test(.enabled(if: onLinux, "ELF dynamic section"))
    func theExecutableDoesNotLinkOpenBLAS() throws {
        let exe = try #require(Binary.executable)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["readelf", "-d", exe.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "readelf -d \(exe.path) (binutils, which the Swift toolchain needs on Linux)")
        let needed = text.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libc.so") }, "\(text)")  // the listing was read
        #expect(!needed.contains { $0.lowercased().contains("openblas") }, "\(needed)")
    }

    @Test(arguments: [
        ["memory", "--model", "yoco-3b", "--context", "4096", "--format", "json"],
        ["capacity", "--model", "yoco-3b", "--memory", "80GiB", "--context", "32K"],
        ["estimate", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "32K", "--generate", "128"],
        ["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "1K..4K*2"],
        ["models"],
        ["hardware"],
        ["inspect", "--model", "yoco-3b"],
        ["baseline", "check"],
    ])
    func analyticCommandsRunWithoutOpenBLAS(_ args: [String]) throws {
        let run = try Binary.run(args, environment: Self.withoutOpenBLAS)
        #expect(run.status == 0, "\(args): \(run.stderr)")
        #expect(run.stderr.isEmpty, "\(args): \(run.stderr)")
        #expect(!run.stdout.isEmpty)
    }

    /// The dump folder of a refused `forward`: it must not be created.
    static func refusedForward(_ environment: [String: String?]) throws -> (RunResult, dumpExists: Bool) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-noblas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Binary.run(["forward", "--model", "host-transformer", "--context", "8", "--seed", "1", "--dump", dir],
                                 environment: environment)
        return (run, FileManager.default.fileExists(atPath: dir))
    }

    @Test func aKernelCommandRefusesInOneLineNamingTheLibrary() throws {
        let (run, dumpExists) = try Self.refusedForward(["YOCOPROF_OPENBLAS": Self.missingLibrary])
        #expect(run.status == 1, "\(run.stderr)")  // a KernelError: a failure, not a signal or a loader abort (127)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("error: cannot load OpenBLAS (YOCOPROF_OPENBLAS=\(Self.missingLibrary)):"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(!dumpExists)
    }

    @Test(.enabled(if: onLinux, "glibc's libm.so.6"))
    func aLibraryThatIsNotOpenBLASIsRefusedNamingTheSymbol() throws {
        let (run, dumpExists) = try Self.refusedForward(["YOCOPROF_OPENBLAS": "libm.so.6"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr == "error: libm.so.6 has no symbol cblas_sgemm, which the kernels call: it is not OpenBLAS or lacks its CBLAS interface; point YOCOPROF_OPENBLAS at libopenblas.so.0 or unset it\n")
        #expect(!dumpExists)
    }

    /// YOCOPROF_OPENBLAS naming the very file the default search finds gives the same dump.
    @Test(.enabled(if: onLinux, "the mapped file's path"))
    func theOverrideOpensTheFileItNames() throws {
        try BLAS.load()
        let path = try #require(BLAS.libraryPath)
        let dirs = (0..<2).map { _ in FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-blas-\(UUID().uuidString)").path }
        defer { for d in dirs { try? FileManager.default.removeItem(atPath: d) } }
        for (dir, env) in zip(dirs, [["YOCOPROF_OPENBLAS": path], [:]] as [[String: String?]]) {
            let run = try Binary.run(["forward", "--model", "host-transformer", "--context", "8", "--seed", "1", "--dump", dir],
                                     environment: env)
            #expect(run.status == 0, "\(run.stderr)")
        }
        let outputs = try dirs.map { try Data(contentsOf: URL(fileURLWithPath: $0).appendingPathComponent("outputs.safetensors")) }
        #expect(outputs[0] == outputs[1])
    }

    /// The libraries a paused writer has mapped (/proc/PID/maps), then its end.
    static func mappedWhilePaused(_ args: [String]) throws -> String {
        let w = try PausedWriter(args)
        defer { kill(w.process.processIdentifier, SIGKILL); _ = w.finish() }
        try #require(w.waitForPause(), "\(w.stderr)")
        return try String(contentsOfFile: "/proc/\(w.process.processIdentifier)/maps", encoding: .utf8)
    }

    /// At run time, not only in the link: an analytic writer never maps OpenBLAS, `forward` does.
    @Test(.enabled(if: onLinux, "/proc/PID/maps"))
    func onlyTheKernelCommandsMapOpenBLAS() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-maps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sweep = try Self.mappedWhilePaused(["sweep", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "1K",
                                                "--output", dir.appendingPathComponent("s.csv").path])
        #expect(sweep.contains("libc.so"))  // the maps were read
        #expect(!sweep.contains("openblas"))
        let forward = try Self.mappedWhilePaused(["forward", "--model", "host-gqa", "--context", "8",
                                                  "--dump", dir.appendingPathComponent("dump").path])
        #expect(forward.contains("openblas"))
    }
}
