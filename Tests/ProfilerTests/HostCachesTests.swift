// The host's caches from sysfs (HostCaches.swift) and the working sets the cache level's curve
// reads (Calibration+CacheLevel.swift).

import Foundation
import Kernels
import Profiler
import Testing

@Suite("Host caches")
struct HostCachesTests {
    /// The four caches of this AMD EPYC VM's cpu0, as sysfs writes them (trailing newlines kept).
    static let epyc: [[String: String]] = [
        ["level": "1\n", "type": "Data\n", "size": "32K\n", "shared_cpu_list": "0\n"],
        ["level": "1\n", "type": "Instruction\n", "size": "32K\n", "shared_cpu_list": "0\n"],
        ["level": "2\n", "type": "Unified\n", "size": "512K\n", "shared_cpu_list": "0\n"],
        ["level": "3\n", "type": "Unified\n", "size": "32768K\n", "shared_cpu_list": "0-1\n"],
    ]

    @Test("sizes: digits with K, M or G (binary); anything else is refused")
    func sizes() {
        #expect(HostCaches.parseSize("32K\n") == 32 << 10)
        #expect(HostCaches.parseSize("32768K") == 32 << 20)
        #expect(HostCaches.parseSize("1M") == 1 << 20)
        #expect(HostCaches.parseSize("2G") == 2 << 30)
        #expect(HostCaches.parseSize("4096") == 4096)
        for bad in ["", "K", "-1K", "1.5M", "12 K", "32KB", "0K", "x"] { #expect(HostCaches.parseSize(bad) == nil, "\(bad)") }
    }

    @Test("the last level is the highest data or unified cache")
    func lastLevel() throws {
        let caches = Self.epyc.compactMap(HostCaches.parse(files:))
        #expect(caches.count == 4)
        let llc = try #require(HostCaches.lastLevel(caches))
        #expect(llc == HostCache(level: 3, type: "Unified", sizeBytes: 32 << 20, sharedCPUList: "0-1"))
        #expect(llc.description == "L3 Unified 32 MiB, shared by CPUs 0-1")
        // Without the L3, the L2; with instruction caches only, none.
        #expect(HostCaches.lastLevel(Array(caches.prefix(3)))?.sizeBytes == 512 << 10)
        #expect(HostCaches.lastLevel([caches[1]]) == nil)
        #expect(HostCaches.lastLevel([]) == nil)
    }

    @Test("an entry missing level, type or size, or with a size that does not parse, is skipped")
    func incomplete() {
        #expect(HostCaches.parse(files: ["type": "Unified", "size": "1M"]) == nil)
        #expect(HostCaches.parse(files: ["level": "3", "size": "1M"]) == nil)
        #expect(HostCaches.parse(files: ["level": "3", "type": "Unified", "size": "lots"]) == nil)
        // shared_cpu_list is optional.
        #expect(HostCaches.parse(files: ["level": "3", "type": "Unified", "size": "1M"])?.sharedCPUList == "")
    }

    @Test("a directory without caches reads as none (the fallback: no level, DRAM only)")
    func noSysfs() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(HostCaches.read(directory: dir.path).isEmpty)
        #expect(HostCaches.read(directory: dir.appendingPathComponent("missing").path).isEmpty)
        // One index directory written as sysfs would.
        let index = dir.appendingPathComponent("index3")
        try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
        for (file, text) in Self.epyc[3] { try Data(text.utf8).write(to: index.appendingPathComponent(file)) }
        #expect(HostCaches.read(directory: dir.path) == [HostCache(level: 3, type: "Unified", sizeBytes: 32 << 20, sharedCPUList: "0-1")])
    }

    @Test("the curve's working sets: 1/8 to 4 x the cache, within one stream array; passes as long as one over it")
    func workingSets() {
        let s = Fixtures.tinyCalibration
        var big = s
        big.streamArrayBytes = 128 << 20
        #expect(big.cacheLevelWorkingSets(lastLevelCacheBytes: 32 << 20) == [4, 8, 16, 32, 64, 128].map { $0 << 20 })
        // A 64 MiB cache: 4 x is 256 MiB, beyond the 128 MiB arrays.
        #expect(big.cacheLevelWorkingSets(lastLevelCacheBytes: 64 << 20) == [8, 16, 32, 64, 128].map { $0 << 20 })
        #expect(s.cacheLevelWorkingSets(lastLevelCacheBytes: 32 << 20).isEmpty)  // 64 KiB arrays
        // A cache as large as a stream array: no point beyond it to read the others against.
        #expect(big.cacheLevelWorkingSets(lastLevelCacheBytes: 128 << 20).isEmpty)
        // The standard array grows with the cache: a 105 MiB L3 (Intel Xeon) reads 210 MiB arrays,
        // whose curve ends at 2 x the cache; 128 MiB stays the floor.
        let xeonL3 = 110_100_480
        #expect(CalibrationSettings.standardStreamArrayBytes(lastLevelCacheBytes: xeonL3) == 2 * xeonL3)
        #expect(CalibrationSettings.standardStreamArrayBytes(lastLevelCacheBytes: 32 << 20) == 128 << 20)
        #expect(CalibrationSettings.standardStreamArrayBytes(lastLevelCacheBytes: nil) == 128 << 20)
        #expect(CalibrationSettings.standardStreamArrayBytes(lastLevelCacheBytes: 100_000_001) % 4096 == 0)
        // the shared rule with the benchmark's floor: 2 x 100,000,001 = 200,000,002 B, up to a page
        #expect(HostCaches.beyondLastLevel(lastLevelCacheBytes: 100_000_001, atLeast: 64 << 20) == 200_003_584)
        #expect(HostCaches.beyondLastLevel(lastLevelCacheBytes: 16 << 20, atLeast: 64 << 20) == 64 << 20)
        #expect(HostCaches.beyondLastLevel(lastLevelCacheBytes: nil, atLeast: 64 << 20) == 64 << 20)
        var xeon = s
        xeon.streamArrayBytes = CalibrationSettings.standardStreamArrayBytes(lastLevelCacheBytes: xeonL3)
        #expect(xeon.cacheLevelWorkingSets(lastLevelCacheBytes: xeonL3).last == 2 * xeonL3)
        #expect(big.cacheLevelWorkingSets(lastLevelCacheBytes: xeonL3).isEmpty)  // what the fixed 128 MiB gave
        let m = big.workingSetReadMethod(workingSetBytes: 4 << 20, threads: 2)
        #expect(m.arrayBytes == 4 << 20 && m.cyclesPerPass == 32 && m.workers == 2)
        #expect(m.passes == big.streamReadMethod(threads: 2).passes && big.streamReadMethod(threads: 2).cyclesPerPass == 1)
    }
}
