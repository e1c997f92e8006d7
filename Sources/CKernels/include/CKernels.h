// Small AVX-512 kernels for the attention softmax, attention decode and the gRet decay mask, with
// a portable C fallback chosen once at run time (cpuid via __builtin_cpu_supports). Both paths are
// deterministic: the same inputs give the same bits on the same machine (the AVX-512 and fallback
// paths may differ from each other in the last bits). Only the Kernels target uses this.
#ifndef YOCOPROF_CKERNELS_H
#define YOCOPROF_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the AVX-512 paths are in use (AVX-512F and the OS saves zmm state), else 0.
int yc_has_avx512(void);
/// Force the portable path (1) or restore dispatch (0) on the calling thread only; for tests.
void yc_force_portable(int portable);

/// One online-softmax step over a score tile S [rows, cols] (row stride cols) whose column j is key
/// j0 + j. Row r sits at position pos0 + posStep * r and sees key j iff j <= p and
/// (window <= 0 or j > p - window). Masked entries become 0; visible ones exp(s - mNew) with
/// mNew = max(m[r], max visible s); l[r] = l[r] * exp(m[r] - mNew) + Σ; acc row r (dh floats,
/// stride ldacc) is multiplied by exp(m[r] - mNew) when that differs from 1.
void yc_softmax_tile(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                     float *m, float *l, float *acc, long ldacc, long dh);

/// Decode attention of `rows` query rows (q row stride ldq) against keys lo..<hi: row r reads KV
/// head r / group, i.e. the dh floats at k + j * ldk + (r / group) * dh (same for v), so all the KV
/// heads of one sequence are streamed in one pass with each key and value row read once.
/// out[r] = softmax(scale q_r K^T) V, in blocks of `block` keys (online softmax across blocks).
/// scratch holds rows * block + 2 * rows + rows * dh floats. With out == NULL the pass stops before
/// normalising: m[rows], l[rows] and the unnormalised acc[rows, dh] stay at scratch + rows * block
/// (one part of a key range split over workers; see yc_attention_decode_merge).
void yc_attention_decode(const float *q, long ldq, long rows, long group, const float *k, long ldk, const float *v,
                         long ldv, long lo, long hi, long dh, float scale, float *out, long ldo, long block,
                         float *scratch);

/// Merges `nparts` partial decode passes over disjoint key ranges (parts[p] is part p's scratch,
/// blocks[p] its block): out[r] = Σ_p exp(m_p - M) acc_p / Σ_p exp(m_p - M) l_p, M = max_p m_p.
/// Parts are combined in index order, so the result is deterministic for a given split.
void yc_attention_decode_merge(const float *const *parts, long nparts, long rows, long dh,
                               const long *blocks, float *out, long ldo);

/// gRet decay mask on an [n, n] score block (row stride ld): row r, m <= r: S[r][m] *= exp(a[r] - a[m]);
/// m > r: S[r][m] = 0.
void yc_decay_mask(float *S, long n, long ld, const float *a);

/// dst[r * ldd + i] = src[r * lds + i] * exp(base + sign * a[r]) for r < n, i < d.
void yc_scale_rows_exp(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d);

/// p[i] = exp(p[i] - shift), returns the sum (the softmax helper, vectorised).
float yc_exp_shifted_sum(float *p, long count, float shift);

#ifdef __cplusplus
}
#endif
#endif
