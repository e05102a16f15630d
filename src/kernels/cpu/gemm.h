// Matrix products of the fp32 path, through oneDNN.
#pragma once

#include <cstdint>

namespace kompress::kernels::cpu {

// y[rows, n] = x[rows, k] * w[n, k]^T (+ y when accumulate). Row-major, contiguous.
// `w` is laid out like a PyTorch Linear weight [out_features, in_features].
void gemm_xwt(const float* x, int64_t rows, int64_t k, const float* w, int64_t n, float* y,
              bool accumulate = false);

}  // namespace kompress::kernels::cpu
