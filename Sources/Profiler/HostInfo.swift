// What this machine is, and what this process holds: /proc/cpuinfo, /proc/meminfo and
// /proc/self/status (Linux), the caches from sysfs (HostCaches.swift). Descriptive values for
// reports and the host profile.

import Foundation
import Kernels

public struct HostInfo: Sendable, Hashable {
    /// "model name" of /proc/cpuinfo, e.g. "AMD EPYC".
    public var cpuModel: String
    /// Online logical CPUs.
    public var cores: Int
    /// MemTotal, bytes.
    public var memoryBytes: Int
    /// The last-level cache of cpu0 from sysfs (HostCaches.swift); nil where sysfs lists none.
    public var lastLevelCache: HostCache?

    public init(cpuModel: String, cores: Int, memoryBytes: Int, lastLevelCache: HostCache? = nil) {
        self.cpuModel = cpuModel
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.lastLevelCache = lastLevelCache
    }

    public static func current() -> HostInfo {
        var model = "unknown"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("model name") {
                if let colon = line.firstIndex(of: ":") {
                    model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                break
            }
        }
        return HostInfo(cpuModel: model, cores: ProcessInfo.processInfo.activeProcessorCount,
                        memoryBytes: meminfo("MemTotal:") ?? Int(ProcessInfo.processInfo.physicalMemory),
                        lastLevelCache: HostCaches.lastLevel(HostCaches.read()))
    }

    /// "host-amd-epyc": the default id of this machine's hardware profile.
    public var profileID: String {
        var slug = ""
        for ch in cpuModel.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                slug.append(ch)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return "host-" + (slug.isEmpty ? "cpu" : slug)
    }

    /// A /proc/meminfo field in bytes (the file gives kB).
    static func meminfo(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }
}

/// Resident memory of this process (/proc/self/status).
public enum ProcessMemory {
    /// VmHWM: the peak resident set size, bytes; nil where unavailable.
    public static func peakResidentBytes() -> Int? { status("VmHWM:") }
    /// VmRSS: the resident set size now, bytes.
    public static func residentBytes() -> Int? { status("VmRSS:") }

    /// Resets VmHWM to the current RSS (writes 5 to /proc/self/clear_refs, Linux >= 4.0), so the
    /// next peak belongs to the next run. Returns false where the kernel refuses.
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }
}
