#!/usr/bin/env bash
# Prints the OPENBLAS_CORETYPE make should export; nothing means leave it unset (OpenBLAS's own
# detection is right). OpenBLAS 0.3.21 mis-detects AVX-512 machines and falls back to SSE3
# "Prescott" kernels, about 5x slower (BRIEF §5), so those get SkylakeX. A value already set is
# kept when this CPU can run that core; one it cannot (its kernels would die with SIGILL: SkylakeX
# without AVX-512, Bulldozer without FMA4, ...) is replaced, with one line on stderr naming the
# variable. The table of required CPU flags is Sources/Kernels/OpenBLASCores.swift's
# (BLASEnvironmentTests checks the two agree). YOCOPROF_CPUINFO replaces /proc/cpuinfo (tests).
cpuinfo=${YOCOPROF_CPUINFO:-/proc/cpuinfo}
flags=" $(grep -m1 '^flags' "$cpuinfo" 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do case "$flags" in *" $f "*) ;; *) return 1 ;; esac; done; }

avx512="avx512f avx512cd avx512bw avx512dq avx512vl"
fma4="avx fma4 xop"
suggested=""
# shellcheck disable=SC2086
if has $avx512; then suggested=SkylakeX; fi

required() {  # the flags a core's kernels need; nothing for a name OpenBLAS does not know
    case "$(echo "$1" | tr '[:upper:]' '[:lower:]')" in
        katmai|coppermine|northwood|banias|athlon) echo sse2 ;;
        prescott) echo pni ;;
        opteron) echo sse2 3dnow ;;
        opteron_sse3) echo pni 3dnow ;;
        atom|core2|nano) echo ssse3 ;;
        penryn|dunnington) echo sse4_1 ;;
        nehalem) echo sse4_2 ;;
        barcelona) echo pni sse4a ;;
        bobcat) echo ssse3 sse4a ;;
        sandybridge) echo avx ;;
        bulldozer) echo "$fma4" ;;
        piledriver|steamroller|excavator) echo "$fma4" fma ;;
        haswell|zen) echo avx2 fma ;;
        skylakex) echo "$avx512" ;;
        cooperlake) echo "$avx512" avx512_bf16 ;;
        sapphirerapids) echo "$avx512" avx512_bf16 amx_bf16 ;;
    esac
}

if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
    # shellcheck disable=SC2046
    if [ "$flags" = "  " ] || has $(required "$OPENBLAS_CORETYPE"); then echo "$OPENBLAS_CORETYPE"; exit 0; fi
    echo "openblas-coretype.sh: OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE needs CPU flags this CPU lacks (SIGILL); using ${suggested:-the autodetected core} instead" >&2
fi
[ -n "$suggested" ] && echo "$suggested"
exit 0
