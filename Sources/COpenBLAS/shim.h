// COpenBLAS: the CBLAS interface of OpenBLAS and its runtime queries, nothing else.
// Debian installs cblas.h under the multiarch include directory.
#ifndef YOCOPROF_COPENBLAS_SHIM_H
#define YOCOPROF_COPENBLAS_SHIM_H
#if __has_include(<x86_64-linux-gnu/cblas.h>)
#include <x86_64-linux-gnu/cblas.h>
#elif __has_include(<aarch64-linux-gnu/cblas.h>)
#include <aarch64-linux-gnu/cblas.h>
#else
#include <cblas.h>
#endif
#endif
