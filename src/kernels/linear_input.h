// What a linear layer reads: rows of x as they are, or a row-wise function of them that the layer
// computes on the fly. int8 and bf16 layers apply it a row at a time while quantising or rounding
// (the row stays in L1: no pass over the activations of its own, no buffer); fp32 layers, which
// read float rows, into scratch first.
#pragma once

#include <cstdint>

namespace kompress::kernels {

struct LinearInput {
  enum class Op {
    kRows,       // x [rows, in]
    kLayerNorm,  // layer_norm(x [rows, in], norm_weight, norm_eps), no bias
    kGeglu,      // geglu(x [rows, 2 * in]): gelu(first half) * second half
  };
  const float* x = nullptr;
  Op op = Op::kRows;
  const float* norm_weight = nullptr;
  float norm_eps = 0.0f;

  static LinearInput rows(const float* x) { return {x}; }
  static LinearInput layer_norm(const float* x, const float* weight, float eps) {
    return {x, Op::kLayerNorm, weight, eps};
  }
  static LinearInput geglu(const float* x) { return {x, Op::kGeglu}; }
};

}  // namespace kompress::kernels
