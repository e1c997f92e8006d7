// Small SIMD kernels for the attention softmax, attention decode and the gRet decay mask, in three
// paths chosen once per process at run time: AVX-512 (kernels_avx512.c), AVX2 + FMA
// (kernels_avx2.c) and a portable path written on clang vectors so every target vectorises it
// (kernels_portable.c); all share the exp of yc_exp.h. YOCOPROF_SIMD=portable|avx2|avx512 forces
// a path; a value the CPU cannot run (or an unknown name) is ignored here and reported by
// yc_simd_environment_fault, which the Swift side turns into a refusal. Every path is
// deterministic: the same inputs give the same bits on the same machine (paths may differ from
// each other in the last bits). Only the Kernels target uses this.
#ifndef YOCOPROF_CKERNELS_H
#define YOCOPROF_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "yc_exp.h"

/// The kernel paths, weakest first.
enum { YC_SIMD_PORTABLE = 0, YC_SIMD_AVX2 = 1, YC_SIMD_AVX512 = 2 };
/// What YOCOPROF_SIMD asked for: unset or honoured, a name that is not a path, a path this CPU lacks.
enum { YC_SIMD_ENV_OK = 0, YC_SIMD_ENV_UNKNOWN = 1, YC_SIMD_ENV_UNSUPPORTED = 2 };

/// "portable", "avx2", "avx512" ("unknown" for anything else).
const char *yc_simd_name(int path);
/// The path named `name` (case-insensitive), or -1.
int yc_simd_parse(const char *name);
/// 1 when this CPU (and its OS) can run `path`.
int yc_simd_supported(int path);
/// The strongest path this CPU can run.
int yc_simd_best(void);
/// The path the calling thread's kernels use: the thread's forced path, else the process's choice
/// (YOCOPROF_SIMD when the CPU can run it, else the best path).
int yc_simd_path(void);
/// YC_SIMD_ENV_OK, or why YOCOPROF_SIMD was not honoured.
int yc_simd_environment_fault(void);
/// Force `path` on the calling thread only (tests), or restore the process's choice with -1.
/// Returns -1 (and changes nothing) when the CPU cannot run `path`.
int yc_simd_force(int path);

/// CPUs in this process's affinity mask (sched_getaffinity), or 0 where it cannot be read.
int yc_usable_cores(void);

/// exp(x), the scalar form of yc_exp.h's polynomial.
float yc_expf(float x);

/// One online-softmax step over a score tile S [rows, cols] (row stride cols) whose column j is key
/// j0 + j. Row r sits at position pos0 + posStep * r and sees key j iff j <= p and
/// (window <= 0 or j > p - window). Masked entries become 0; visible ones exp(s - mNew) with
/// mNew = max(m[r], max visible s); l[r] = l[r] * exp(m[r] - mNew) + Σ; acc row r (dh floats,
/// stride ldacc) is multiplied by exp(m[r] - mNew) when that differs from 1.
void yc_softmax_tile(float *S, long rows, long cols, long pos0, long posStep, long j0, long window,
                     float *m, float *l, float *acc, long ldacc, long dh);

/// Floats of scratch yc_attention_prefill needs for a tile of `rows` query rows, key tiles of
/// `keyTile` keys and heads of dh, or 0 when the calling thread's path has no such kernel (portable
/// and AVX-512 run the tile as sgemm + yc_softmax_tile + sgemm) or dh is not a multiple of 8.
long yc_attention_prefill_scratch(long rows, long keyTile, long dh);

/// One query tile of a prefill without BLAS: rows r < rows (q row stride ldq) at positions pos0 + r
/// against keys lo ..< hi (k, v row strides ldk, ldv) in key tiles of keyTile from lo, each tile
/// one online-softmax step exactly as yc_softmax_tile (scores scaled by `scale`, masked by
/// position and window); out[r] (stride ldo) = the normalised result. Returns the key tiles
/// processed. Only where yc_attention_prefill_scratch is nonzero; returns -1 (and writes nothing)
/// elsewhere. `scratchFloats` (at least yc_attention_prefill_scratch's figure) is the scratch's
/// size: for dh > 80 the accumulators live in `out` while Q is still read, so q and out must not
/// overlap, and each group of query rows is copied into the scratch when it has room for it.
long yc_attention_prefill(const float *q, long ldq, long rows, long pos0, const float *k, long ldk, const float *v,
                          long ldv, long lo, long hi, long window, long dh, float scale, long keyTile, float *out,
                          long ldo, float *scratch, long scratchFloats);

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

/// Merges `nparts` partial decode passes over disjoint key ranges: parts[p] points at part p's
/// m[rows], l[rows] and acc[rows, dh], one after the other (what a pass with out == NULL leaves at
/// scratch + rows * block): out[r] = Σ_p exp(m_p - M) acc_p / Σ_p exp(m_p - M) l_p, M = max_p m_p.
/// Parts are combined in index order, so the result is deterministic for a given split.
void yc_attention_decode_merge(const float *const *parts, long nparts, long rows, long dh, float *out, long ldo);

/// gRet decay mask on an [n, n] score block (row stride ld): row r, m <= r: S[r][m] *= exp(a[r] - a[m]);
/// m > r: S[r][m] = 0.
void yc_decay_mask(float *S, long n, long ld, const float *a);

/// Floats of scratch yc_retention_intra needs for a chunk of n tokens and heads of d, or 0 where
/// the calling thread's path has no such kernel (portable and AVX-512 run gemm + yc_decay_mask +
/// gemm) or d is not a multiple of 8.
long yc_retention_intra_scratch(long n, long d);

/// gRet's intra-chunk output without BLAS: out[r] (stride ldo) = Σ_m (q_r · k_m) D[r][m] v_m over the
/// chunk's n tokens (q, k, v rows ld apart, d wide), D as in yc_decay_mask (exp(a[r] - a[m]) for
/// m <= r, else 0); out is overwritten. The same products (every m < n, the upper triangle too) as
/// gemm + yc_decay_mask + gemm. Returns -1 (and writes nothing) where yc_retention_intra_scratch is 0.
int yc_retention_intra(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                       float *out, long ldo, float *scratch);

/// Floats of scratch yc_retention_inter needs for a chunk of n tokens and heads of d, or 0 where
/// the calling thread's path has no such kernel (portable and AVX-512 run yc_scale_rows_exp + gemm)
/// or d is not a multiple of 8.
long yc_retention_inter_scratch(long n, long d);

/// gRet's inter-chunk products without BLAS, for one chunk of n tokens (q, k, v rows ld apart, d
/// wide; S [d, d] row-major; a the chunk's cumulative log decays): when hasState,
/// out[r] (stride ldo) += exp(a[r]) q_r S and S = exp(a[n-1]) S; then S += Σ_m exp(a[n-1] - a[m]) k_mᵀ v_m
/// (S = that sum when !hasState). The same products as yc_scale_rows_exp + gemm (Q S) and
/// yc_scale_rows_exp + gemm (Kᵀ V). Returns -1 (and writes nothing) where yc_retention_inter_scratch is 0.
int yc_retention_inter(const float *q, const float *k, const float *v, long ld, long n, long d, const float *a,
                       int hasState, float *S, float *out, long ldo, float *scratch);

/// dst[r * ldd + i] = src[r * lds + i] * exp(base + sign * a[r]) for r < n, i < d.
void yc_scale_rows_exp(float *dst, long ldd, const float *src, long lds, const float *a, float base, float sign, long n, long d);

/// p[i] = exp(p[i] - shift), returns the sum (the softmax helper, vectorised).
float yc_exp_shifted_sum(float *p, long count, float shift);

/// out[i] = swish(gate[i]) * up[i], swish(z) = z / (1 + exp(-z)) (SwiGLU's activation, gRet's output
/// gate); out may be gate or up.
void yc_swish_product(const float *gate, const float *up, float *out, long count);

#ifdef __cplusplus
}
#endif
#endif
