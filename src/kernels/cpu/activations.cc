#include "kernels/cpu/activations.h"

#include <cmath>

#include "kernels/cpu/simd/simd_kernels.h"

namespace kompress::kernels::cpu {

void gelu(float* x, int64_t rows, int64_t width) { simd_kernels().gelu(x, rows, width); }

void geglu(const float* wi_out, int64_t rows, int64_t width, float* out) {
  simd_kernels().geglu(wi_out, rows, width, out);
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace kompress::kernels::cpu
