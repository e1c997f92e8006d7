// How much memory this machine can give a run: MemAvailable from /proc/meminfo (Linux).

import Foundation

public enum SystemMemory {
    /// Bytes the kernel reports as available without swapping; nil where /proc/meminfo is absent.
    public static func availableBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kib = Int(parts[1]) { return kib * 1024 }
        }
        return nil
    }
}
