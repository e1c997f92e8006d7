// swift-tools-version:6.1
// libFuzzer target for the profile and config.json parsers. Kept out of the main package: it only
// links with -sanitize=fuzzer. Build and run with `make fuzz` (see the Makefile).
import PackageDescription

let package = Package(
    name: "yocoprof-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "yocoprof", path: "..")],
    targets: [
        .executableTarget(
            name: "ProfileFuzzer",
            dependencies: [.product(name: "ProfileStore", package: "yocoprof")]
        ),
    ]
)
