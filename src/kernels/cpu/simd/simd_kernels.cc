#include "kernels/cpu/simd/simd_kernels.h"

#include "kernels/cpu/cpu_isa.h"

namespace kompress::kernels::cpu {

const SimdKernels& simd_kernels() {
  switch (cpu_features().isa) {
    case CpuIsa::kAvx512:
      return avx512::kKernels;
    case CpuIsa::kAvx2:
      return avx2::kKernels;
    case CpuIsa::kGeneric:
      break;
  }
  return generic::kKernels;
}

}  // namespace kompress::kernels::cpu
