// The OpenBLAS 0.3.21 x86-64 cores a user may force with OPENBLAS_CORETYPE, judged against the
// CPU's flags (/proc/cpuinfo) rather than a fixed list of names (issues 13 and 16):
//   runnable  every flag the core's kernels need is present; otherwise they die with SIGILL.
//             Checked on an AMD EPYC Zen 3 (avx2, fma, no avx512, no fma4, no 3dnow) by forcing
//             each name into a small sgemm: Opteron and Opteron_SSE3 (3DNow!), Bulldozer,
//             Piledriver, Steamroller, Excavator (FMA4 / XOP) and SkylakeX die there; the rest run.
//   rank      the widest vector ISA the core's sgemm uses: 0 SSE, 1 AVX, 2 AVX2 + FMA, 3 AVX-512.
//             A core ranked below the CPU (Prescott, Penryn, Dunnington, Barcelona, Bobcat,
//             Sandybridge on an AVX2 machine) runs, but far below the machine: measured commands
//             refuse it (BLASEnvironment.requireNativeKernels).
// Names are matched case-insensitively, as OpenBLAS does; a name not listed here is one OpenBLAS
// ignores (it autodetects), so it is neither refused nor replaced. scripts/openblas-coretype.sh
// holds the same table for make; BLASEnvironmentTests checks the two agree.

public struct OpenBLASCore: Sendable, Hashable {
    public var name: String
    /// /proc/cpuinfo flags the core's kernels execute.
    public var requiredFlags: [String]
    public var rank: Int

    public static let sse = 0, avx = 1, avx2 = 2, avx512 = 3

    static let avx512Flags = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    static let amdFMA4Flags = ["avx", "fma4", "xop"]

    public static let known: [OpenBLASCore] = [
        .init(name: "Katmai", requiredFlags: ["sse2"], rank: sse),
        .init(name: "Coppermine", requiredFlags: ["sse2"], rank: sse),
        .init(name: "Northwood", requiredFlags: ["sse2"], rank: sse),
        .init(name: "Banias", requiredFlags: ["sse2"], rank: sse),
        .init(name: "Athlon", requiredFlags: ["sse2"], rank: sse),
        .init(name: "Prescott", requiredFlags: ["pni"], rank: sse),
        .init(name: "Opteron", requiredFlags: ["sse2", "3dnow"], rank: sse),
        .init(name: "Opteron_SSE3", requiredFlags: ["pni", "3dnow"], rank: sse),
        .init(name: "Atom", requiredFlags: ["ssse3"], rank: sse),
        .init(name: "Core2", requiredFlags: ["ssse3"], rank: sse),
        .init(name: "Nano", requiredFlags: ["ssse3"], rank: sse),
        .init(name: "Penryn", requiredFlags: ["sse4_1"], rank: sse),
        .init(name: "Dunnington", requiredFlags: ["sse4_1"], rank: sse),
        .init(name: "Nehalem", requiredFlags: ["sse4_2"], rank: sse),
        .init(name: "Barcelona", requiredFlags: ["pni", "sse4a"], rank: sse),
        .init(name: "Bobcat", requiredFlags: ["ssse3", "sse4a"], rank: sse),
        .init(name: "Sandybridge", requiredFlags: ["avx"], rank: avx),
        .init(name: "Bulldozer", requiredFlags: amdFMA4Flags, rank: avx),
        .init(name: "Piledriver", requiredFlags: amdFMA4Flags + ["fma"], rank: avx),
        .init(name: "Steamroller", requiredFlags: amdFMA4Flags + ["fma"], rank: avx),
        .init(name: "Excavator", requiredFlags: amdFMA4Flags + ["fma"], rank: avx),
        .init(name: "Haswell", requiredFlags: ["avx2", "fma"], rank: avx2),
        .init(name: "Zen", requiredFlags: ["avx2", "fma"], rank: avx2),
        .init(name: "SkylakeX", requiredFlags: avx512Flags, rank: avx512),
        .init(name: "Cooperlake", requiredFlags: avx512Flags + ["avx512_bf16"], rank: avx512),
        .init(name: "SapphireRapids", requiredFlags: avx512Flags + ["avx512_bf16", "amx_bf16"], rank: avx512),
    ]

    /// The listed core called `name` (any case), or nil.
    public static func named(_ name: String) -> OpenBLASCore? {
        let n = name.lowercased()
        return known.first { $0.name.lowercased() == n }
    }

    /// The flags of `requiredFlags` missing from `cpuFlags` (empty: the CPU can run this core).
    public func missingFlags(cpuFlags: Set<String>) -> [String] { requiredFlags.filter { !cpuFlags.contains($0) } }

    /// The widest ISA rank the CPU offers OpenBLAS.
    public static func cpuRank(_ flags: Set<String>) -> Int {
        if avx512Flags.allSatisfy(flags.contains) { return avx512 }
        if flags.contains("avx2") && flags.contains("fma") { return avx2 }
        if flags.contains("avx") { return avx }
        return sse
    }

    /// The core to force on a CPU with these flags, or nil when OpenBLAS 0.3.21's own detection is
    /// right (it is on AVX2 CPUs; it mis-detects the AVX-512 ones and falls back to Prescott).
    public static func suggested(cpuFlags: Set<String>) -> String? {
        cpuRank(cpuFlags) == avx512 ? "SkylakeX" : nil
    }
}
