// Builds the model's linear layers at the precision asked for, from whatever the checkpoint
// holds: fp32 weights (packed at load, at fp32 or quantized to bf16/int8, after which the
// checkpoint's pages leave memory) or weights that `kompress quantize` stored already packed
// (mapped, no copy; see docs/quantized-checkpoints.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/linear.h"
#include "model/weight_store.h"

namespace kompress::model {

// Metadata keys of a quantized checkpoint.
inline constexpr const char* kPrecisionKey = "kompress.precision";  // "int8" or "bf16"
inline constexpr const char* kLayoutSuffix = ".layout";             // "<weight name>.layout"
inline constexpr const char* kScaleSuffix = "_scale";               // F32 [out], int8 only
inline constexpr const char* kColSumSuffix = "_col_sum";            // I32 [out], int8 only
inline constexpr const char* kHadamardSuffix = ".hadamard";  // "<weight name>.hadamard", int8

// The precision a checkpoint was quantized to, or fp32 for a plain one. Throws kompress::Error
// for an unknown kompress.precision value.
kernels::LinearPrecision stored_precision(const weights::SafetensorsFile& file);

std::string precision_name(kernels::LinearPrecision precision);

// The Hadamard block (kernels::PackedWeights) an int8 layer gets, from its checkpoint name: the
// MLP's output projection, whose input (the GeGLU product) has rows with a few values 8-9x their
// RMS; 0 for every other layer, whose inputs are near Gaussian already.
int64_t int8_hadamard_block(const std::string& name);

class LinearLoader {
 public:
  // `store` must outlive the loader and the layers. A packed checkpoint only loads at its own
  // precision (checked by the caller).
  LinearLoader(WeightStore& store, kernels::LinearPrecision precision);

  // Rearranges a stored fp32 tensor into the [out, in] matrix of the layer.
  using ToMatrix = std::function<std::vector<float>(const float* stored)>;

  // The layer stored as `name`, [out, in]. `to_matrix` is for tensors that are not stored as a
  // matrix (the span convolution); a packed checkpoint stores them as the matrix already.
  std::unique_ptr<kernels::Linear> load(const std::string& name, int64_t out, int64_t in,
                                        const ToMatrix& to_matrix = {}) const;

  kernels::LinearPrecision precision() const { return precision_; }

 private:
  static int64_t stored_hadamard_block(const weights::SafetensorsFile& file,
                                       const std::string& name);
  std::unique_ptr<kernels::Linear> load_packed(const std::string& name, int64_t out,
                                               int64_t in) const;

  WeightStore& store_;
  kernels::LinearPrecision precision_;
  bool packed_;
};

}  // namespace kompress::model
