// Waiting until no other thread of this process is running, before a bandwidth measurement or a
// benchmark row (Profiler's calibration and drift probe, Benchmarks/kernel-bench).
//
// Why (issue 14, the drift probe's defect): OpenBLAS's pthread build keeps its worker threads
// spinning (polling their queue with sched_yield) for about 2^28 TSC cycles, some 0.1 s here,
// after every multi-threaded call before they sleep. The drift probe read the stream right after
// its own 2-thread sgemm (and after each configuration's model run), so the timed passes shared
// the two cores with a spinning worker and read 30-40% below `calibrate`, whose read loop ran long
// after its last multi-threaded product. Measured in one process, process CPU time during a 0.3 s
// sleep: 0 s after idle or a 1-thread sgemm, 0.02-0.04 s after a 2-thread sgemm (loaded machine).
//
// How: every `window` seconds, look at the state of this process's other threads
// (/proc/self/task/<tid>/stat): the process is quiet once `quietWindows` consecutive looks found
// none running or runnable (state R). A spinning worker is R whether or not it holds a core at
// that moment, so a loaded machine cannot hide it (process CPU time could: under a load of 20 a
// runnable thread may not run for tens of ms). A sleeping worker is S. Where /proc cannot be read,
// a window counts as quiet when the process's CPU time (CLOCK_PROCESS_CPUTIME_ID) grew by less than
// `threshold` of one core. Gives up after `limit` seconds and says so: the default OpenBLAS spin
// (2^28 cycles) ends within 0.27 s on any clock above 1 GHz, and a process whose other threads do
// real work (tests running in parallel) is never quiet.
//
// Measured here (one process, loaded machine): after a 2-thread 512^3 sgemm the wait took
// 0.114-0.128 s in 8 of 8 tries, which is 2^28 cycles of this CPU's TSC.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct QuietWait: Sendable, Hashable {
    /// Wall seconds spent waiting.
    public var seconds: Double
    /// False when `limit` ran out first.
    public var quiet: Bool

    public init(seconds: Double, quiet: Bool) {
        self.seconds = seconds
        self.quiet = quiet
    }
}

public enum ProcessQuiet {
    public static let window = 0.005
    /// CPU seconds per wall second (of one core) below which a window counts as quiet.
    public static let threshold = 0.02
    public static let quietWindows = 2
    public static let limit = 0.5

    /// CPU seconds this process has used, all threads.
    public static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Threads of this process other than the caller that are running or runnable; nil where
    /// /proc cannot be read.
    public static func otherRunnableThreads() -> Int? {
        let fm = FileManager.default
        guard let link = try? fm.destinationOfSymbolicLink(atPath: "/proc/thread-self"),
              let me = link.split(separator: "/").last.map(String.init),
              let tids = try? fm.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
        var n = 0
        for t in tids where t != me {
            // A thread that ended since the listing has no file: not running.
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(t)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (name) S ...": the state follows the parenthesis that closes the name.
            let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
            if state == "R" { n += 1 }
        }
        return n
    }

    /// Returns once no other thread of the process has run for `quietWindows` windows, or after `limit`.
    @discardableResult
    public static func wait(limit: Double = limit) -> QuietWait {
        let clock = ContinuousClock()
        let start = clock.now
        func elapsed() -> Double {
            let d = start.duration(to: clock.now)
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var run = 0
        while elapsed() < limit {
            let c0 = cpuSeconds(), t0 = elapsed()
            Thread.sleep(forTimeInterval: window)
            let quiet: Bool
            if let others = otherRunnableThreads() {
                quiet = others == 0
            } else {
                quiet = cpuSeconds() - c0 < threshold * (elapsed() - t0)
            }
            run = quiet ? run + 1 : 0
            if run >= quietWindows { return QuietWait(seconds: elapsed(), quiet: true) }
        }
        return QuietWait(seconds: elapsed(), quiet: false)
    }
}
