// Helpers shared by the CKernels paths (not part of the public interface): the scalar exp, the
// visible-key range of a softmax row, and each path's entry points behind the dispatch in
// CKernels.c.
#ifndef YOCOPROF_YC_INTERNAL_H
#define YOCOPROF_YC_INTERNAL_H

#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define YC_X86 1
#endif

#define YC_SCALAR_MADD(a, b, c) ((a) * (b) + (c))
#define YC_SCALAR_CONST(x) (x)

/// exp(x) on one float (include/yc_exp.h); the scalar tails of every path and the rescale factors.
static inline float yc_exp1(float x) {
    if (!(x >= YC_EXP_LO)) return 0.0f;  // below LO, -inf (masked scores) and NaN give 0
    if (x > YC_EXP_HI) x = YC_EXP_HI;
    float t = x * YC_EXP_LOG2E + YC_EXP_SHIFTER;
    float n = t - YC_EXP_SHIFTER;
    float f = x - n * YC_EXP_LN2_HI;
    f = f + n * YC_EXP_LN2_LO;
    float p = YC_EXP_POLY(YC_SCALAR_MADD, f, YC_SCALAR_CONST);
    union { unsigned u; float f; } s;
    s.u = (unsigned)((int)n + 127) << 23;
    return p * s.f;
}

// The keys [*a, *b) of a score row that query position p may see (causal, and within `window`
// when window > 0), the tile starting at key j0; every other entry of the row is zeroed. Returns
// 0 when the row sees no key of this tile. Shared by every softmax tile.
static inline int yc_visible_keys(float *row, long cols, long p, long j0, long window, long *a, long *b) {
    long lo = window > 0 ? p - window + 1 - j0 : 0;
    if (lo < 0) lo = 0;
    long hi = p + 1 - j0;
    if (hi > cols) hi = cols;
    if (hi <= lo) { memset(row, 0, (size_t)cols * sizeof(float)); return 0; }
    if (lo > 0) memset(row, 0, (size_t)lo * sizeof(float));
    if (hi < cols) memset(row + hi, 0, (size_t)(cols - hi) * sizeof(float));
    *a = lo;
    *b = hi;
    return 1;
}

/// The path the calling thread's kernels use (yc_simd_path in CKernels.c).
int yc_simd_active(void);

// Each path's kernels, same contracts as the public functions in CKernels.h.
#define YC_DECLARE_PATH(SFX)                                                                                   \
    void yc_softmax_tile_##SFX(float *S, long rows, long cols, long pos0, long posStep, long j0, long window, \
                               float *m, float *l, float *acc, long ldacc, long dh);                           \
    void yc_attention_decode_##SFX(const float *q, long ldq, long rows, long group, const float *k, long ldk,  \
                                   const float *v, long ldv, long lo, long hi, long dh, float scale,           \
                                   float *out, long ldo, long block, float *scratch);                          \
    void yc_decay_mask_##SFX(float *S, long n, long ld, const float *a);                                       \
    void yc_scale_rows_exp_##SFX(float *dst, long ldd, const float *src, long lds, const float *a, float base, \
                                 float sign, long n, long d);                                                  \
    float yc_exp_shifted_sum_##SFX(float *p, long count, float shift);                                         \
    void yc_swish_product_##SFX(const float *gate, const float *up, float *out, long count);

YC_DECLARE_PATH(portable)
#ifdef YC_X86
YC_DECLARE_PATH(avx2)
// The BLAS-free prefill tile, AVX2 only (kernels_vec.inc with YC_FUSED_PREFILL).
long yc_attention_prefill_scratch_avx2(long rows, long keyTile, long dh);
long yc_attention_prefill_avx2(const float *q, long ldq, long rows, long pos0, const float *k, long ldk,
                               const float *v, long ldv, long lo, long hi, long window, long dh, float scale,
                               long keyTile, float *out, long ldo, float *scratch, long scratchFloats);
// gRet's BLAS-free intra-chunk product, AVX2 only (the same file).
long yc_retention_intra_scratch_avx2(long n, long d);
void yc_retention_intra_avx2(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                             float *out, long ldo, float *scratch);
// gRet's BLAS-free inter-chunk products (Q S and the state update), AVX2 only (the same file).
long yc_retention_inter_scratch_avx2(long n, long d);
void yc_retention_inter_avx2(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                             int hasState, float *S, float *out, long ldo, float *scratch);
YC_DECLARE_PATH(avx512)
#endif

#endif
