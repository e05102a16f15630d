#include "kernels/cpu/activations.h"

#include <algorithm>
#include <cmath>

namespace kompress::kernels::cpu {

float gelu(float x) {
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
  return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
}

void gelu_inplace(float* x, int64_t n) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) x[i] = gelu(x[i]);
}

void geglu(const float* wi_out, int64_t rows, int64_t width, float* out) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* input = wi_out + r * 2 * width;
    const float* gate = input + width;
    float* o = out + r * width;
    for (int64_t i = 0; i < width; ++i) o[i] = gelu(input[i]) * gate[i];
  }
}

void softmax_inplace(float* x, int64_t n) {
  const float max = *std::max_element(x, x + n);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = 1.0f / sum;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace kompress::kernels::cpu
