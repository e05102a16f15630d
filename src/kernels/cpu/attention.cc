#include "kernels/cpu/attention.h"

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/simd/simd_kernels.h"
#include "kompress/error.h"

namespace kompress::kernels::cpu {
namespace {

struct ScratchLayout {
  int64_t q_floats;
  int64_t kt_stride;
  int64_t kt_floats;
  int64_t score_stride;
  int64_t score_floats;
  int64_t total() const { return 2 * q_floats + kt_floats + score_floats; }
};

ScratchLayout layout_for(const AttentionShape& shape, int64_t tokens, int64_t max_len,
                         int threads) {
  const int64_t hidden = shape.num_heads * shape.head_dim;
  ScratchLayout l{};
  // Room for the int8 products' query scales too, behind the queries' bytes (Int8Scratch in
  // simd_kernels.inc): a 64-byte boundary and a float per token and head.
  l.q_floats = tokens * hidden + 16 + shape.num_heads * tokens;
  l.kt_stride = tokens + kAttentionPad;
  l.kt_floats = hidden * l.kt_stride;
  l.score_stride = max_len + kAttentionPad;
  // Per thread: a tile's scores, then room for its bf16 probabilities.
  l.score_floats = std::max(threads, 1) * 2 * kScoreRows * l.score_stride;
  return l;
}

}  // namespace

AttentionProducts available_attention_products(AttentionProducts wanted, int64_t head_dim) {
  const CpuFeatures& cpu = cpu_features();
  const bool tiled = head_dim == 16 || head_dim == 32 || head_dim == 64 || head_dim == 128 ||
                     head_dim == 256;  // the low-precision P.V tiles (simd_kernels.inc)
  if (cpu.isa != CpuIsa::kAvx512 || !cpu.bf16 || !tiled) return AttentionProducts::kFp32;
  if (wanted == AttentionProducts::kInt8 && !cpu.vnni) return AttentionProducts::kBf16;
  return wanted;
}

const char* attention_products_name(AttentionProducts products) {
  switch (products) {
    case AttentionProducts::kInt8:
      return "int8 Q.K, bf16 P.V";
    case AttentionProducts::kBf16:
      return "bf16";
    case AttentionProducts::kFp32:
      break;
  }
  return "fp32";
}

int64_t longest_sequence(std::span<const int64_t> seq_starts) {
  int64_t len = 0;
  for (size_t s = 0; s + 1 < seq_starts.size(); ++s) {
    len = std::max(len, seq_starts[s + 1] - seq_starts[s]);
  }
  return len;
}

int64_t attention_scratch_floats(const AttentionShape& shape, int64_t tokens, int64_t max_len,
                                 int threads) {
  return layout_for(shape, tokens, max_len, threads).total();
}

void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, std::span<float> scratch, float* out) {
  const int64_t tokens = seq_starts.back();
  const int64_t max_len = longest_sequence(seq_starts);
  if (tokens == 0) return;
  if (max_len > rope.max_positions()) {
    throw Error("attention: a sequence of " + std::to_string(max_len) +
                " tokens is longer than the RoPE table (" + std::to_string(rope.max_positions()) +
                ")");
  }
  if (shape.head_dim % 2 != 0 || shape.head_dim > 256) {
    throw Error("attention: head_dim " + std::to_string(shape.head_dim) +
                " (expected an even number up to 256)");
  }
  const ScratchLayout l = layout_for(shape, tokens, max_len, omp_get_max_threads());
  if (static_cast<int64_t>(scratch.size()) < l.total()) {
    throw Error("attention: scratch of " + std::to_string(scratch.size()) + " floats, needs " +
                std::to_string(l.total()));
  }
  AttentionArgs args;
  args.qkv = qkv;
  args.seq_starts = seq_starts.data();
  args.num_seqs = static_cast<int64_t>(seq_starts.size()) - 1;
  args.num_heads = shape.num_heads;
  args.head_dim = shape.head_dim;
  args.window_half = shape.window_half;
  args.cos = rope.cos_table();
  args.sin = rope.sin_table();
  args.q = scratch.data();
  args.kt = args.q + l.q_floats;
  args.kt_stride = l.kt_stride;
  args.v = args.kt + l.kt_floats;
  args.scores = args.v + l.q_floats;
  args.score_stride = l.score_stride;
  args.out = out;
  args.products = available_attention_products(shape.products, shape.head_dim);
  simd_kernels().attention(args);
}

void attention(const float* qkv, std::span<const int64_t> seq_starts, const AttentionShape& shape,
               const RopeTable& rope, float* out) {
  std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(
      shape, seq_starts.back(), longest_sequence(seq_starts), omp_get_max_threads())));
  attention(qkv, seq_starts, shape, rope, scratch, out);
}

}  // namespace kompress::kernels::cpu
