// swift-tools-version:6.1
// Speed benchmark of the CPU kernels, kept out of the test build. Run from this folder:
//   OPENBLAS_CORETYPE=SkylakeX swift run -c release kernel-bench [--quick]
import PackageDescription

let package = Package(
    name: "yocoprof-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(name: "kernel-bench", dependencies: [.product(name: "Kernels", package: "main")]),
        .executableTarget(name: "CostModelBenchmark", dependencies: [.product(name: "CostModel", package: "main")]),
    ]
)
