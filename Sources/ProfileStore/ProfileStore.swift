// Finding and loading profiles: `Profiles/models/<id>.json`, `Profiles/hardware/<id>.json`, or a
// path to a profile or a Hugging Face config.json.
//
// The Profiles directory is, in order: the `directory` given, $YOCOPROF_PROFILES, the nearest
// `Profiles/` above the working directory, the nearest `Profiles/` above the executable.

import CostModel
import Foundation

public struct ProfileStore: Sendable {
    /// The Profiles directory (holding `models/` and `hardware/`).
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Locates the Profiles directory (see the file header for the search order).
    public static func locate(_ explicit: String? = nil) throws(ProfileLocationError) -> ProfileStore {
        let fm = FileManager.default
        if let explicit {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: explicit, isDirectory: &isDir), isDir.boolValue else {
                throw ProfileLocationError(message: "\(explicit) is not a directory of profiles (it needs models/ and hardware/)")
            }
            return ProfileStore(directory: URL(fileURLWithPath: explicit))
        }
        if let env = ProcessInfo.processInfo.environment["YOCOPROF_PROFILES"], !env.isEmpty {
            return try locate(env)
        }
        let starts = [
            URL(fileURLWithPath: fm.currentDirectoryPath),
            URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("Profiles")
                if fm.fileExists(atPath: candidate.appendingPathComponent("models").path) {
                    return ProfileStore(directory: candidate)
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw ProfileLocationError(
            message: "no Profiles/ directory above the working directory or the executable; pass --profiles DIR or set YOCOPROF_PROFILES")
    }

    public var modelsDirectory: URL { directory.appendingPathComponent("models") }
    public var hardwareDirectory: URL { directory.appendingPathComponent("hardware") }

    /// Ids of the profiles in a folder, sorted. Hidden files are skipped: editors leave lock files
    /// such as `.#yoco-3b.json` beside the one being edited.
    static func ids(in dir: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }.sorted()
    }

    public var modelIDs: [String] { Self.ids(in: modelsDirectory) }
    public var hardwareIDs: [String] { Self.ids(in: hardwareDirectory) }

    /// A profile named by id, or a path to a file (anything with a `/` or ending in `.json`).
    static func isPath(_ s: String) -> Bool { s.contains("/") || s.hasSuffix(".json") }

    func displayPath(_ url: URL) -> String {
        let base = directory.deletingLastPathComponent().path + "/"
        return url.path.hasPrefix(base) ? String(url.path.dropFirst(base.count)) : url.path
    }

    static func read(_ url: URL, display: String) throws(ProfileError) -> JSONFields {
        let data: Data
        do { data = try InputFile.read(url.path) } catch {
            throw ProfileError(file: display, field: nil, constraint: error.reason, value: nil)
        }
        return try JSONFields.parse(data, file: display)
    }

    /// Loads a model by id or path; a path may be a yocoprof profile, a Hugging Face config.json, or
    /// a folder holding a config.json. A config's id is `_name_or_path` when present, else the file's
    /// stem (the folder's name for a file called config.json), so two configs in one folder keep
    /// apart in a sweep. `org/name` that is not on disk is explained as a hub id (exit 64).
    public func loadModel(_ idOrPath: String) throws -> ModelSpec {
        if Self.isPath(idOrPath) {
            var url = URL(fileURLWithPath: idOrPath)
            var shown = idOrPath
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
            if exists && isDir.boolValue {
                url = url.appendingPathComponent("config.json")
                shown = (idOrPath.hasSuffix("/") ? idOrPath : idOrPath + "/") + "config.json"
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw ProfileError(file: idOrPath, field: nil,
                                       constraint: "is a directory with no config.json in it (a folder given as --model is read through its config.json)", value: nil)
                }
            } else if !exists, Self.looksLikeHubID(idOrPath) {
                throw ProfileLocationError(message: "`\(idOrPath)` is not a file or folder here; it looks like a Hugging Face hub id. yocoprof reads local files only: download the model's config.json (for example `huggingface-cli download \(idOrPath) config.json --local-dir \(idOrPath.split(separator: "/").last!)`) and pass the file or its folder as --model")
            }
            let f = try Self.read(url, display: shown)
            if HuggingFaceConfig.looksLikeConfig(f) {
                let id = Self.configID(f, url: url)
                if id.unicodeScalars.contains(where: \.isTerminalControl) {
                    throw ProfileError(file: shown, field: nil, constraint: "gives a model id (`_name_or_path`, its file or folder name) with control characters", value: nil)
                }
                return try HuggingFaceConfig.decode(f, id: id)
            }
            return try ModelProfile.decode(f)
        }
        return try loadByID(idOrPath, kind: "model", in: modelsDirectory, known: modelIDs, decode: ModelProfile.decode, id: \.id)
    }

    /// `org/name`: one slash, no extension, no leading dot or slash.
    static func looksLikeHubID(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.hasPrefix(".") } && !s.hasSuffix(".json")
    }

    /// `_name_or_path`, else the file's stem, else (config.json) the folder's name.
    static func configID(_ f: JSONFields, url: URL) -> String {
        if let name = try? f.optionalString("_name_or_path"), !name.isEmpty { return name }
        let stem = url.deletingPathExtension().lastPathComponent
        if stem != "config" && !stem.isEmpty { return stem }
        let folder = url.deletingLastPathComponent().lastPathComponent
        return folder.isEmpty || folder == "." || folder == "/" ? stem : folder
    }

    /// Loads a hardware profile by id or path.
    public func loadHardware(_ idOrPath: String) throws -> HardwareSpec {
        if Self.isPath(idOrPath) {
            let url = URL(fileURLWithPath: idOrPath)
            return try HardwareProfile.decode(try Self.read(url, display: idOrPath), directory: url.deletingLastPathComponent())
        }
        let folder = hardwareDirectory
        return try loadByID(idOrPath, kind: "hardware", in: hardwareDirectory, known: hardwareIDs,
                            decode: { f throws(ProfileError) in try HardwareProfile.decode(f, directory: folder) }, id: \.id)
    }

    /// `<directory>/<id>.json`, decoded, with its `id` field checked against the file name.
    private func loadByID<Spec>(
        _ id: String, kind: String, in directory: URL, known: [String],
        decode: (JSONFields) throws(ProfileError) -> Spec, id specID: (Spec) -> String
    ) throws -> Spec {
        let url = directory.appendingPathComponent(id + ".json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw UnknownProfileError(kind: kind, id: id, known: known, directory: displayPath(directory))
        }
        let spec = try decode(try Self.read(url, display: displayPath(url)))
        if specID(spec) != id {
            throw ProfileError(file: displayPath(url), field: "id", constraint: "must match the file name (\(id))", value: "\"\(specID(spec))\"")
        }
        return spec
    }

    /// Every model profile, in id order (the first invalid one throws).
    public func allModels() throws -> [ModelSpec] { try modelIDs.map(loadModel) }

    /// Every hardware profile, in id order (the first invalid one throws).
    public func allHardware() throws -> [HardwareSpec] { try hardwareIDs.map(loadHardware) }

    /// Parses model-profile bytes (for tests and fuzzing): a yocoprof profile or an HF config.
    public static func parseModel(_ data: Data, file: String) throws(ProfileError) -> ModelSpec {
        let f = try JSONFields.parse(data, file: file)
        return HuggingFaceConfig.looksLikeConfig(f) ? try HuggingFaceConfig.decode(f, id: file) : try ModelProfile.decode(f)
    }

    /// Parses hardware-profile bytes (for tests and fuzzing).
    /// `directory` resolves a relative `efficiency_curves` path (nil: the current directory).
    public static func parseHardware(_ data: Data, file: String, directory: URL? = nil) throws(ProfileError) -> HardwareSpec {
        try HardwareProfile.decode(try JSONFields.parse(data, file: file), directory: directory)
    }
}
