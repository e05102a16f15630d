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

}  // namespace kompress::kernels::cpu
