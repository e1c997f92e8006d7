// The AVX2 + FMA path: kernels_vec.inc compiled for AVX2 and FMA (x86-64 only), chosen at run
// time when the CPU has both (AMD Zen 1-3, most Intel client parts: AVX2 without AVX-512).
#include "yc_internal.h"
#ifdef YC_X86
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define YC_SFX avx2
#define YC_FUSED_PREFILL 1  // the BLAS-free prefill tile (6 x 16 ymm register tile)
#include "kernels_vec.inc"
#pragma clang attribute pop
#endif
