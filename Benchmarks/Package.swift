// swift-tools-version:6.1
// Speed benchmark of the CPU kernels, kept out of the test build. From the repository root:
//   make bench            (or: make bench BENCH_ARGS=--quick)
// or from this folder: swift run -c release kernel-bench [--quick]
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, so the parent package is whatever the checkout
// is called ("yocoprof", "main", ...): read it from this manifest's own location.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let parentPackage = parent.lastPathComponent.lowercased()

let package = Package(
    name: "yocoprof-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        // Swift 5 mode: a top-level benchmark script sharing buffers with its parallel loops.
        .executableTarget(name: "kernel-bench", dependencies: [.product(name: "Kernels", package: parentPackage)],
                          swiftSettings: [.swiftLanguageMode(.v5)]),
        // The feed-forward as the model runs it against its calibration microbenchmarks (issue 14).
        .executableTarget(name: "ffn-probe", dependencies: [.product(name: "Kernels", package: parentPackage), .product(name: "CostModel", package: parentPackage)], swiftSettings: [.swiftLanguageMode(.v5)]),
        .executableTarget(name: "CostModelBenchmark", dependencies: [.product(name: "CostModel", package: parentPackage)]),
    ]
)
