// yc_usable_cores (include/CKernels.h): the CPUs in this process's affinity mask. In C because
// Swift's Glibc module does not export the GNU sched_getaffinity / CPU_COUNT.
#define _GNU_SOURCE
#include "CKernels.h"
#if defined(__linux__)
#include <sched.h>
#endif

int yc_usable_cores(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    return 0;
}
