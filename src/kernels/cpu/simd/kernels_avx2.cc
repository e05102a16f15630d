// simd_kernels.inc for AVX2 (built with -mavx2 -mfma).
#define KOMPRESS_SIMD_NS avx2
#define KOMPRESS_SIMD_NS_NAME "avx2"
#define KOMPRESS_SIMD_BYTES 32
#include "kernels/cpu/simd/simd_kernels.inc"
