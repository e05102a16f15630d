// Float views of a checkpoint's tensors: zero-copy for aligned F32, converted copies otherwise.
#pragma once

#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weights/safetensors.h"

namespace kompress::model {

class WeightStore {
 public:
  explicit WeightStore(weights::SafetensorsFile file) : file_(std::move(file)) {}

  // The tensor as fp32. Throws kompress::Error naming the file and tensor when absent or of an
  // integer dtype. The pointer lives as long as the store.
  const float* f32(std::string_view name);
  // Same, or nullptr when the tensor is absent.
  const float* f32_or_null(std::string_view name);

  // The tensor's elements in place, for a tensor of exactly `dtype` whose data is aligned for
  // T. Throws kompress::Error naming the file and tensor otherwise.
  template <class T>
  std::span<const T> typed(const std::string& name, weights::DType dtype) const {
    const weights::TensorView& t = checked(name, dtype, alignof(T));
    return {reinterpret_cast<const T*>(t.data), t.nbytes / sizeof(T)};
  }

  // Keeps `values` alive as long as the store (weights the model rearranged at load).
  const float* keep(std::vector<float> values);

  // For a caller that copied `values` (from f32() or keep()) and is done with them: a converted
  // copy is freed, a mapped tensor's pages leave resident memory. `values` must not be used
  // again.
  void release(const float* values);

  const weights::SafetensorsFile& file() const { return file_; }

 private:
  const weights::TensorView& checked(const std::string& name, weights::DType dtype,
                                     size_t alignment) const;

  weights::SafetensorsFile file_;
  std::deque<std::vector<float>> converted_;  // F16/BF16 tensors widened once at load
};

}  // namespace kompress::model
