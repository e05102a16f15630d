#include "kernels/cpu/norm.h"

#include "kernels/cpu/simd/simd_kernels.h"

namespace kompress::kernels::cpu {

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* weight, double eps,
                float* out) {
  simd_kernels().layer_norm(x, rows, dim, weight, static_cast<float>(eps), out);
}

}  // namespace kompress::kernels::cpu
