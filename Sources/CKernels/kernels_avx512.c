// The AVX-512 path (AVX-512F; Intel Skylake-SP and later, AMD Zen 4): 16-lane kernels with masked
// tails, chosen at run time when the CPU and OS support it. Same contracts as CKernels.h; the exp
// is include/yc_exp.h's polynomial with the reduction done by roundscale and the 2^n by scalef.
#include "yc_internal.h"

#ifdef YC_X86
#include <immintrin.h>
#define YC_AVX512 __attribute__((target("avx512f")))

YC_AVX512 static inline __m512 yc_exp16(__m512 x) {
    __mmask16 low = _mm512_cmp_ps_mask(x, _mm512_set1_ps(YC_EXP_LO), _CMP_GE_OQ);  // lanes kept (NaN is not: it gives 0 as on every path)
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(YC_EXP_LO)), _mm512_set1_ps(YC_EXP_HI));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(YC_EXP_LOG2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fnmadd_ps(n, _mm512_set1_ps(YC_EXP_LN2_HI), x);
    f = _mm512_fmadd_ps(n, _mm512_set1_ps(YC_EXP_LN2_LO), f);
    __m512 p = YC_EXP_POLY(_mm512_fmadd_ps, f, _mm512_set1_ps);
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

YC_AVX512 void yc_softmax_tile_avx512(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
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

YC_AVX512 void yc_decay_mask_avx512(float *S, long n, long ld, const float *a) {
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

YC_AVX512 void yc_scale_rows_exp_avx512(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d) {
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

YC_AVX512 void yc_attention_decode_avx512(const float *q, long ldq, long rows, long group, const float *k, long ldk,
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

YC_AVX512 float yc_exp_shifted_sum_avx512(float *p, long count, float shift) { return yc_expsum16(p, 0, count, shift); }
#endif
