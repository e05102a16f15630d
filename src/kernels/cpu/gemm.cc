#include "kernels/cpu/gemm.h"

#include <oneapi/dnnl/dnnl.h>

#include <string>

#include "kompress/error.h"

namespace kompress::kernels::cpu {

void gemm_xwt(const float* x, int64_t rows, int64_t k, const float* w, int64_t n, float* y,
              bool accumulate) {
  if (rows == 0 || n == 0) return;
  const dnnl_status_t status = dnnl_sgemm('N', 'T', rows, n, k, 1.0f, x, k, w, k,
                                          accumulate ? 1.0f : 0.0f, y, n);
  // Shapes come from a validated checkpoint; a failure here means oneDNN itself refused.
  if (status != dnnl_success) {
    throw Error("oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
  }
}

}  // namespace kompress::kernels::cpu
