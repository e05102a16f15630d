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
  // Rotates x[0, head_dim) of position `pos` from `in` into `out`:
  // out[j] = x[j] cos - x[j+half] sin, out[j+half] = x[j+half] cos + x[j] sin.
  void rotate(const float* in, int64_t pos, float* out) const;

 private:
  int64_t half_;
  int64_t max_positions_;
  std::vector<float> cos_;  // [max_positions, half]
  std::vector<float> sin_;
};

}  // namespace kompress::kernels::cpu
