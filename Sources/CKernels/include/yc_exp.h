// The one exp(x) every kernel path uses (portable, AVX2, AVX-512 in C; FastMath in Swift reads the
// same constants): exp(x) = 2^n p(f), n = round(x log2 e), f = x - n ln 2 with ln 2 split in two
// (Cody-Waite: f = x - n LN2_HI + n LN2_LO), p the degree-6 Taylor polynomial of e^f on
// |f| <= ln2/2. Relative error below 3e-7 on [-87.3, 88.37] (KernelReferenceTests); x < LO (also -inf,
// NaN) gives exactly 0 so masked scores contribute nothing; x is clamped to HI above (88.37: n = 128
// at 88.38 would build the bit pattern of +inf).
#ifndef YOCOPROF_YC_EXP_H
#define YOCOPROF_YC_EXP_H

#define YC_EXP_LO (-87.3f)
#define YC_EXP_HI 88.37f
#define YC_EXP_LOG2E 1.44269504f
/// 1.5 * 2^23: t = x log2e + SHIFTER rounds to an integer held in t's low mantissa bits.
#define YC_EXP_SHIFTER 12582912.0f
#define YC_EXP_LN2_HI 0.693359375f
#define YC_EXP_LN2_LO 2.1219444e-4f
/// Taylor coefficients 1/720, 1/120, 1/24, 1/6 (then 1/2, 1, 1).
#define YC_EXP_C6 0.00138888888888888889f
#define YC_EXP_C5 0.00833333333333333333f
#define YC_EXP_C4 0.0416666666666666667f
#define YC_EXP_C3 0.166666666666666667f
#define YC_EXP_C2 0.5f

/// p(f) by Horner with any type that has * and + (float, clang vectors); MADD(a, b, c) = a * b + c
/// lets the AVX-512 path spell the same chain with its fused multiply-add.
#define YC_EXP_POLY(MADD, f, C) \
    MADD(MADD(MADD(MADD(MADD(MADD(C(YC_EXP_C6), f, C(YC_EXP_C5)), f, C(YC_EXP_C4)), f, C(YC_EXP_C3)), f, C(YC_EXP_C2)), f, C(1.0f)), f, C(1.0f))

#endif
