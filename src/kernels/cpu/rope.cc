#include "kernels/cpu/rope.h"

#include <cmath>

namespace kompress::kernels::cpu {

RopeTable::RopeTable(double theta, int64_t head_dim, int64_t max_positions)
    : half_(head_dim / 2),
      max_positions_(max_positions),
      cos_(static_cast<size_t>(max_positions * half_)),
      sin_(static_cast<size_t>(max_positions * half_)) {
  // Angles in double: at position 8000 a float angle would already be off by ~1e-4 rad.
  for (int64_t j = 0; j < half_; ++j) {
    const double inv_freq =
        std::pow(theta, -2.0 * static_cast<double>(j) / static_cast<double>(head_dim));
    for (int64_t p = 0; p < max_positions; ++p) {
      const double angle = static_cast<double>(p) * inv_freq;
      cos_[static_cast<size_t>(p * half_ + j)] = static_cast<float>(std::cos(angle));
      sin_[static_cast<size_t>(p * half_ + j)] = static_cast<float>(std::sin(angle));
    }
  }
}

void RopeTable::rotate(const float* in, int64_t pos, float* out) const {
  const float* c = cos_.data() + pos * half_;
  const float* s = sin_.data() + pos * half_;
  for (int64_t j = 0; j < half_; ++j) {
    const float x1 = in[j];
    const float x2 = in[j + half_];
    out[j] = x1 * c[j] - x2 * s[j];
    out[j + half_] = x2 * c[j] + x1 * s[j];
  }
}

}  // namespace kompress::kernels::cpu
