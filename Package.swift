// swift-tools-version:6.1
// yocoprof: an analytic cost model for LLM serving (MHA, GQA, YOCO) checked against real kernels.
//
// Dependencies point one way:
//   CostModel (standard library only)
//     <- ProfileStore (Profiles/*.json, Hugging Face config.json -> CostModel specs)
//     <- Reporting    (rows -> table / CSV / JSON / markdown)
//     <- yocoprof     (the executable: commands and the one place that sets the exit code)
import PackageDescription

let package = Package(
    name: "yocoprof",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "yocoprof", targets: ["yocoprof"]),
        .library(name: "CostModel", targets: ["CostModel"]),
        .library(name: "ProfileStore", targets: ["ProfileStore"]),
        .library(name: "Kernels", targets: ["Kernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CostModel"),
        .target(name: "ProfileStore", dependencies: ["CostModel", "Reporting"]),
        .target(name: "Reporting", dependencies: ["CostModel"]),
        // Softmax/decode/decay kernels in AVX-512, AVX2+FMA and portable-vector paths, chosen at run time (docs/KERNELS.md).
        .target(name: "CKernels"),
        // OpenBLAS is opened at run time by the commands that run the kernels, not linked
        // (Kernels/OpenBLASLibrary.swift): the analytic commands start without it.
        .target(name: "Kernels", dependencies: ["CostModel", "CKernels"]),
        .systemLibrary(name: "CPAPI"),
        .target(name: "HardwareCounters", dependencies: ["CPAPI"]),
        // -O in every configuration: the calibration's stream loops must measure the machine,
        // not the debug build's unoptimised code (docs/PROFILING.md).
        .target(name: "Profiler", dependencies: ["Kernels", "HardwareCounters", "CostModel", "Reporting"],
                swiftSettings: [.unsafeFlags(["-O"])]),
        // Writes the git commit into BuildInfo.swift before each build (`yocoprof --version`).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(
            name: "yocoprof",
            dependencies: [
                "CostModel", "ProfileStore", "Reporting", "Kernels", "HardwareCounters", "Profiler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildInfo"]
        ),
        // Helpers shared by the test targets (seeded generator, the built executable's location).
        .target(name: "TestSupport", dependencies: ["Kernels"], path: "Tests/TestSupport"),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel", "TestSupport"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "CKernels", "CostModel"]),
        .testTarget(name: "HardwareCountersTests", dependencies: ["HardwareCounters"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "Kernels", "HardwareCounters", "CostModel", "ProfileStore", "TestSupport"]),
        .testTarget(name: "ProfileStoreTests", dependencies: ["ProfileStore", "CostModel", "Reporting", "TestSupport"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "CostModel"]),
        .testTarget(name: "yocoprofTests", dependencies: ["yocoprof", "ProfileStore", "CostModel", "Kernels", "TestSupport"]),
    ]
)
