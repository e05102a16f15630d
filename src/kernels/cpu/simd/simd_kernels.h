// The vectorised CPU kernels, compiled once per instruction set (simd_kernels.inc built by
// kernels_avx512.cc, kernels_avx2.cc and kernels_generic.cc) and picked at run time.
//
// Each entry works on plain row-major float arrays and parallelises with OpenMP itself.
#pragma once

#include <cstdint>

#include "kernels/linear_input.h"

namespace kompress::kernels::cpu {

// The arithmetic of attention's two products, Q.K and P.V.
enum class AttentionProducts {
  kFp32,
  // bf16 dot products with fp32 accumulation (AVX512_BF16's vdpbf16ps), both products.
  kBf16,
  // Q.K as u8 x s8 dot products with int32 accumulation (VNNI's vpdpbusd; queries and keys
  // quantized per token and head), P.V as kBf16.
  kInt8,
};

// Where one attention call reads and writes (see attention.h for the layouts).
struct AttentionArgs {
  const float* qkv = nullptr;  // [tokens, 3 * hidden]
  const int64_t* seq_starts = nullptr;
  int64_t num_seqs = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t window_half = -1;    // negative: global
  const float* cos = nullptr;  // RoPE tables [positions, head_dim / 2]
  const float* sin = nullptr;
  float* q = nullptr;        // scratch [heads, tokens, head_dim]: rotated, scaled queries
  float* kt = nullptr;       // scratch [heads, head_dim, kt_stride]: rotated keys, transposed
  int64_t kt_stride = 0;     // >= tokens + kAttentionPad
  float* v = nullptr;        // scratch [heads, tokens, head_dim]: values, head-major
  float* scores = nullptr;   // scratch per thread: [max threads][2 * kScoreRows * score_stride]
  int64_t score_stride = 0;  // >= longest sequence + kAttentionPad
  float* out = nullptr;      // [tokens, hidden]
  // kBf16 and kInt8 run where the table has them (the AVX-512 one), fp32 otherwise; q, kt and v
  // then hold bf16 pairs or int8 quads in the same scratch. Ask for them only where
  // available_attention_products() (attention.h) grants them: the kernels do not check.
  AttentionProducts products = AttentionProducts::kFp32;
};

inline constexpr int64_t kAttentionPad = 32;  // extra key columns the vector loops may read
inline constexpr int64_t kScoreRows = 4;      // queries scored together

struct SimdKernels {
  const char* isa;
  void (*layer_norm)(const float* x, int64_t rows, int64_t dim, const float* weight, float eps,
                     float* out);
  void (*geglu)(const float* wi_out, int64_t rows, int64_t width, float* out);
  void (*gelu)(float* x, int64_t rows, int64_t width);  // in place
  void (*attention)(const AttentionArgs& args);
  // Asymmetric per row over [min(x, 0), max(x, 0)]: q = round(x / scale) + zero_point in
  // [0, levels] (as u8), scale = range / levels; scales[r] and zero_points[r] receive them. The
  // rows quantised are `in`'s: its op (layer_norm or geglu, bit for bit those kernels) applied to
  // each row first; then with hadamard_block > 0, the row as hadamard_blocks(row, block) would
  // rotate it (bit for bit). A transformed row is made in `row_scratch` (omp_get_max_threads()
  // rows of `cols` floats; may be null for plain rows without a block).
  void (*quantize_rows)(const LinearInput& in, int64_t rows, int64_t cols, int64_t hadamard_block,
                        int levels, uint8_t* q, float* scales, int32_t* zero_points,
                        float* row_scratch);
  // y[r, n] (+)= (acc[r, n] - zero_points[r] * col_sums[n]) * row_scales[r] * col_scales[n].
  // `acc` may alias `y` when not accumulating.
  void (*dequantize)(const int32_t* acc, int64_t rows, int64_t cols, const int32_t* col_sums,
                     const float* row_scales, const int32_t* zero_points, const float* col_scales,
                     float* y, bool accumulate);
  // Round to nearest even, as bf16 bit patterns.
  void (*to_bf16)(const float* x, int64_t n, uint16_t* out);
  // The same for the rows of `in`, its op applied to each row first (bit for bit layer_norm or
  // geglu, then to_bf16), the row made in `row_scratch` (omp_get_max_threads() rows of `cols`
  // floats; may be null for plain rows).
  void (*to_bf16_rows)(const LinearInput& in, int64_t rows, int64_t cols, uint16_t* out,
                       float* row_scratch);
};

// The kernels for the ISA in force (cpu_features()).
const SimdKernels& simd_kernels();

namespace avx512 {
extern const SimdKernels kKernels;
}
namespace avx2 {
extern const SimdKernels kKernels;
}
namespace generic {
extern const SimdKernels kKernels;
}

}  // namespace kompress::kernels::cpu
