#include "kernels/cpu/activations.h"

#include <cmath>

#include "kernels/cpu/simd/simd_kernels.h"

namespace kompress::kernels::cpu {

float gelu(float x) {
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
  return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
}

void geglu(const float* wi_out, int64_t rows, int64_t width, float* out) {
  simd_kernels().geglu(wi_out, rows, width, out);
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace kompress::kernels::cpu
