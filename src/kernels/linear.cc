#include "kernels/linear.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/dnnl_matmul.h"
#include "kernels/cpu/hadamard.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/simd/simd_kernels.h"
#include "kompress/error.h"

namespace kompress::kernels {
namespace {

using cpu::DnnlMatmul;
using DataType = DnnlMatmul::DataType;

constexpr size_t kAlign = 64;
size_t aligned(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

// Hands out consecutive aligned pieces of the caller's scratch.
class ScratchCursor {
 public:
  explicit ScratchCursor(std::span<std::byte> scratch) : scratch_(scratch) {}
  template <class T>
  T* take(size_t count) {
    const size_t bytes = aligned(count * sizeof(T));
    if (used_ + bytes > scratch_.size()) throw Error("linear: scratch too small");
    T* p = reinterpret_cast<T*>(scratch_.data() + used_);
    used_ += bytes;
    return p;
  }
  // `count` values, or null for none.
  template <class T>
  T* take_or_null(size_t count) {
    return count ? take<T>(count) : nullptr;
  }
  // The scratch not handed out yet.
  std::byte* rest() { return scratch_.data() + used_; }

 private:
  std::span<std::byte> scratch_;
  size_t used_ = 0;
};

// Floats of a row per thread for rows of `cols` values made before rounding or quantising.
size_t thread_rows_floats(int64_t cols) {
  return static_cast<size_t>(omp_get_max_threads()) * static_cast<size_t>(cols);
}

DataType weight_type(LinearPrecision precision) {
  switch (precision) {
    case LinearPrecision::kInt8:
      return DataType::s8;
    case LinearPrecision::kBf16:
      return DataType::bf16;
    case LinearPrecision::kFp32:
      break;
  }
  return DataType::f32;
}
DataType source_type(LinearPrecision precision) {
  return precision == LinearPrecision::kInt8 ? DataType::u8 : weight_type(precision);
}
DataType dest_type(LinearPrecision precision) {
  return precision == LinearPrecision::kInt8 ? DataType::s32 : DataType::f32;
}

dnnl::memory::desc preferred(LinearPrecision precision, int64_t out, int64_t in) {
  return DnnlMatmul::preferred_weights(source_type(precision), weight_type(precision),
                                       dest_type(precision), in, out);
}

// Scratch for the rows of `op` computed before the product (fp32 layers).
size_t input_bytes(LinearInput::Op op, int64_t rows, int64_t cols) {
  if (op == LinearInput::Op::kRows) return 0;
  return aligned(static_cast<size_t>(linear_rows(rows) * cols) * sizeof(float));
}

// The rows `input` stands for: x itself, or its function computed into `cursor`'s scratch (fp32
// layers).
const float* input_rows(const LinearInput& input, int64_t rows, int64_t cols,
                        ScratchCursor& cursor) {
  using Op = LinearInput::Op;
  if (input.op == Op::kRows) return input.x;
  float* buf = cursor.take<float>(static_cast<size_t>(linear_rows(rows) * cols));
  if (input.op == Op::kLayerNorm) {
    cpu::layer_norm(input.x, rows, cols, input.norm_weight, input.norm_eps, buf);
  } else {
    cpu::geglu(input.x, rows, cols, buf);
  }
  return buf;
}

// Packed weights bound to a matmul; keeps its own copy when it had to repack.
class PackedLinear : public Linear {
 protected:
  PackedLinear(const PackedWeights& packed, std::optional<OwnedPackedWeights> owned)
      : Linear(packed.out_features, packed.in_features),
        owned_(std::move(owned)),
        weights_(owned_ ? owned_->view : packed),
        matmul_(source_type(weights_.precision), DnnlMatmul::parse_layout(weights_.layout),
                weights_.data.data(), dest_type(weights_.precision)) {}

  std::optional<OwnedPackedWeights> owned_;
  PackedWeights weights_;
  DnnlMatmul matmul_;
};

// fp32 x fp32 -> fp32. The weights are packed too: with the checkpoint's [out, in] rows as they
// are, oneDNN re-blocks them on every call (3-7% of a 512-row product, up to a third at 32 rows).
class Fp32Linear final : public PackedLinear {
 public:
  Fp32Linear(const PackedWeights& packed, std::optional<OwnedPackedWeights> owned)
      : PackedLinear(packed, std::move(owned)) {}

  size_t scratch_bytes(int64_t rows, bool accumulate, LinearInput::Op op) const override {
    return input_bytes(op, rows, in_features()) +
           matmul_.scratchpad_bytes(linear_rows(rows), accumulate);
  }

  void forward(const LinearInput& input, int64_t rows, float* y, bool accumulate,
               std::span<std::byte> scratch) const override {
    ScratchCursor cursor(scratch);
    const float* x = input_rows(input, rows, in_features(), cursor);
    matmul_.run(x, linear_rows(rows), y, accumulate, cursor.rest());
  }
};

// bf16 x bf16 -> fp32: activations rounded to bf16 per call, the input's row function applied
// a row at a time while rounding (the row stays in L1).
class Bf16Linear final : public PackedLinear {
 public:
  Bf16Linear(const PackedWeights& packed, std::optional<OwnedPackedWeights> owned)
      : PackedLinear(packed, std::move(owned)) {}

  size_t scratch_bytes(int64_t rows, bool accumulate, LinearInput::Op op) const override {
    const int64_t padded = linear_rows(rows);
    return aligned(static_cast<size_t>(padded * in_features()) * 2) +
           aligned(row_floats(op) * sizeof(float)) + matmul_.scratchpad_bytes(padded, accumulate);
  }

  void forward(const LinearInput& input, int64_t rows, float* y, bool accumulate,
               std::span<std::byte> scratch) const override {
    const int64_t padded = linear_rows(rows);
    ScratchCursor cursor(scratch);
    auto* xb = cursor.take<uint16_t>(static_cast<size_t>(padded * in_features()));
    float* row_scratch = cursor.take_or_null<float>(row_floats(input.op));
    auto* pad = cursor.take<std::byte>(matmul_.scratchpad_bytes(padded, accumulate));
    cpu::simd_kernels().to_bf16_rows(input, rows, in_features(), xb, row_scratch);
    matmul_.run(xb, padded, y, accumulate, pad);
  }

 private:
  // A row per thread for an input function's rows.
  size_t row_floats(LinearInput::Op op) const {
    return op != LinearInput::Op::kRows ? thread_rows_floats(in_features()) : 0;
  }
};

// u8 x s8 -> s32 with activations quantised asymmetrically per row, then dequantised.
// Without VNNI, oneDNN sums pairs of u8 x s8 products in 16 bits, which saturates: there the
// activations keep 7 bits so that 2 * 127 * 127 fits.
class Int8Linear final : public PackedLinear {
 public:
  Int8Linear(const PackedWeights& packed, std::optional<OwnedPackedWeights> owned)
      : PackedLinear(packed, std::move(owned)), levels_(cpu::cpu_features().vnni ? 255 : 127) {}

  // The rows past `rows` of xq and acc are computed and ignored: only real rows are quantised
  // and dequantised.
  size_t scratch_bytes(int64_t rows, bool accumulate, LinearInput::Op op) const override {
    const auto r = static_cast<size_t>(rows);
    const int64_t padded = linear_rows(rows);
    const auto p = static_cast<size_t>(padded);
    const auto in = static_cast<size_t>(in_features());
    return aligned(p * in) + 2 * aligned(r * sizeof(float)) +
           (accumulate ? aligned(p * static_cast<size_t>(out_features()) * sizeof(int32_t)) : 0) +
           aligned(row_floats(op) * sizeof(float)) + matmul_.scratchpad_bytes(padded, false);
  }

  void forward(const LinearInput& input, int64_t rows, float* y, bool accumulate,
               std::span<std::byte> scratch) const override {
    const auto r = static_cast<size_t>(rows);
    const int64_t padded = linear_rows(rows);
    const auto p = static_cast<size_t>(padded);
    ScratchCursor cursor(scratch);
    auto* xq = cursor.take<uint8_t>(p * static_cast<size_t>(in_features()));
    auto* row_scales = cursor.take<float>(r);
    auto* zero_points = cursor.take<int32_t>(r);
    // Not accumulating: the integer sums go straight into y and are dequantised in place.
    void* acc =
        accumulate
            ? static_cast<void*>(cursor.take<int32_t>(p * static_cast<size_t>(out_features())))
            : static_cast<void*>(y);
    auto* pad = cursor.take<std::byte>(matmul_.scratchpad_bytes(padded, false));
    float* row_scratch = cursor.take_or_null<float>(row_floats(input.op));
    const auto& k = cpu::simd_kernels();
    // The input's row function is applied while quantising; rotated weights (hadamard_block >
    // 0) see the activations rotated the same way.
    k.quantize_rows(input, rows, in_features(), weights_.hadamard_block, levels_, xq, row_scales,
                    zero_points, row_scratch);
    matmul_.run(xq, padded, acc, false, pad);
    k.dequantize(static_cast<const int32_t*>(acc), rows, out_features(), weights_.col_sums.data(),
                 row_scales, zero_points, weights_.scales.data(), y, accumulate);
  }

 private:
  // A row per thread for the activations transformed before quantising: by the input's row
  // function, or rotated for rotated weights.
  size_t row_floats(LinearInput::Op op) const {
    return op != LinearInput::Op::kRows || weights_.hadamard_block > 0
               ? thread_rows_floats(in_features())
               : 0;
  }

  int levels_;
};

void check_hadamard_block(LinearPrecision precision, int64_t block) {
  if (block == 0) return;
  if (precision != LinearPrecision::kInt8 || !cpu::is_hadamard_block(block)) {
    throw Error("packed weights: Hadamard block " + std::to_string(block) +
                " (only int8 weights are rotated, by a power of two from 2 on)");
  }
}

void check_packed(const PackedWeights& p) {
  const size_t n = static_cast<size_t>(p.out_features);
  const bool int8 = p.precision == LinearPrecision::kInt8;
  if (p.out_features <= 0 || p.in_features <= 0 ||
      (int8 && (p.scales.size() != n || p.col_sums.size() != n))) {
    throw Error("packed weights: precision or sizes do not fit [" + std::to_string(p.out_features) +
                ", " + std::to_string(p.in_features) + "]");
  }
  check_hadamard_block(p.precision, p.hadamard_block);
  const dnnl::memory::desc md = DnnlMatmul::parse_layout(p.layout);
  const auto dims = md.dims();
  if (dims.size() != 2 || dims[0] != p.in_features || dims[1] != p.out_features ||
      md.data_type() != weight_type(p.precision) || md.get_size() != p.data.size()) {
    throw Error("packed weights: layout '" + p.layout + "' does not describe " +
                std::to_string(p.data.size()) + " bytes of [" + std::to_string(p.out_features) +
                ", " + std::to_string(p.in_features) + "] weights");
  }
}

// The layer of `packed`'s precision over its weights (`owned`'s, when it has them).
std::unique_ptr<Linear> linear_of(const PackedWeights& packed,
                                  std::optional<OwnedPackedWeights> owned) {
  switch (packed.precision) {
    case LinearPrecision::kInt8:
      return std::make_unique<Int8Linear>(packed, std::move(owned));
    case LinearPrecision::kBf16:
      return std::make_unique<Bf16Linear>(packed, std::move(owned));
    case LinearPrecision::kFp32:
      break;
  }
  return std::make_unique<Fp32Linear>(packed, std::move(owned));
}

}  // namespace

int64_t linear_rows(int64_t rows) {
  constexpr int64_t kMinStep = 8;
  int64_t octave = 1;  // the highest power of two <= rows
  while (octave * 2 <= rows) octave *= 2;
  const int64_t step = std::max(kMinStep, octave / 16);
  return (rows + step - 1) / step * step;
}

void Linear::forward(const float* x, int64_t rows, float* y, bool accumulate) const {
  std::vector<std::byte> scratch(scratch_bytes(rows, accumulate) + kAlign);
  void* p = scratch.data();
  size_t space = scratch.size();
  std::align(kAlign, space - kAlign, p, space);
  // Copies with room for the padded rows (zeros: nothing uninitialised is read).
  const auto padded = static_cast<size_t>(linear_rows(rows));
  std::vector<float> xs(padded * static_cast<size_t>(in_features()));
  std::vector<float> ys(padded * static_cast<size_t>(out_features()));
  const auto out = static_cast<size_t>(rows * out_features());
  std::copy(x, x + rows * in_features(), xs.begin());
  if (accumulate) std::copy(y, y + out, ys.begin());
  forward(xs.data(), rows, ys.data(), accumulate,
          std::span<std::byte>(static_cast<std::byte*>(p), space));
  std::copy(ys.begin(), ys.begin() + static_cast<std::ptrdiff_t>(out), y);
}

OwnedPackedWeights pack_weights(LinearPrecision precision, const float* weight,
                                int64_t out_features, int64_t in_features, int64_t hadamard_block) {
  check_hadamard_block(precision, hadamard_block);
  OwnedPackedWeights owned;
  const auto n = static_cast<size_t>(out_features * in_features);
  std::vector<float> rotated;
  if (hadamard_block > 0) {
    rotated.resize(n);
    cpu::hadamard_blocks(weight, rotated.data(), out_features, in_features, hadamard_block);
    weight = rotated.data();
  }
  std::vector<std::byte> plain;
  if (precision == LinearPrecision::kInt8) {
    plain.resize(n);
    owned.scales.resize(static_cast<size_t>(out_features));
    owned.col_sums.resize(static_cast<size_t>(out_features));
    for (int64_t o = 0; o < out_features; ++o) {
      const float* row = weight + o * in_features;
      float amax = 0.0f;
      for (int64_t i = 0; i < in_features; ++i) amax = std::max(amax, std::abs(row[i]));
      const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
      int32_t sum = 0;
      for (int64_t i = 0; i < in_features; ++i) {
        const auto q =
            static_cast<int8_t>(std::clamp(std::nearbyint(row[i] / scale), -127.0f, 127.0f));
        plain[static_cast<size_t>(o * in_features + i)] = static_cast<std::byte>(q);
        sum += q;
      }
      owned.scales[static_cast<size_t>(o)] = scale;
      owned.col_sums[static_cast<size_t>(o)] = sum;
    }
  } else if (precision == LinearPrecision::kBf16) {
    plain.resize(n * 2);
    cpu::simd_kernels().to_bf16(weight, static_cast<int64_t>(n),
                                reinterpret_cast<uint16_t*>(plain.data()));
  }
  const dnnl::memory::desc to = preferred(precision, out_features, in_features);
  owned.data = cpu::PageBuffer(to.get_size());
  DnnlMatmul::reorder(DnnlMatmul::out_major(weight_type(precision), in_features, out_features),
                      plain.empty() ? static_cast<const void*>(weight) : plain.data(), to,
                      owned.data.data());
  owned.view = {precision,  out_features, in_features,    DnnlMatmul::describe_layout(to),
                owned.data, owned.scales, owned.col_sums, hadamard_block};
  return owned;
}

std::unique_ptr<Linear> make_linear(const PackedWeights& packed) {
  check_packed(packed);
  std::optional<OwnedPackedWeights> owned;
  const dnnl::memory::desc want =
      preferred(packed.precision, packed.out_features, packed.in_features);
  if (DnnlMatmul::describe_layout(want) != packed.layout) {
    owned.emplace();
    owned->data = cpu::PageBuffer(want.get_size());
    DnnlMatmul::reorder(DnnlMatmul::parse_layout(packed.layout), packed.data.data(), want,
                        owned->data.data());
    owned->scales.assign(packed.scales.begin(), packed.scales.end());
    owned->col_sums.assign(packed.col_sums.begin(), packed.col_sums.end());
    owned->view = packed;
    owned->view.layout = DnnlMatmul::describe_layout(want);
    owned->view.data = owned->data;
    owned->view.scales = owned->scales;
    owned->view.col_sums = owned->col_sums;
  }
  return linear_of(packed, std::move(owned));
}

std::unique_ptr<Linear> make_linear(LinearPrecision precision, const float* weight,
                                    int64_t out_features, int64_t in_features,
                                    int64_t hadamard_block) {
  OwnedPackedWeights owned = pack_weights(precision, weight, out_features, in_features,
                                          precision == LinearPrecision::kInt8 ? hadamard_block : 0);
  const PackedWeights view = owned.view;
  return linear_of(view, std::move(owned));
}

}  // namespace kompress::kernels
