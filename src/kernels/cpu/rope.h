// Rotary position embeddings, GPT-NeoX "rotate half" style over the whole head.
#pragma once

#include <cstdint>
#include <vector>

namespace kompress::kernels::cpu {

// cos/sin of position * theta^(-2j/head_dim) for j < head_dim/2, positions [0, max_positions).
class RopeTable {
 public:
  RopeTable(double theta, int64_t head_dim, int64_t max_positions);

  int64_t max_positions() const { return max_positions_; }
  // Row p holds the head_dim / 2 values of position p. Rotating x of position p:
  // x'[j] = x[j] cos - x[j+half] sin, x'[j+half] = x[j+half] cos + x[j] sin.
  const float* cos_table() const { return cos_.data(); }
  const float* sin_table() const { return sin_.data(); }

 private:
  int64_t half_;
  int64_t max_positions_;
  std::vector<float> cos_;  // [max_positions, half]
  std::vector<float> sin_;
};

}  // namespace kompress::kernels::cpu
