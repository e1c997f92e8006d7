// The CPU's caches as the OS describes them (Linux sysfs): one directory per cache of cpu0,
// /sys/devices/system/cpu/cpu0/cache/index<i>/ with `level` (1, 2, 3), `type` (Data,
// Instruction, Unified), `size` ("32K", "32768K", "1M") and `shared_cpu_list` ("0-1"). The last
// level is the highest-level data or unified cache; its size goes into the host profile
// (`last_level_cache_bytes`) and sets the working sets the calibration reads (issue 14 §2); kernel-bench
// sizes its cache eviction by it. Here in Kernels, beside UsableCores and SystemMemory, so that the
// benchmark package (which links Kernels only) reads the same fact.
// Where sysfs has no cache directory (some containers, non-Linux), there is no level: the profile
// records none and the roofline charges DRAM only, and `calibrate` says so.

import Foundation

/// One cache of one CPU, from sysfs.
public struct HostCache: Sendable, Hashable {
    public var level: Int
    /// "Data", "Instruction" or "Unified".
    public var type: String
    public var sizeBytes: Int
    /// The CPUs that share it, as sysfs lists them ("0-1"); empty where sysfs has no list.
    public var sharedCPUList: String

    public init(level: Int, type: String, sizeBytes: Int, sharedCPUList: String = "") {
        self.level = level
        self.type = type
        self.sizeBytes = sizeBytes
        self.sharedCPUList = sharedCPUList
    }

    /// "L3 Unified 32 MiB, shared by CPUs 0-1".
    public var description: String {
        let size = sizeBytes % (1 << 20) == 0 ? "\(sizeBytes >> 20) MiB" : "\(sizeBytes >> 10) KiB"
        return "L\(level) \(type) \(size)" + (sharedCPUList.isEmpty ? "" : ", shared by CPUs \(sharedCPUList)")
    }
}

public enum HostCaches {
    public static let sysfsDirectory = "/sys/devices/system/cpu/cpu0/cache"

    /// A sysfs `size` text in bytes: digits with an optional K, M or G suffix (binary units, as the
    /// kernel writes them); nil for anything else.
    public static func parseSize(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let last = t.last else { return nil }
        let shift: Int
        var digits = Substring(t)
        switch last {
        case "K", "k": shift = 10; digits = digits.dropLast()
        case "M", "m": shift = 20; digits = digits.dropLast()
        case "G", "g": shift = 30; digits = digits.dropLast()
        default: shift = 0
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Int(digits), n > 0,
              n <= Int.max >> shift else { return nil }
        return n << shift
    }

    /// One cache from the texts of its sysfs files (keyed by file name); nil when `level`, `type`
    /// or `size` is missing or does not parse.
    public static func parse(files: [String: String]) -> HostCache? {
        guard let levelText = files["level"], let level = Int(levelText.trimmingCharacters(in: .whitespacesAndNewlines)), level >= 1,
              let type = files["type"]?.trimmingCharacters(in: .whitespacesAndNewlines), !type.isEmpty,
              let sizeText = files["size"], let size = parseSize(sizeText) else { return nil }
        return HostCache(level: level, type: type, sizeBytes: size,
                         sharedCPUList: files["shared_cpu_list"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
    }

    /// The last-level cache among `caches`: the highest level holding data (Data or Unified), the
    /// largest if two share that level; nil when none does.
    public static func lastLevel(_ caches: [HostCache]) -> HostCache? {
        caches.filter { $0.type != "Instruction" }.max { ($0.level, $0.sizeBytes) < ($1.level, $1.sizeBytes) }
    }

    /// Bytes whose read leaves nothing of an earlier working set in the cache: twice the last-level
    /// cache `lastLevelCacheBytes`, rounded up to a 4 KiB page, and at least `floor` (`floor` where
    /// sysfs names no cache). Calibration's stream arrays (floor 128 MiB) and kernel-bench's
    /// eviction before a cold run (floor 64 MiB) both size by it: a fixed size fell inside a
    /// 105 MiB L3 (an Intel Xeon, 2 Dec).
    public static func beyondLastLevel(lastLevelCacheBytes llc: Int?, atLeast floor: Int) -> Int {
        max(floor, (2 * (llc ?? 0) + 4095) / 4096 * 4096)
    }

    /// Every cache sysfs lists under `directory` (index0, index1, ...); empty when it has none.
    public static func read(directory: String = sysfsDirectory) -> [HostCache] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasPrefix("index") }.sorted().compactMap { name in
            var files: [String: String] = [:]
            for file in ["level", "type", "size", "shared_cpu_list"] {
                files[file] = try? String(contentsOfFile: directory + "/" + name + "/" + file, encoding: .utf8)
            }
            return parse(files: files)
        }
    }
}
