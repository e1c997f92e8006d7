// CPAPI: PAPI's C API (papi.h) and its software-defined-events library (sde_lib.h), nothing else.
// Swift cannot import function-like macros or computed macro expressions, so the few values
// HardwareCounters needs are wrapped here as static inline functions.
#ifndef YOCOPROF_CPAPI_SHIM_H
#define YOCOPROF_CPAPI_SHIM_H
#include <papi.h>
#include <sde_lib.h>
#include <pthread.h>

/// PAPI_VER_CURRENT: the version PAPI_library_init must be called with (and returns on success).
static inline int yocoprof_papi_ver_current(void) { return PAPI_VER_CURRENT; }

static inline unsigned long yocoprof_papi_thread_id(void) { return (unsigned long)pthread_self(); }

/// PAPI_thread_init with pthread_self as the thread id: each measuring thread gets its own PAPI
/// thread record (PAPI_register_thread), which PAPI 7.0 needs before PAPI_event_name_to_code on a
/// thread it has not seen (it dereferences a NULL thread-local record for sde::: names otherwise).
static inline int yocoprof_papi_thread_init(void) { return PAPI_thread_init(yocoprof_papi_thread_id); }

/// The mode every YOCOPROF software-defined counter is registered with: read-only for PAPI, and
/// DELTA (PAPI reports the change between PAPI_start and PAPI_stop/PAPI_read).
static inline int yocoprof_sde_mode_ro_delta(void) { return PAPI_SDE_RO | PAPI_SDE_DELTA; }

/// Producers add to an SDE counter through this (relaxed atomic) so kernels on several threads can
/// publish concurrently; PAPI reads the same 8 bytes with a plain aligned load.
static inline void yocoprof_sde_add(long long *counter, long long amount) {
    __atomic_fetch_add(counter, amount, __ATOMIC_RELAXED);
}

static inline long long yocoprof_sde_load(const long long *counter) {
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
#endif
