// How many cores this process may run on: the CPUs in its affinity mask (sched_getaffinity), which
// `taskset`, cgroup cpusets and container CPU pinning narrow, not the machine's count. The kernels'
// default worker counts (attention, gRet) follow it.

import CKernels
import Foundation

public enum UsableCores {
    /// CPUs in this process's affinity mask (at least 1); the active processor count where the
    /// mask cannot be read (not Linux).
    public static let count: Int = {
        let n = Int(yc_usable_cores())
        return n > 0 ? n : max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()
}
