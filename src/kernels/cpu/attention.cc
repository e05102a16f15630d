#include "kernels/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/activations.h"

namespace kompress::kernels::cpu {
namespace {

float dot(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// One head of one sequence: rotate Q and K, then softmax(QK^T * scale) V inside the window.
void attend_head(const float* qkv, int64_t begin, int64_t len, int64_t head,
                 const AttentionShape& shape, const RopeTable& rope, float* out) {
  const int64_t d = shape.head_dim;
  const int64_t hidden = shape.num_heads * d;
  const int64_t stride = 3 * hidden;
  std::vector<float> q(static_cast<size_t>(len * d));
  std::vector<float> k(static_cast<size_t>(len * d));
  std::vector<float> scores(static_cast<size_t>(len));
  for (int64_t t = 0; t < len; ++t) {
    const float* row = qkv + (begin + t) * stride + head * d;
    rope.rotate(row, t, q.data() + t * d);
    rope.rotate(row + hidden, t, k.data() + t * d);
  }
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const bool global = shape.window_half < 0;
  for (int64_t i = 0; i < len; ++i) {
    const int64_t lo = global ? 0 : std::max<int64_t>(0, i - shape.window_half);
    const int64_t hi = global ? len - 1 : std::min(len - 1, i + shape.window_half);
    const int64_t n = hi - lo + 1;
    for (int64_t j = 0; j < n; ++j) scores[j] = dot(q.data() + i * d, k.data() + (lo + j) * d, d) * scale;
    softmax_inplace(scores.data(), n);
    float* o = out + (begin + i) * hidden + head * d;
    std::fill(o, o + d, 0.0f);
    for (int64_t j = 0; j < n; ++j) {
      const float* v = qkv + (begin + lo + j) * stride + 2 * hidden + head * d;
      for (int64_t c = 0; c < d; ++c) o[c] += scores[j] * v[c];
    }
  }
}

}  // namespace

void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, float* out) {
  const int64_t num_seqs = static_cast<int64_t>(seq_starts.size()) - 1;
  const int64_t work = num_seqs * shape.num_heads;
#pragma omp parallel for schedule(dynamic)
  for (int64_t w = 0; w < work; ++w) {
    const int64_t s = w / shape.num_heads;
    const int64_t begin = seq_starts[s];
    attend_head(qkv, begin, seq_starts[s + 1] - begin, w % shape.num_heads, shape, rope, out);
  }
}

}  // namespace kompress::kernels::cpu
