#include "kernels/cpu/norm.h"

#include <cmath>

namespace kompress::kernels::cpu {

void layer_norm(const float* x, int64_t rows, int64_t dim, const float* weight, double eps,
                float* out) {
  // Statistics in double: the reference is exact to 1e-5 and rows are long.
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    double sum = 0.0;
    for (int64_t i = 0; i < dim; ++i) sum += xr[i];
    const double mean = sum / static_cast<double>(dim);
    double sq = 0.0;
    for (int64_t i = 0; i < dim; ++i) {
      const double d = xr[i] - mean;
      sq += d * d;
    }
    const double inv_std = 1.0 / std::sqrt(sq / static_cast<double>(dim) + eps);
    float* o = out + r * dim;
    for (int64_t i = 0; i < dim; ++i) {
      o[i] = static_cast<float>((xr[i] - mean) * inv_std) * weight[i];
    }
  }
}

}  // namespace kompress::kernels::cpu
