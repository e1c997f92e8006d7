// Waiting until no other thread of this process is running, before a bandwidth measurement.
//
// Why (issue 14, the drift probe's defect): OpenBLAS's pthread build keeps its worker threads
// spinning (polling their queue with sched_yield) for about 2^28 TSC cycles, some 0.1 s here,
// after every multi-threaded call before they sleep. The drift probe read the stream right after
// its own 2-thread sgemm (and after each configuration's model run), so the timed passes shared
// the two cores with a spinning worker and read 30-40% below `calibrate`, whose read loop ran long
// after its last multi-threaded product. Measured in one process, process CPU time during a 0.3 s
// sleep: 0 s after idle or a 1-thread sgemm, 0.02-0.04 s after a 2-thread sgemm (loaded machine).
//
// How: sleep in windows of `window` seconds and read this process's CPU time
// (CLOCK_PROCESS_CPUTIME_ID, every thread together) across each; the process is quiet once
// `quietWindows` consecutive windows used less than `threshold` of one core. A sleeping process
// uses none, a spinning worker a whole core or its share of one on a loaded machine (a sixth at a
// load of 12 on 2 cores, still 8x the threshold). Gives up after `limit` seconds and says so: the
// default OpenBLAS spin (2^28 cycles) ends within 0.27 s on any clock above 1 GHz, and a process
// whose other threads do real work (tests running in parallel) is never quiet.
//
// Measured here (one process, loaded machine): after a 2-thread 512^3 sgemm the wait took
// 0.123-0.128 s in 7 of 8 tries, which is 2^28 cycles of this CPU's TSC.

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
            let used = cpuSeconds() - c0, wall = elapsed() - t0
            if used < threshold * wall {
                run += 1
                if run >= quietWindows { return QuietWait(seconds: elapsed(), quiet: true) }
            } else {
                run = 0
            }
        }
        return QuietWait(seconds: elapsed(), quiet: false)
    }
}
