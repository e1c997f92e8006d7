// See include/CKernels.h: which SIMD path runs (chosen once per process from the CPU and
// YOCOPROF_SIMD, overridable per thread for tests), the dispatch to it, and the decode merge.
// The paths themselves: kernels_portable.c, kernels_avx2.c (both from kernels_vec.inc) and
// kernels_avx512.c; every one uses the exp of include/yc_exp.h.
#include "yc_internal.h"
#include <stdlib.h>
#include <strings.h>

static const char *const yc_path_names[] = {"portable", "avx2", "avx512"};

const char *yc_simd_name(int path) {
    return path >= YC_SIMD_PORTABLE && path <= YC_SIMD_AVX512 ? yc_path_names[path] : "unknown";
}

int yc_simd_parse(const char *name) {
    if (!name) return -1;
    for (int p = YC_SIMD_PORTABLE; p <= YC_SIMD_AVX512; p++)
        if (strcasecmp(name, yc_path_names[p]) == 0) return p;
    return -1;
}

int yc_simd_supported(int path) {
    switch (path) {
    case YC_SIMD_PORTABLE: return 1;
#ifdef YC_X86
    // __builtin_cpu_supports also checks that the OS saves the ymm / zmm state (XCR0).
    case YC_SIMD_AVX2: __builtin_cpu_init(); return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case YC_SIMD_AVX512: __builtin_cpu_init(); return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

int yc_simd_best(void) {
    for (int p = YC_SIMD_AVX512; p > YC_SIMD_PORTABLE; p--)
        if (yc_simd_supported(p)) return p;
    return YC_SIMD_PORTABLE;
}

// The process-wide choice, made once: workers of the attention and retention kernels call in
// concurrently, so it is an atomic (ThreadSanitizer flagged a plain int). Encoded as
// path + 4 * fault so one atomic holds both.
static int yc_process_choice = -1;  // accessed only through __atomic builtins

static int yc_resolve_process_choice(void) {
    int cached = __atomic_load_n(&yc_process_choice, __ATOMIC_ACQUIRE);
    if (cached >= 0) return cached;
    int fault = YC_SIMD_ENV_OK, path = yc_simd_best();
    const char *env = getenv("YOCOPROF_SIMD");
    if (env && *env) {
        int wanted = yc_simd_parse(env);
        if (wanted < 0) fault = YC_SIMD_ENV_UNKNOWN;
        else if (!yc_simd_supported(wanted)) fault = YC_SIMD_ENV_UNSUPPORTED;
        else path = wanted;
    }
    cached = path + 4 * fault;
    __atomic_store_n(&yc_process_choice, cached, __ATOMIC_RELEASE);  // every thread computes the same value
    return cached;
}

int yc_simd_environment_fault(void) { return yc_resolve_process_choice() / 4; }

static _Thread_local int yc_thread_forced = -1;  // per thread: tests force a path without racing others

int yc_simd_force(int path) {
    if (path < 0) { yc_thread_forced = -1; return 0; }
    if (!yc_simd_supported(path)) return -1;
    yc_thread_forced = path;
    return 0;
}

int yc_simd_active(void) { return yc_thread_forced >= 0 ? yc_thread_forced : yc_resolve_process_choice() % 4; }

int yc_simd_path(void) { return yc_simd_active(); }

// MARK: dispatch

#ifdef YC_X86
#define YC_DISPATCH(CALL)                                           \
    switch (yc_simd_active()) {                                     \
    case YC_SIMD_AVX512: return CALL##_avx512;                      \
    case YC_SIMD_AVX2: return CALL##_avx2;                          \
    default: return CALL##_portable;                                \
    }
#else
#define YC_DISPATCH(CALL) return CALL##_portable;
#endif

// Resolved per call (a thread-local read and an atomic load): the kernels are called per tile,
// never per element.
typedef void (*yc_softmax_fn)(float *, long, long, long, long, long, long, float *, float *, float *, long, long);
typedef void (*yc_decode_fn)(const float *, long, long, long, const float *, long, const float *, long, long, long,
                             long, float, float *, long, long, float *);
typedef void (*yc_decay_fn)(float *, long, long, const float *);
typedef void (*yc_scale_fn)(float *, long, const float *, long, const float *, float, float, long, long);
typedef float (*yc_expsum_fn)(float *, long, float);

static yc_softmax_fn yc_pick_softmax(void) { YC_DISPATCH(yc_softmax_tile) }
static yc_decode_fn yc_pick_decode(void) { YC_DISPATCH(yc_attention_decode) }
static yc_decay_fn yc_pick_decay(void) { YC_DISPATCH(yc_decay_mask) }
static yc_scale_fn yc_pick_scale(void) { YC_DISPATCH(yc_scale_rows_exp) }
static yc_expsum_fn yc_pick_expsum(void) { YC_DISPATCH(yc_exp_shifted_sum) }

void yc_softmax_tile(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                     float *m, float *l, float *acc, long ldacc, long dh) {
    yc_pick_softmax()(S, rows, cols, pos0, posStep, j0, window, m, l, acc, ldacc, dh);
}

void yc_attention_decode(const float *q, long ldq, long rows, long group, const float *k, long ldk, const float *v,
                         long ldv, long lo, long hi, long dh, float scale, float *out, long ldo, long block,
                         float *scratch) {
    yc_pick_decode()(q, ldq, rows, group, k, ldk, v, ldv, lo, hi, dh, scale, out, ldo, block, scratch);
}

void yc_decay_mask(float *S, long n, long ld, const float *a) { yc_pick_decay()(S, n, ld, a); }

void yc_scale_rows_exp(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d) {
    yc_pick_scale()(dst, ldd, src, lds, a, base, sign, n, d);
}

float yc_exp_shifted_sum(float *p, long count, float shift) { return yc_pick_expsum()(p, count, shift); }

// Element-wise and memory-bound: the AVX-512 path runs the AVX2 code (an AVX-512 CPU has AVX2).
void yc_swish_product(const float *gate, const float *up, float *out, long count) {
#ifdef YC_X86
    if (yc_simd_active() != YC_SIMD_PORTABLE) { yc_swish_product_avx2(gate, up, out, count); return; }
#endif
    yc_swish_product_portable(gate, up, out, count);
}

long yc_attention_prefill_scratch(long rows, long keyTile, long dh) {
#ifdef YC_X86
    if (yc_simd_active() == YC_SIMD_AVX2) return yc_attention_prefill_scratch_avx2(rows, keyTile, dh);
#endif
    (void)rows, (void)keyTile, (void)dh;
    return 0;
}

long yc_attention_prefill(const float *q, long ldq, long rows, long pos0, const float *k, long ldk, const float *v,
                          long ldv, long lo, long hi, long window, long dh, float scale, long keyTile, float *out,
                          long ldo, float *scratch, long scratchFloats) {
#ifdef YC_X86
    if (yc_attention_prefill_scratch(rows, keyTile, dh) > 0)
        return yc_attention_prefill_avx2(q, ldq, rows, pos0, k, ldk, v, ldv, lo, hi, window, dh, scale, keyTile, out,
                                         ldo, scratch, scratchFloats);
#endif
    (void)q, (void)ldq, (void)pos0, (void)k, (void)ldk, (void)v, (void)ldv, (void)lo, (void)hi, (void)window;
    (void)scale, (void)out, (void)ldo, (void)scratch, (void)scratchFloats;
    return -1;
}

long yc_retention_intra_scratch(long n, long d) {
#ifdef YC_X86
    if (yc_simd_active() == YC_SIMD_AVX2) return yc_retention_intra_scratch_avx2(n, d);
#endif
    (void)n, (void)d;
    return 0;
}

int yc_retention_intra(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                       float *out, long ldo, float *scratch) {
#ifdef YC_X86
    if (yc_retention_intra_scratch(n, d) > 0) {
        yc_retention_intra_avx2(q, k, v, ld, n, d, a, out, ldo, scratch);
        return 0;
    }
#endif
    (void)q, (void)k, (void)v, (void)ld, (void)a, (void)out, (void)ldo, (void)scratch;
    return -1;
}

long yc_retention_inter_scratch(long n, long d) {
#ifdef YC_X86
    if (yc_simd_active() == YC_SIMD_AVX2) return yc_retention_inter_scratch_avx2(n, d);
#endif
    (void)n, (void)d;
    return 0;
}

int yc_retention_inter(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                       int hasState, float *S, float *out, long ldo, float *scratch) {
#ifdef YC_X86
    if (yc_retention_inter_scratch(n, d) > 0) {
        yc_retention_inter_avx2(q, k, v, ld, n, d, a, hasState, S, out, ldo, scratch);
        return 0;
    }
#endif
    (void)q, (void)k, (void)v, (void)ld, (void)a, (void)hasState, (void)S, (void)out, (void)ldo, (void)scratch;
    return -1;
}

float yc_expf(float x) { return yc_exp1(x); }

// MARK: merge

void yc_attention_decode_merge(const float *const *parts, long nparts, long rows, long dh, float *out, long ldo) {
    for (long r = 0; r < rows; r++) {
        float M = -INFINITY;
        for (long p = 0; p < nparts; p++) {
            const float *m = parts[p];
            if (m[r] > M) M = m[r];
        }
        float *o = out + r * ldo;
        for (long i = 0; i < dh; i++) o[i] = 0;
        if (M == -INFINITY) continue;
        float L = 0;
        for (long p = 0; p < nparts; p++) {
            const float *m = parts[p], *l = m + rows, *acc = l + rows;
            if (m[r] == -INFINITY) continue;
            float c = yc_exp1(m[r] - M);
            L += c * l[r];
            for (long i = 0; i < dh; i++) o[i] += c * acc[r * dh + i];
        }
        float inv = L > 0 ? 1 / L : 0;
        for (long i = 0; i < dh; i++) o[i] *= inv;
    }
}
