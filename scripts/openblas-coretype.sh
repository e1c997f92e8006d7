#!/usr/bin/env bash
# Prints the OPENBLAS_CORETYPE this CPU should use. OpenBLAS 0.3.21 does not recognise these
# AVX-512 machines and falls back to SSE3 ("Prescott") kernels, about 5x slower (BRIEF §5).
# Prints nothing when the variable is already set or the CPU lacks AVX-512 (autodetection is right).
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then echo "$OPENBLAS_CORETYPE"; exit 0; fi
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then echo SkylakeX; fi
