// Environment faults end to end (issue 13): an OPENBLAS_CORETYPE this CPU cannot run no longer
// dies with SIGILL (a command that runs the kernels replaces it before opening OpenBLAS and says
// so in one line, or, with YOCOPROF_NO_REEXEC, refuses naming the variable), analytic commands
// never open OpenBLAS and say nothing, and YOCOPROF_SIMD naming a path the CPU lacks (or no path)
// is refused.

import Foundation
import Kernels
import Testing

@Suite struct EnvironmentFaultTests {
    /// A listed OpenBLAS core this CPU cannot run: SkylakeX where the CPU lacks AVX-512 (the
    /// issue's own case), else the first unrunnable one in the table; nil where /proc/cpuinfo has
    /// no x86 flags line (aarch64, macOS), and the tests below are then skipped.
    static let unrunnableCore: String? = {
        let flags = BLASEnvironment.cpuFlags()
        guard !flags.isEmpty else { return nil }
        let unrunnable = OpenBLASCore.known.filter { !$0.missingFlags(cpuFlags: flags).isEmpty }
        return (unrunnable.first { $0.name == "SkylakeX" } ?? unrunnable.first)?.name
    }()

    static func forward(_ dir: String, environment: [String: String?]) throws -> RunResult {
        try Binary.run(["forward", "--model", "host-transformer", "--context", "8", "--seed", "1", "--dump", dir],
                       environment: environment)
    }

    static func scratchFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-envfault-\(UUID().uuidString)").path
    }

    @Test(.enabled(if: unrunnableCore != nil, "every listed core runs on this CPU, or it has no x86 flags"))
    func anUnrunnableForcedCoreIsReplacedNotACrash() throws {
        let core = try #require(Self.unrunnableCore, "every listed core runs here")
        let memory = try Binary.run(["memory", "--model", "yoco-3b", "--context", "4096", "--format", "json"],
                                    environment: ["OPENBLAS_CORETYPE": core])
        #expect(memory.status == 0, "\(memory.stderr)")
        #expect(memory.stderr.isEmpty, "\(memory.stderr)")  // it never opens OpenBLAS: nothing to replace

        let dir = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.forward(dir, environment: ["OPENBLAS_CORETYPE": core])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("OPENBLAS_CORETYPE=\(core) replaced"))
        #expect(!run.stdout.contains("OpenBLAS core \(core)"))
        #expect(run.stderr.hasPrefix("note: OPENBLAS_CORETYPE=\(core) needs CPU flags"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1)  // one line
    }

    @Test(.enabled(if: unrunnableCore != nil, "every listed core runs on this CPU, or it has no x86 flags"))
    func withoutReexecTheKernelsRefuseNamingTheVariable() throws {
        let core = try #require(Self.unrunnableCore, "every listed core runs here")
        let dir = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.forward(dir, environment: ["OPENBLAS_CORETYPE": core, "YOCOPROF_NO_REEXEC": "1"])
        #expect(run.status == 1)  // a refusal, not a signal (SIGILL would read 132 / a crash dump)
        #expect(run.stderr.contains("OPENBLAS_CORETYPE=\(core) needs the CPU flags"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/weights.safetensors"))
    }

    @Test(arguments: ["sse9", "AVX2 "] + SIMDPath.allCases.filter { !$0.isSupported }.map(\.rawValue))
    func aSIMDPathTheCPUCannotRunIsRefused(value: String) throws {
        let dir = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.forward(dir, environment: ["YOCOPROF_SIMD": value])
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.stderr.contains("YOCOPROF_SIMD=\(value)"))
    }

    @Test(arguments: SIMDPath.supported)
    func everySupportedPathCanBeForced(path: SIMDPath) throws {
        let dir = Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.forward(dir, environment: ["YOCOPROF_SIMD": path.rawValue])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("kernels \(path.rawValue)"))
    }
}
