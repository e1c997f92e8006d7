// Where `swift build --build-tests` put the yocoprof executable: beside the test bundle in the
// products folder (found from /proc/self/exe, argv[0] or the loaded .xctest bundles).

import Foundation

public enum BuiltExecutable {
    /// The repository root: this file is Tests/TestSupport/BuiltExecutable.swift.
    public static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `yocoprof`, or nil when it is not there.
    public static let yocoprof: URL? = {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).standardizedFileURL.deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(repoRoot.appendingPathComponent(".build/debug"))
        for dir in candidates {
            // On macOS the bundle is Foo.xctest/Contents/MacOS/Foo: walk a few levels up.
            var d = dir
            for _ in 0..<4 {
                let url = d.appendingPathComponent("yocoprof")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: url.path) {
                    return url
                }
                d = d.deletingLastPathComponent()
            }
        }
        return nil
    }()
}
