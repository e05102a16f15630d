// simd_kernels.inc for the x86-64 baseline (SSE2).
#define KOMPRESS_SIMD_NS generic
#define KOMPRESS_SIMD_NS_NAME "generic"
#define KOMPRESS_SIMD_BYTES 16
#include "kernels/cpu/simd/simd_kernels.inc"
