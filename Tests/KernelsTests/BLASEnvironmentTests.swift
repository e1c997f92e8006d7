// The OpenBLAS environment: self-check, a forced core judged against the CPU's flags (runnable,
// or weaker than the CPU and so refused for measurement), the same table in
// scripts/openblas-coretype.sh, and the report line naming the core and the kernels' SIMD path.

import Foundation
import Testing
@testable import Kernels

@Suite struct BLASEnvironmentTests {
    /// /proc/cpuinfo flags of an AMD EPYC Zen 3 (the ones the table looks at) and of a Skylake-SP.
    static let zen3: Set<String> = ["sse2", "pni", "ssse3", "sse4_1", "sse4_2", "sse4a", "avx", "avx2", "fma", "3dnowprefetch"]
    static let skylakeSP: Set<String> = ["sse2", "pni", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "fma",
                                         "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func sgemmSelfCheckPasses() throws {
        try BLASEnvironment.checkSgemm()
    }

    @Test func coresRankedBelowTheCPUAreFallbacks() {
        let env = BLASEnvironment(coreName: "Prescott", threads: 2, coreTypeVariable: nil, cpuHasAVX512F: true, cpuHasAVX2: true)
        #expect(env.isFallback)
        #expect(throws: KernelError.self) { try env.requireNativeKernels() }
        let ok = BLASEnvironment(coreName: "SkylakeX", threads: 2, coreTypeVariable: "SkylakeX", cpuHasAVX512F: true, cpuHasAVX2: true)
        #expect(!ok.isFallback)
        let old = BLASEnvironment(coreName: "Prescott", threads: 1, coreTypeVariable: nil, cpuHasAVX512F: false, cpuHasAVX2: false)
        #expect(!old.isFallback)  // a CPU without AVX2 has nothing better
        // issue 16: weaker cores forced on an AVX2 machine ran measured, about 1.8x slower
        for core in ["Penryn", "Dunnington", "Barcelona", "Bobcat", "Nehalem", "Sandybridge", "unknown"] {
            let weak = BLASEnvironment(coreName: core, threads: 2, coreTypeVariable: core, cpuHasAVX512F: false, cpuHasAVX2: true)
            #expect(weak.isFallback, "\(core) on AVX2")
        }
        for core in ["Haswell", "Zen"] {
            #expect(!BLASEnvironment(coreName: core, threads: 2, coreTypeVariable: nil, cpuHasAVX512F: false, cpuHasAVX2: true).isFallback)
            #expect(BLASEnvironment(coreName: core, threads: 2, coreTypeVariable: core, cpuHasAVX512F: true, cpuHasAVX2: true).isFallback)
        }
    }

    @Test func forcedCoresAreJudgedAgainstTheCPUFlags() {
        func unrunnable(_ core: String, _ flags: Set<String>) -> [String]? {
            BLASEnvironment.unrunnableCoreType(["OPENBLAS_CORETYPE": core], cpuFlags: flags)?.missing
        }
        // the cores that died with SIGILL on a Zen 3 when forced (OpenBLASCores.swift), any case
        #expect(unrunnable("SkylakeX", Self.zen3) == ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])
        #expect(unrunnable("skylakex", Self.zen3) != nil)
        for core in ["Bulldozer", "Piledriver", "Steamroller", "Excavator", "Opteron", "Opteron_SSE3", "Cooperlake"] {
            #expect(unrunnable(core, Self.zen3) != nil, "\(core) on Zen 3")
        }
        for core in ["Prescott", "Penryn", "Barcelona", "Bobcat", "Sandybridge", "Haswell", "Zen"] {
            #expect(unrunnable(core, Self.zen3) == nil, "\(core) on Zen 3")
        }
        #expect(unrunnable("SkylakeX", Self.skylakeSP) == nil)
        #expect(unrunnable("Barcelona", Self.skylakeSP) == ["sse4a"])  // an AMD-only flag
        #expect(unrunnable("NoSuchCore", Self.zen3) == nil)  // OpenBLAS ignores names it does not know
        #expect(BLASEnvironment.unrunnableCoreType([:], cpuFlags: Self.zen3) == nil)
        #expect(OpenBLASCore.suggested(cpuFlags: Self.skylakeSP) == "SkylakeX")
        #expect(OpenBLASCore.suggested(cpuFlags: Self.zen3) == nil)
    }

    /// scripts/openblas-coretype.sh (what make exports) holds the same table: for every listed core
    /// and both CPUs it keeps a runnable forced core and drops an unrunnable one.
    @Test func theMakeScriptAgreesWithTheTable() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/openblas-coretype.sh")
        for flags in [Self.zen3, Self.skylakeSP] {
            let cpuinfo = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(UUID().uuidString)")
            try "processor\t: 0\nflags\t\t: \(flags.sorted().joined(separator: " "))\n".write(to: cpuinfo, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: cpuinfo) }
            for core in OpenBLASCore.known.map(\.name) + ["", "NoSuchCore"] {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/bin/bash")
                p.arguments = [script.path]
                var env = ProcessInfo.processInfo.environment
                env["YOCOPROF_CPUINFO"] = cpuinfo.path
                if core.isEmpty { env.removeValue(forKey: "OPENBLAS_CORETYPE") } else { env["OPENBLAS_CORETYPE"] = core }
                p.environment = env
                let out = Pipe()
                p.standardOutput = out
                p.standardError = Pipe()
                try p.run()
                p.waitUntilExit()
                let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let runnable = BLASEnvironment.unrunnableCoreType(core.isEmpty ? [:] : ["OPENBLAS_CORETYPE": core], cpuFlags: flags) == nil
                let want = core.isEmpty || !runnable ? (OpenBLASCore.suggested(cpuFlags: flags) ?? "") : core
                #expect(printed == want, "core '\(core)' on \(flags.contains("avx512f") ? "Skylake-SP" : "Zen 3")")
            }
        }
    }

    @Test func reportsTheCoreNameAndKernelPath() {
        let env = BLASEnvironment.current()
        #expect(!env.coreName.isEmpty)
        #expect(env.threads >= 1)
        #expect(env.simdPath == SIMDPath.current)
        #expect(env.description.contains("OpenBLAS core \(env.coreName)"))
        #expect(env.description.contains("kernels \(SIMDPath.current.rawValue)"))
    }

    /// The CPUs in /proc/self/status's `Cpus_allowed_list` ("0-3,6"), or nil off Linux.
    static func allowedCPUsFromProcStatus() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        var n = 0
        for part in list.split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            guard let first = ends.first else { return nil }
            n += (ends.last ?? first) - first + 1
        }
        return n
    }

    @Test(.enabled(if: allowedCPUsFromProcStatus() != nil))
    func usableCoresFollowTheAffinityMask() throws {
        // The kernel's own account of the affinity mask, read independently of sched_getaffinity.
        #expect(UsableCores.count == (try #require(Self.allowedCPUsFromProcStatus())))
        #expect(AttentionKernelTiling.default.workers == UsableCores.count)
        #expect(GatedRetention.defaultWorkers == UsableCores.count)
    }

    @Test func aThreadCountSetInsideOverlappingRegionsWaitsForTheLastToLeave() {
        let before = BLAS.threads
        defer { BLAS.threads = before }
        let firstIn = DispatchSemaphore(value: 0), secondIn = DispatchSemaphore(value: 0), firstOut = DispatchSemaphore(value: 0)
        final class Seen: @unchecked Sendable { var threads = 0 }  // written by the thread, read after it signals `joined`
        let seen = Seen(), joined = DispatchSemaphore(value: 0)
        let other = Thread {
            defer { joined.signal() }
            firstIn.wait()
            BLAS.singleThreaded {
                secondIn.signal()
                firstOut.wait()  // the first region has left; this one is still open
                seen.threads = BLAS.threads
            }
        }
        other.start()
        BLAS.singleThreaded {
            #expect(BLAS.threads == 1)
            firstIn.signal()
            secondIn.wait()  // both regions open
            BLAS.threads = 2  // set while regions are open: deferred, not applied
            #expect(BLAS.threads == 1)
        }
        firstOut.signal()
        joined.wait()
        #expect(seen.threads == 1)  // the first region leaving did not restore the count under the second
    }
}
