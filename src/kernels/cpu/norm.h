// LayerNorm without bias, as ModernBERT uses it.
#pragma once

#include <cstdint>

namespace kompress::kernels::cpu {

// out[r, :] = (x[r, :] - mean) / sqrt(var + eps) * weight, population variance per row.
// `out` may alias `x`.
void layer_norm(const float* x, int64_t rows, int64_t dim, const float* weight, double eps,
                float* out);

}  // namespace kompress::kernels::cpu
