// A linear layer whose weights are prepared once for a precision and device.
//
// The model code only calls forward(); each precision (fp32 now; bf16 and int8 later) and
// device provides its own implementation behind make_linear().
#pragma once

#include <cstdint>
#include <memory>

namespace kompress::kernels {

enum class LinearPrecision { kFp32 };

class Linear {
 public:
  Linear(int64_t out_features, int64_t in_features)
      : out_features_(out_features), in_features_(in_features) {}
  virtual ~Linear() = default;
  Linear(const Linear&) = delete;
  Linear& operator=(const Linear&) = delete;

  // y[rows, out] = x[rows, in] * W^T (+ y when accumulate).
  virtual void forward(const float* x, int64_t rows, float* y, bool accumulate = false) const = 0;

  int64_t out_features() const { return out_features_; }
  int64_t in_features() const { return in_features_; }

 private:
  int64_t out_features_;
  int64_t in_features_;
};

// `weight` is [out, in] row-major fp32 and must outlive the layer (it may be mmap'd).
std::unique_ptr<Linear> make_linear(LinearPrecision precision, const float* weight,
                                    int64_t out_features, int64_t in_features);

}  // namespace kompress::kernels
