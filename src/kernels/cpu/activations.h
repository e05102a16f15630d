// Element-wise activations: exact (erf) GELU and the GeGLU gate of ModernBERT's MLP.
#pragma once

#include <cstdint>

namespace kompress::kernels::cpu {

// The erf form, not the tanh approximation: ModernBERT's "gelu".
float gelu(float x);

// In place over n values.
void gelu_inplace(float* x, int64_t n);

// ModernBERT MLP gate: `wi_out` is [rows, 2 * width] = [input | gate];
// out[r, i] = gelu(input[r, i]) * gate[r, i], out is [rows, width].
void geglu(const float* wi_out, int64_t rows, int64_t width, float* out);

// Numerically stable softmax of n values in place.
void softmax_inplace(float* x, int64_t n);

float sigmoid(float x);

}  // namespace kompress::kernels::cpu
