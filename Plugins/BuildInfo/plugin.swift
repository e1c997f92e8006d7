// Stamps the git commit of the checkout into the yocoprof executable (`yocoprof --version`).
//
// A prebuild command runs scripts/build-info.sh before every build, by `make build`, `swift build`
// or `swift test` alike; it writes BuildInfo.swift into the plugin's work directory only when the
// text changes, so an unchanged commit recompiles nothing. The commit is fixed at build time (an
// installed binary does not look for a repository when it runs); a tree with no git metadata
// (a source archive) builds with the commit "unknown", or the one given in $YOCOPROF_COMMIT.

import Foundation
import PackagePlugin

@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        let script = context.package.directoryURL.appendingPathComponent("scripts/build-info.sh")
        var environment: [String: String] = [:]
        if let commit = ProcessInfo.processInfo.environment["YOCOPROF_COMMIT"] { environment["YOCOPROF_COMMIT"] = commit }
        return [.prebuildCommand(
            displayName: "Stamping the git commit into BuildInfo.swift",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: [script.path, context.package.directoryURL.path, out.path],
            environment: environment,
            outputFilesDirectory: out)]
    }
}
