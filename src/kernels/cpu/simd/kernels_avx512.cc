// simd_kernels.inc for AVX-512 (built with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma).
#define KOMPRESS_SIMD_NS avx512
#define KOMPRESS_SIMD_NS_NAME "avx512"
#define KOMPRESS_SIMD_BYTES 64
#include "kernels/cpu/simd/simd_kernels.inc"
