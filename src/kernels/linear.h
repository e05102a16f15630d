// A linear layer whose weights are prepared once for a precision and device.
//
// The model code only calls forward(); each precision provides its own implementation behind
// make_linear(): every precision holds its weights packed in oneDNN's preferred layout, either
// made at load (pack_weights) or mapped from a checkpoint that `kompress quantize` stored
// already packed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/cpu/page_buffer.h"
#include "kernels/linear_input.h"

namespace kompress::kernels {

enum class LinearPrecision { kFp32, kBf16, kInt8 };

// The rows a linear layer computes for `rows` rows: rounded up to one of a few sizes per octave
// (fewer than max(8, rows / 16) more; from 8 up a power of two stays itself). oneDNN makes and
// JIT-compiles one matmul per row count (and thread count), at ~0.1 ms each and kept for the life
// of the layer; padded sizes let batches of nearby sizes share them, so a server that sees every
// batch size keeps a bounded set.
int64_t linear_rows(int64_t rows);

class Linear {
 public:
  Linear(int64_t out_features, int64_t in_features)
      : out_features_(out_features), in_features_(in_features) {}
  virtual ~Linear() = default;
  Linear(const Linear&) = delete;
  Linear& operator=(const Linear&) = delete;

  // Bytes of scratch forward() needs for `rows` rows of an input made by `op`.
  virtual size_t scratch_bytes(int64_t rows, bool accumulate, LinearInput::Op op) const = 0;
  size_t scratch_bytes(int64_t rows, bool accumulate) const {
    return scratch_bytes(rows, accumulate, LinearInput::Op::kRows);
  }

  // y[rows, out] = in[rows, in] * W^T (+ y when accumulate), `in` the rows of `input`
  // (linear_input.h). Its x and y hold linear_rows(rows) rows: the rows past `rows` are computed
  // from whatever they hold there and must be ignored (rows are independent). `scratch` holds
  // at least scratch_bytes(rows, accumulate, input.op) bytes, 64-byte aligned.
  virtual void forward(const LinearInput& input, int64_t rows, float* y, bool accumulate,
                       std::span<std::byte> scratch) const = 0;
  void forward(const float* x, int64_t rows, float* y, bool accumulate,
               std::span<std::byte> scratch) const {
    forward(LinearInput::rows(x), rows, y, accumulate, scratch);
  }

  // Same for x and y of exactly `rows` rows, with scratch of its own (tests, one-off calls).
  void forward(const float* x, int64_t rows, float* y, bool accumulate = false) const;

  int64_t out_features() const { return out_features_; }
  int64_t in_features() const { return in_features_; }

 private:
  int64_t out_features_;
  int64_t in_features_;
};

// Weights packed for this CPU, as make_linear() and quantized checkpoints use them.
// int8: symmetric per output channel, w ~ q[o, i] * scales[o]; col_sums[o] = sum_i q[o, i].
// int8 with hadamard_block > 0: the weights are stored rotated, every row times a block-diagonal
// Walsh-Hadamard matrix (cpu/hadamard.h), and forward() rotates the activations the same way
// before quantising them: it spreads a row's few large values over their block, so the row's
// 8-bit steps get finer. The product is unchanged (the rotation is orthonormal).
struct PackedWeights {
  LinearPrecision precision = LinearPrecision::kInt8;
  int64_t out_features = 0;
  int64_t in_features = 0;
  std::string layout;  // oneDNN layout of `data` (describe_layout)
  std::span<const std::byte> data;
  std::span<const float> scales;
  std::span<const int32_t> col_sums;
  int64_t hadamard_block = 0;  // 0: not rotated
};

// PackedWeights with storage of its own.
struct OwnedPackedWeights {
  PackedWeights view;
  cpu::PageBuffer data;
  std::vector<float> scales;
  std::vector<int32_t> col_sums;
};

// Quantises (int8), rounds (bf16) or copies (fp32) fp32 weights [out, in] and packs them for
// this CPU.
// `hadamard_block` (int8 only, 0 or a power of two): rotate the weights first (PackedWeights).
OwnedPackedWeights pack_weights(LinearPrecision precision, const float* weight,
                                int64_t out_features, int64_t in_features,
                                int64_t hadamard_block = 0);

// `weight` [out, in] row-major is packed at construction and not kept. `hadamard_block` as for
// pack_weights; precisions other than int8 ignore it.
std::unique_ptr<Linear> make_linear(LinearPrecision precision, const float* weight,
                                    int64_t out_features, int64_t in_features,
                                    int64_t hadamard_block = 0);

// From packed weights, which must outlive the layer. When `packed.layout` is not this CPU's
// layout (packed on another machine) the layer repacks a copy. Throws kompress::Error for a
// malformed layout or sizes that do not match.
std::unique_ptr<Linear> make_linear(const PackedWeights& packed);

}  // namespace kompress::kernels
