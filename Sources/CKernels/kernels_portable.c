// The portable path: kernels_vec.inc for the baseline ISA of the target (SSE2 on x86-64, NEON on
// aarch64), used where the CPU has neither AVX2 + FMA nor AVX-512, or when forced.
#define YC_SFX portable
#include "kernels_vec.inc"
