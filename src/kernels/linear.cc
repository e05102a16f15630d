#include "kernels/linear.h"

#include <string>

#include "kernels/cpu/gemm.h"
#include "kompress/error.h"

namespace kompress::kernels {
namespace {

// Reads the weights in place: no copy of a mmap'd checkpoint.
class Fp32Linear final : public Linear {
 public:
  Fp32Linear(const float* weight, int64_t out, int64_t in) : Linear(out, in), weight_(weight) {}

  void forward(const float* x, int64_t rows, float* y, bool accumulate) const override {
    cpu::gemm_xwt(x, rows, in_features(), weight_, out_features(), y, accumulate);
  }

 private:
  const float* weight_;
};

}  // namespace

std::unique_ptr<Linear> make_linear(LinearPrecision precision, const float* weight,
                                    int64_t out_features, int64_t in_features) {
  switch (precision) {
    case LinearPrecision::kFp32:
      return std::make_unique<Fp32Linear>(weight, out_features, in_features);
  }
  throw Error("unknown linear precision " + std::to_string(static_cast<int>(precision)));
}

}  // namespace kompress::kernels
