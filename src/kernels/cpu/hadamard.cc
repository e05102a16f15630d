#include "kernels/cpu/hadamard.h"

#include <algorithm>
#include <cmath>

namespace kompress::kernels::cpu {
namespace {

// In-place fast transform of one block: log2(block) stages of butterflies.
void transform(float* v, int64_t block, float norm) {
  for (int64_t h = 1; h < block; h *= 2) {
    for (int64_t i = 0; i < block; i += 2 * h) {
      for (int64_t j = i; j < i + h; ++j) {
        const float a = v[j], b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
  for (int64_t j = 0; j < block; ++j) v[j] *= norm;
}

}  // namespace

bool is_hadamard_block(int64_t block) { return block >= 2 && (block & (block - 1)) == 0; }

float hadamard_norm(int64_t block) {
  return static_cast<float>(1.0 / std::sqrt(static_cast<double>(block)));
}

void hadamard_row(const float* in, float* out, int64_t cols, int64_t block) {
  const float norm = hadamard_norm(block);
  const int64_t full = cols - cols % block;
  if (in != out) std::copy(in, in + cols, out);
  for (int64_t b = 0; b < full; b += block) transform(out + b, block, norm);
}

void hadamard_blocks(const float* in, float* out, int64_t rows, int64_t cols, int64_t block) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) hadamard_row(in + r * cols, out + r * cols, cols, block);
}

}  // namespace kompress::kernels::cpu
