// Multi-head self-attention over packed sequences, with RoPE and an optional sliding window.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/cpu/rope.h"
#include "kernels/cpu/simd/simd_kernels.h"

namespace kompress::kernels::cpu {

struct AttentionShape {
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  // Local layers: a query at i sees keys j with |i - j| <= window_half. Negative: global.
  int64_t window_half = -1;
  // What the products run in where the CPU has it (kBf16: AVX512_BF16; kInt8: that and VNNI),
  // the next lower one where it has not (kInt8 -> kBf16 -> kFp32). See AttentionProducts.
  AttentionProducts products = AttentionProducts::kFp32;
};

// The products attention() runs when `wanted` is asked for with heads of `head_dim`: the
// low-precision ones where this CPU has them (kBf16: AVX-512 with AVX512_BF16; kInt8: that and
// VNNI, else kBf16) and head_dim is 16, 32, 64, 128 or 256; kFp32 otherwise.
AttentionProducts available_attention_products(AttentionProducts wanted, int64_t head_dim);

// "fp32", "bf16" or "int8 Q.K, bf16 P.V".
const char* attention_products_name(AttentionProducts products);

// Tokens in the longest of the packed sequences that `seq_starts` delimits.
int64_t longest_sequence(std::span<const int64_t> seq_starts);

// Floats of scratch attention() needs for `tokens` packed tokens whose longest sequence has
// `max_len` tokens, run by up to `threads` OpenMP threads.
int64_t attention_scratch_floats(const AttentionShape& shape, int64_t tokens, int64_t max_len,
                                 int threads);

// `qkv` is [tokens, 3 * hidden] as the fused Wqkv projection writes it (Q | K | V, head h at
// columns h*head_dim.. inside each). `seq_starts` has one entry per sequence plus the total
// token count; positions restart at 0 in each sequence. Writes the per-head contexts to
// `out` [tokens, hidden]. RoPE is applied while Q and K are split out into `scratch`; a local
// layer scores only the keys inside each query's window, never a masked dense product.
void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, std::span<float> scratch, float* out);

// Same, with scratch of its own (tests, one-off calls).
void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, float* out);

}  // namespace kompress::kernels::cpu
