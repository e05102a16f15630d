#include "model/pass_threads.h"

#include <omp.h>

#include <algorithm>

namespace kompress::model {

double linear_macs_per_token(const weights::ModelConfig& config) {
  const auto h = static_cast<double>(config.hidden_size);
  const auto i = static_cast<double>(config.intermediate_size);
  // Wqkv, Wo, Wi (input and gate), the MLP's Wo.
  return static_cast<double>(config.num_layers) * (3 * h * h + h * h + 2 * i * h + i * h);
}

int pass_threads(int64_t tokens, double macs_per_token, kernels::LinearPrecision precision,
                 int most) {
  const double per_thread = precision == kernels::LinearPrecision::kFp32 ? 192e6 : 480e6;
  const double macs = static_cast<double>(tokens) * macs_per_token;
  return static_cast<int>(
      std::clamp(macs / per_thread, 1.0, static_cast<double>(std::max(1, most))));
}

PassThreads::PassThreads(int threads) : before_(omp_get_max_threads()) {
  omp_set_num_threads(threads);
}

PassThreads::~PassThreads() { omp_set_num_threads(before_); }

}  // namespace kompress::model
