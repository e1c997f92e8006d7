// See include/CKernels.h. exp(x) = 2^n p(f), n = round(x log2 e), f = x - n ln 2 (Cody-Waite),
// p a degree-6 Taylor polynomial (relative error below 2e-7 on [-87, 88]); x < -87.3 gives 0.
#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define YC_X86 1
#include <immintrin.h>
#endif

static _Thread_local int yc_portable_forced = 0;  // per thread: tests force it without racing others
// The CPU check runs once; workers of the attention and retention kernels call in concurrently,
// so the cached answer is an atomic (ThreadSanitizer flagged the plain int).
static int yc_avx512_cached = -1;  // accessed only through __atomic builtins

int yc_has_avx512(void) {
#ifdef YC_X86
    int cached = __atomic_load_n(&yc_avx512_cached, __ATOMIC_ACQUIRE);
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&yc_avx512_cached, cached, __ATOMIC_RELEASE);  // every thread computes the same value
    }
    return cached && !yc_portable_forced;
#else
    return 0;
#endif
}

void yc_force_portable(int portable) { yc_portable_forced = portable; }

// MARK: portable

static inline float yc_exp1(float x) {
    if (!(x >= -87.3f)) return 0.0f;  // also -inf and NaN-free masked scores
    if (x > 88.7f) x = 88.7f;
    float t = x * 1.44269504f + 12582912.0f;
    float n = t - 12582912.0f;
    float f = x - n * 0.693359375f;
    f = f + n * 2.1219444e-4f;
    float p = 1.0f / 720;
    p = p * f + 1.0f / 120;
    p = p * f + 1.0f / 24;
    p = p * f + 1.0f / 6;
    p = p * f + 0.5f;
    p = p * f + 1;
    p = p * f + 1;
    int ni = (int)n;
    union { unsigned u; float f; } s;
    s.u = (unsigned)(ni + 127) << 23;
    return p * s.f;
}

// The keys [*a, *b) of a score row that query position p may see (causal, and within `window`
// when window > 0), the tile starting at key j0; every other entry of the row is zeroed. Returns
// 0 when the row sees no key of this tile. Shared by the portable and AVX-512 softmax tiles.
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

static void softmax_tile_portable(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                                  float *m, float *l, float *acc, long ldacc, long dh) {
    for (long r = 0; r < rows; r++) {
        float *row = S + r * cols;
        long a, b;
        if (!yc_visible_keys(row, cols, pos0 + posStep * r, j0, window, &a, &b)) continue;
        float mx = m[r];
        for (long j = a; j < b; j++) mx = row[j] > mx ? row[j] : mx;
        float corr = yc_exp1(m[r] - mx);
        float sum = 0;
        for (long j = a; j < b; j++) { float e = yc_exp1(row[j] - mx); row[j] = e; sum += e; }
        l[r] = l[r] * corr + sum;
        m[r] = mx;
        if (corr != 1.0f) { float *ar = acc + r * ldacc; for (long i = 0; i < dh; i++) ar[i] *= corr; }
    }
}

static float exp_shifted_sum_portable(float *p, long count, float shift) {
    float sum = 0;
    for (long i = 0; i < count; i++) { float e = yc_exp1(p[i] - shift); p[i] = e; sum += e; }
    return sum;
}

static void decay_mask_portable(float *S, long n, long ld, const float *a) {
    for (long r = 0; r < n; r++) {
        float *row = S + r * ld;
        for (long m = 0; m <= r; m++) row[m] *= yc_exp1(a[r] - a[m]);
        for (long m = r + 1; m < n; m++) row[m] = 0;
    }
}

static void scale_rows_exp_portable(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d) {
    for (long r = 0; r < n; r++) {
        float f = yc_exp1(base + sign * a[r]);
        for (long i = 0; i < d; i++) dst[r * ldd + i] = src[r * lds + i] * f;
    }
}

// MARK: AVX-512

#ifdef YC_X86
#define YC_AVX512 __attribute__((target("avx512f")))

YC_AVX512 static inline __m512 yc_exp16(__m512 x) {
    __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_NLT_UQ);  // lanes kept
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    f = _mm512_fmadd_ps(n, _mm512_set1_ps(2.1219444e-4f), f);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_maskz_scalef_ps(low, p, n);
}

YC_AVX512 static inline __mmask16 yc_tail(long left) {
    return left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
}

YC_AVX512 static float yc_max16(const float *p, long a, long b, float init) {
    __m512 mx = _mm512_set1_ps(init);
    for (long j = a; j < b; j += 16) {
        __mmask16 k = yc_tail(b - j);
        mx = _mm512_mask_max_ps(mx, k, mx, _mm512_maskz_loadu_ps(k, p + j));
    }
    return _mm512_reduce_max_ps(mx);
}

YC_AVX512 static float yc_expsum16(float *p, long a, long b, float shift) {
    __m512 s = _mm512_set1_ps(shift);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    long j = a;
    for (; j + 32 <= b; j += 32) {
        __m512 e0 = yc_exp16(_mm512_sub_ps(_mm512_loadu_ps(p + j), s));
        __m512 e1 = yc_exp16(_mm512_sub_ps(_mm512_loadu_ps(p + j + 16), s));
        _mm512_storeu_ps(p + j, e0);
        _mm512_storeu_ps(p + j + 16, e1);
        acc0 = _mm512_add_ps(acc0, e0);
        acc1 = _mm512_add_ps(acc1, e1);
    }
    for (; j < b; j += 16) {
        __mmask16 k = yc_tail(b - j);
        __m512 e = _mm512_maskz_mov_ps(k, yc_exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, p + j), s)));
        _mm512_mask_storeu_ps(p + j, k, e);
        acc0 = _mm512_add_ps(acc0, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

YC_AVX512 static void yc_scale16(float *p, long n, float s) {
    __m512 v = _mm512_set1_ps(s);
    for (long i = 0; i < n; i += 16) {
        __mmask16 k = yc_tail(n - i);
        _mm512_mask_storeu_ps(p + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + i), v));
    }
}

YC_AVX512 static void softmax_tile_avx512(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                                          float *m, float *l, float *acc, long ldacc, long dh) {
    for (long r = 0; r < rows; r++) {
        float *row = S + r * cols;
        long a, b;
        if (!yc_visible_keys(row, cols, pos0 + posStep * r, j0, window, &a, &b)) continue;
        float mx = yc_max16(row, a, b, m[r]);
        float corr = yc_exp1(m[r] - mx);
        float sum = yc_expsum16(row, a, b, mx);
        l[r] = l[r] * corr + sum;
        m[r] = mx;
        if (corr != 1.0f) yc_scale16(acc + r * ldacc, dh, corr);
    }
}

YC_AVX512 static void decay_mask_avx512(float *S, long n, long ld, const float *a) {
    for (long r = 0; r < n; r++) {
        float *row = S + r * ld;
        __m512 ar = _mm512_set1_ps(a[r]);
        long cnt = r + 1;
        for (long m = 0; m < cnt; m += 16) {
            __mmask16 k = yc_tail(cnt - m);
            __m512 e = yc_exp16(_mm512_sub_ps(ar, _mm512_maskz_loadu_ps(k, a + m)));
            _mm512_mask_storeu_ps(row + m, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, row + m), e));
        }
        if (cnt < n) memset(row + cnt, 0, (size_t)(n - cnt) * sizeof(float));
    }
}

YC_AVX512 static void scale_rows_exp_avx512(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d) {
    for (long r = 0; r < n; r++) {
        __m512 f = _mm512_set1_ps(yc_exp1(base + sign * a[r]));
        for (long i = 0; i < d; i += 16) {
            __mmask16 k = yc_tail(d - i);
            _mm512_mask_storeu_ps(dst + r * ldd + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, src + r * lds + i), f));
        }
    }
}

// Decode: per block of keys, scores for all rows (each K row read once), online softmax, then each
// V row read once. Rows are walked as (KV head, row in group) so no division sits in the key loop;
// DH is a compile-time constant in the specialised copies (64, 128) so the loops unroll.
YC_AVX512 static inline __attribute__((always_inline)) void
decode_block_scores(const float *q, long ldq, long rows, long group, const float *k, long ldk, long j0, long cols,
                    long DH, float scale, float *s, long block) {
    long kvHeads = rows / group;
    for (long j = 0; j < cols; j++) {
        const float *kr = k + (j0 + j) * ldk;
        for (long kh = 0; kh < kvHeads; kh++) {
            const float *khp = kr + kh * DH;
            for (long g = 0; g < group; g++) {
                long r = kh * group + g;
                const float *qr = q + r * ldq;
                __m512 d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
                long i = 0;
                for (; i + 32 <= DH; i += 32) {
                    d0 = _mm512_fmadd_ps(_mm512_loadu_ps(qr + i), _mm512_loadu_ps(khp + i), d0);
                    d1 = _mm512_fmadd_ps(_mm512_loadu_ps(qr + i + 16), _mm512_loadu_ps(khp + i + 16), d1);
                }
                for (; i < DH; i += 16) {
                    __mmask16 t = yc_tail(DH - i);
                    d0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, qr + i), _mm512_maskz_loadu_ps(t, khp + i), d0);
                }
                s[r * block + j] = scale * _mm512_reduce_add_ps(_mm512_add_ps(d0, d1));
            }
        }
    }
}

// acc[r] += Σ_j p[r][j] v_j with the accumulators of R consecutive rows held in registers across
// the keys of the block (R * DH / 16 <= 16 zmm: R = 4 at dh 64, 2 at dh 128). Row x reads the
// value slice at vr + off[x] (its KV head); the R slices of a key row are near each other, so
// the block's V rows are walked in address order.
YC_AVX512 static inline __attribute__((always_inline)) void
decode_rows_values(const float *v0, const long *off, long ldv, long cols, const float *p, long block, float *acc,
                   long R, long DH) {
    __m512 a[16];
    const long C = DH / 16;
    for (long x = 0; x < R; x++) for (long c = 0; c < C; c++) a[x * C + c] = _mm512_loadu_ps(acc + x * DH + c * 16);
    for (long j = 0; j < cols; j++) {
        const float *vr = v0 + j * ldv;
        for (long x = 0; x < R; x++) {
            __m512 pj = _mm512_set1_ps(p[x * block + j]);
            for (long c = 0; c < C; c++) a[x * C + c] = _mm512_fmadd_ps(pj, _mm512_loadu_ps(vr + off[x] + c * 16), a[x * C + c]);
        }
    }
    for (long x = 0; x < R; x++) for (long c = 0; c < C; c++) _mm512_storeu_ps(acc + x * DH + c * 16, a[x * C + c]);
}

YC_AVX512 static inline __attribute__((always_inline)) void
decode_block_values(long rows, long group, const float *v, long ldv, long j0, long cols, long DH,
                    const float *s, long block, float *acc) {
    const long RT = 256 / DH;  // rows per register tile (specialised DH only: 64 -> 4, 128 -> 2)
    long off[4];
    for (long r0 = 0; r0 < rows; r0 += RT) {
        long R = rows - r0 < RT ? rows - r0 : RT;
        for (long x = 0; x < R; x++) off[x] = ((r0 + x) / group) * DH;
        const float *v0 = v + j0 * ldv;
        if (R == RT) decode_rows_values(v0, off, ldv, cols, s + r0 * block, block, acc + r0 * DH, RT, DH);
        else for (long x = 0; x < R; x++)
            decode_rows_values(v0, off + x, ldv, cols, s + (r0 + x) * block, block, acc + (r0 + x) * DH, 1, DH);
    }
}

YC_AVX512 static void decode_block_values_generic(long rows, long group, const float *v, long ldv, long j0, long cols,
                                                  long DH, const float *s, long block, float *acc) {
    long kvHeads = rows / group;
    for (long j = 0; j < cols; j++) {
        const float *vr = v + (j0 + j) * ldv;
        for (long kh = 0; kh < kvHeads; kh++) {
            const float *vh = vr + kh * DH;
            for (long g = 0; g < group; g++) {
                long r = kh * group + g;
                __m512 pj = _mm512_set1_ps(s[r * block + j]);
                float *ar = acc + r * DH;
                for (long i = 0; i < DH; i += 16) {
                    __mmask16 t = yc_tail(DH - i);
                    _mm512_mask_storeu_ps(ar + i, t, _mm512_fmadd_ps(pj, _mm512_maskz_loadu_ps(t, vh + i), _mm512_maskz_loadu_ps(t, ar + i)));
                }
            }
        }
    }
}

YC_AVX512 static void attention_decode_avx512(const float *q, long ldq, long rows, long group, const float *k, long ldk,
                                              const float *v, long ldv, long lo, long hi, long dh, float scale,
                                              float *out, long ldo, long block, float *scratch) {
    float *s = scratch, *m = s + rows * block, *l = m + rows, *acc = l + rows;
    for (long r = 0; r < rows; r++) { m[r] = -INFINITY; l[r] = 0; }
    memset(acc, 0, (size_t)(rows * dh) * sizeof(float));
    for (long j0 = lo; j0 < hi; j0 += block) {
        long cols = hi - j0 < block ? hi - j0 : block;
        if (dh == 64) decode_block_scores(q, ldq, rows, group, k, ldk, j0, cols, 64, scale, s, block);
        else if (dh == 128) decode_block_scores(q, ldq, rows, group, k, ldk, j0, cols, 128, scale, s, block);
        else decode_block_scores(q, ldq, rows, group, k, ldk, j0, cols, dh, scale, s, block);
        for (long r = 0; r < rows; r++) {
            float *row = s + r * block;
            float mx = yc_max16(row, 0, cols, m[r]);
            float corr = yc_exp1(m[r] - mx);
            float sum = yc_expsum16(row, 0, cols, mx);
            l[r] = l[r] * corr + sum;
            m[r] = mx;
            if (corr != 1.0f) yc_scale16(acc + r * dh, dh, corr);
        }
        if (dh == 64) decode_block_values(rows, group, v, ldv, j0, cols, 64, s, block, acc);
        else if (dh == 128) decode_block_values(rows, group, v, ldv, j0, cols, 128, s, block, acc);
        else decode_block_values_generic(rows, group, v, ldv, j0, cols, dh, s, block, acc);
    }
    if (!out) return;  // partial: m, l and the unnormalised acc stay in scratch
    for (long r = 0; r < rows; r++) {
        float inv = l[r] > 0 ? 1 / l[r] : 0;
        for (long i = 0; i < dh; i++) out[r * ldo + i] = acc[r * dh + i] * inv;
    }
}
#endif

static void attention_decode_portable(const float *q, long ldq, long rows, long group, const float *k, long ldk,
                                      const float *v, long ldv, long lo, long hi, long dh, float scale,
                                      float *out, long ldo, long block, float *scratch) {
    float *s = scratch, *m = s + rows * block, *l = m + rows, *acc = l + rows;
    for (long r = 0; r < rows; r++) { m[r] = -INFINITY; l[r] = 0; }
    memset(acc, 0, (size_t)(rows * dh) * sizeof(float));
    for (long j0 = lo; j0 < hi; j0 += block) {
        long cols = hi - j0 < block ? hi - j0 : block;
        for (long j = 0; j < cols; j++) {
            const float *kr = k + (j0 + j) * ldk;
            for (long r = 0; r < rows; r++) {
                const float *qr = q + r * ldq, *kh = kr + (r / group) * dh;
                float d = 0;
                for (long i = 0; i < dh; i++) d += qr[i] * kh[i];
                s[r * block + j] = scale * d;
            }
        }
        for (long r = 0; r < rows; r++) {
            float *row = s + r * block;
            float mx = m[r];
            for (long j = 0; j < cols; j++) mx = row[j] > mx ? row[j] : mx;
            float corr = yc_exp1(m[r] - mx);
            float sum = exp_shifted_sum_portable(row, cols, mx);
            l[r] = l[r] * corr + sum;
            m[r] = mx;
            if (corr != 1.0f) for (long i = 0; i < dh; i++) acc[r * dh + i] *= corr;
        }
        for (long j = 0; j < cols; j++) {
            const float *vr = v + (j0 + j) * ldv;
            for (long r = 0; r < rows; r++) {
                float pj = s[r * block + j];
                const float *vh = vr + (r / group) * dh;
                for (long i = 0; i < dh; i++) acc[r * dh + i] += pj * vh[i];
            }
        }
    }
    if (!out) return;  // partial: m, l and the unnormalised acc stay in scratch
    for (long r = 0; r < rows; r++) {
        float inv = l[r] > 0 ? 1 / l[r] : 0;
        for (long i = 0; i < dh; i++) out[r * ldo + i] = acc[r * dh + i] * inv;
    }
}

// MARK: dispatch

void yc_softmax_tile(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                     float *m, float *l, float *acc, long ldacc, long dh) {
#ifdef YC_X86
    if (yc_has_avx512()) { softmax_tile_avx512(S, rows, cols, pos0, posStep, j0, window, m, l, acc, ldacc, dh); return; }
#endif
    softmax_tile_portable(S, rows, cols, pos0, posStep, j0, window, m, l, acc, ldacc, dh);
}

void yc_attention_decode(const float *q, long ldq, long rows, long group, const float *k, long ldk, const float *v,
                         long ldv, long lo, long hi, long dh, float scale, float *out, long ldo, long block,
                         float *scratch) {
#ifdef YC_X86
    if (yc_has_avx512()) { attention_decode_avx512(q, ldq, rows, group, k, ldk, v, ldv, lo, hi, dh, scale, out, ldo, block, scratch); return; }
#endif
    attention_decode_portable(q, ldq, rows, group, k, ldk, v, ldv, lo, hi, dh, scale, out, ldo, block, scratch);
}

void yc_decay_mask(float *S, long n, long ld, const float *a) {
#ifdef YC_X86
    if (yc_has_avx512()) { decay_mask_avx512(S, n, ld, a); return; }
#endif
    decay_mask_portable(S, n, ld, a);
}

void yc_scale_rows_exp(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d) {
#ifdef YC_X86
    if (yc_has_avx512()) { scale_rows_exp_avx512(dst, ldd, src, lds, a, base, sign, n, d); return; }
#endif
    scale_rows_exp_portable(dst, ldd, src, lds, a, base, sign, n, d);
}

float yc_exp_shifted_sum(float *p, long count, float shift) {
#ifdef YC_X86
    if (yc_has_avx512()) return yc_expsum16(p, 0, count, shift);
#endif
    return exp_shifted_sum_portable(p, count, shift);
}

void yc_attention_decode_merge(const float *const *parts, long nparts, long rows, long dh,
                               const long *blocks, float *out, long ldo) {
    for (long r = 0; r < rows; r++) {
        float M = -INFINITY;
        for (long p = 0; p < nparts; p++) {
            const float *m = parts[p] + rows * blocks[p];
            if (m[r] > M) M = m[r];
        }
        float *o = out + r * ldo;
        for (long i = 0; i < dh; i++) o[i] = 0;
        if (M == -INFINITY) continue;
        float L = 0;
        for (long p = 0; p < nparts; p++) {
            const float *m = parts[p] + rows * blocks[p], *l = m + rows, *acc = l + rows;
            if (m[r] == -INFINITY) continue;
            float c = yc_exp1(m[r] - M);
            L += c * l[r];
            for (long i = 0; i < dh; i++) o[i] += c * acc[r * dh + i];
        }
        float inv = L > 0 ? 1 / L : 0;
        for (long i = 0; i < dh; i++) o[i] *= inv;
    }
}
