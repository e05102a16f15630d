// Multi-head self-attention over packed sequences, with RoPE and an optional sliding window.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/cpu/rope.h"

namespace kompress::kernels::cpu {

struct AttentionShape {
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  // Local layers: a query at i sees keys j with |i - j| <= window_half. Negative: global.
  int64_t window_half = -1;
};

// `qkv` is [tokens, 3 * hidden] as the fused Wqkv projection writes it (Q | K | V, head h at
// columns h*head_dim.. inside each). `seq_starts` has one entry per sequence plus the total
// token count; positions restart at 0 in each sequence. Writes the per-head contexts to
// `out` [tokens, hidden]. Only keys inside the window are computed, not a masked dense product.
void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, float* out);

}  // namespace kompress::kernels::cpu
