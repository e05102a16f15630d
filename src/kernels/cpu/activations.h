// Element-wise activations: exact (erf) GELU and the GeGLU gate of ModernBERT's MLP.
#pragma once

#include <cstdint>

namespace kompress::kernels::cpu {

// GELU in its erf form, not the tanh approximation (ModernBERT's "gelu"), in place on
// [rows, width]. Vectorised, with an erf within 1.5e-7 of std::erf.
void gelu(float* x, int64_t rows, int64_t width);

// ModernBERT MLP gate: `wi_out` is [rows, 2 * width] = [input | gate];
// out[r, i] = gelu(input[r, i]) * gate[r, i], out is [rows, width]. Same GELU as gelu().
void geglu(const float* wi_out, int64_t rows, int64_t width, float* out);

float sigmoid(float x);

}  // namespace kompress::kernels::cpu
