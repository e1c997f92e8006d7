// Helpers shared by the ProfileStore tests: the repository's Profiles folder, JSON mutation by
// text substitution (so a test can write exactly the literal it means: 1.5, true, null, "8"), and
// a throwaway Profiles directory.

import Foundation
@testable import ProfileStore

enum Fixtures {
    /// The repository root: this file is Tests/ProfileStoreTests/Fixtures.swift.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let profiles = repoRoot.appendingPathComponent("Profiles")
    static let store = ProfileStore(directory: profiles)

    static func ids(_ kind: String) -> [String] {
        let dir = profiles.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func data(_ kind: String, _ id: String) throws -> Data {
        try Data(contentsOf: profiles.appendingPathComponent(kind).appendingPathComponent(id + ".json"))
    }

    static func object(_ kind: String, _ id: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try data(kind, id)) as! [String: Any]
    }

    /// `object` with `path` (a key, or "outer.inner" for one nested level) replaced by the raw JSON
    /// text `literal`; `literal == nil` deletes the key.
    static func mutated(_ object: [String: Any], _ path: String, _ literal: String?) throws -> Data {
        let placeholder = "__yocoprof_test_placeholder__"
        var o = object
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 2 {
            var inner = o[parts[0]] as! [String: Any]
            inner[parts[1]] = literal == nil ? nil : placeholder
            o[parts[0]] = inner
        } else {
            o[path] = literal == nil ? nil : placeholder
        }
        let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
        let text = String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "\"\(placeholder)\"", with: literal ?? "")
        return Data(text.utf8)
    }

    /// A fresh Profiles directory with empty models/ and hardware/ folders.
    static func tempProfiles() throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("yocoprof-tests-\(UUID().uuidString)")
            .appendingPathComponent("Profiles")
        for sub in ["models", "hardware"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        return dir
    }
}

extension ProfileError {
    /// True when the one-line message names everything a user needs to fix the file.
    func names(file: String, field: String, value: String?) -> Bool {
        description.hasPrefix(file + ": ") && description.contains("`\(field)`")
            && (value.map { description.contains("received \($0)") } ?? true)
    }
}
