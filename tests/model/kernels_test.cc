// CPU kernels against plain formulas written out in the test.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/cpu_isa.h"
#include "kernels/cpu/dnnl_matmul.h"
#include "kernels/cpu/hadamard.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/page_buffer.h"
#include "kernels/cpu/rope.h"
#include "kernels/cpu/simd/simd_kernels.h"
#include "kernels/linear.h"
#include "kompress/error.h"

namespace kompress::kernels::cpu {
namespace {

std::vector<float> random_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Dense attention with an explicit |i-j| mask, RoPE applied with the textbook formula.
std::vector<float> dense_attention(const std::vector<float>& qkv, int64_t len, int64_t heads,
                                   int64_t d, int64_t window_half, double theta) {
  const int64_t hidden = heads * d;
  std::vector<float> out(static_cast<size_t>(len * hidden), 0.0f);
  auto rotated = [&](int64_t t, int64_t col) {
    std::vector<double> x(static_cast<size_t>(d));
    const float* row = qkv.data() + t * 3 * hidden + col;
    for (int64_t j = 0; j < d / 2; ++j) {
      const double angle = static_cast<double>(t) *
                           std::pow(theta, -2.0 * static_cast<double>(j) / static_cast<double>(d));
      x[j] = row[j] * std::cos(angle) - row[j + d / 2] * std::sin(angle);
      x[j + d / 2] = row[j + d / 2] * std::cos(angle) + row[j] * std::sin(angle);
    }
    return x;
  };
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < len; ++i) {
      const auto q = rotated(i, h * d);
      std::vector<double> w(static_cast<size_t>(len));
      double max = -1e300, sum = 0.0;
      for (int64_t j = 0; j < len; ++j) {
        const auto k = rotated(j, hidden + h * d);
        double s = 0.0;
        for (int64_t c = 0; c < d; ++c) s += q[c] * k[c];
        const bool visible = window_half < 0 || std::abs(i - j) <= window_half;
        w[j] = visible ? s / std::sqrt(static_cast<double>(d)) : -INFINITY;
        max = std::max(max, w[j]);
      }
      for (auto& x : w) sum += (x = std::exp(x - max));
      for (int64_t j = 0; j < len; ++j) {
        for (int64_t c = 0; c < d; ++c) {
          out[i * hidden + h * d + c] +=
              static_cast<float>(w[j] / sum * qkv[j * 3 * hidden + 2 * hidden + h * d + c]);
        }
      }
    }
  }
  return out;
}

std::vector<int64_t> starts_of(const std::vector<int64_t>& lengths) {
  std::vector<int64_t> starts = {0};
  for (const int64_t l : lengths) starts.push_back(starts.back() + l);
  return starts;
}

// Within `tolerance` of the dense double-precision formula: 2e-5 for fp32 products.
void expect_attention_matches_dense(int64_t heads, int64_t d, const std::vector<int64_t>& lengths,
                                    const std::vector<int64_t>& windows,
                                    AttentionProducts products = AttentionProducts::kFp32,
                                    double tolerance = 2e-5) {
  const int64_t hidden = heads * d;
  const auto starts = starts_of(lengths);
  const auto qkv = random_values(static_cast<size_t>(starts.back() * 3 * hidden), 3);
  const RopeTable rope(10000.0, d, 256);
  for (const int64_t window : windows) {
    SCOPED_TRACE("window_half " + std::to_string(window));
    std::vector<float> out(static_cast<size_t>(starts.back() * hidden));
    attention(qkv.data(), starts, {heads, d, window, products}, rope, out.data());
    for (size_t s = 0; s < lengths.size(); ++s) {
      const std::vector<float> seq(qkv.begin() + starts[s] * 3 * hidden,
                                   qkv.begin() + starts[s + 1] * 3 * hidden);
      const auto expected = dense_attention(seq, lengths[s], heads, d, window, 10000.0);
      for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_NEAR(out[starts[s] * hidden + i], expected[i], tolerance)
            << "seq " << s << " i " << i;
      }
    }
  }
}

TEST(Attention, SlidingWindowAndGlobalMatchDenseMaskedAttention) {
  expect_attention_matches_dense(2, 8, {21, 5, 13}, {-1, 0, 3});
}

// Head dim 64 takes the register-tiled path; lengths straddle the 4-query tiles and the window.
TEST(Attention, VectorPathAtModernBertHeadDim) {
  expect_attention_matches_dense(2, 64, {150, 7, 70}, {-1, 64, 5});
}

bool cpu_has_bf16_products() {
  const CpuFeatures& cpu = cpu_features();
  return cpu.isa == CpuIsa::kAvx512 && cpu.bf16;
}

// The largest |difference| between attention with products `a` and with products `b`.
double attention_difference(int64_t heads, int64_t d, const std::vector<int64_t>& lengths,
                            int64_t window, AttentionProducts a, AttentionProducts b) {
  const auto starts = starts_of(lengths);
  const auto qkv = random_values(static_cast<size_t>(starts.back() * 3 * heads * d), 4);
  const RopeTable rope(10000.0, d, 256);
  std::vector<float> out_a(static_cast<size_t>(starts.back() * heads * d));
  std::vector<float> out_b(out_a.size());
  attention(qkv.data(), starts, {heads, d, window, a}, rope, out_a.data());
  attention(qkv.data(), starts, {heads, d, window, b}, rope, out_b.data());
  double most = 0.0;
  for (size_t i = 0; i < out_a.size(); ++i) {
    most = std::max(most, static_cast<double>(std::abs(out_a[i] - out_b[i])));
  }
  return most;
}

// Low-precision `products` on sequences that start at odd tokens (the value pairs straddle
// them), an odd total, every head dim the tiles take: within `tolerance` of the dense formula,
// and really those products (not the `lower` path they fall back to).
void expect_products_match_dense(AttentionProducts products, AttentionProducts lower,
                                 double tolerance) {
  for (const int64_t d : {16, 32, 64, 128, 256}) {
    SCOPED_TRACE("head_dim " + std::to_string(d));
    expect_attention_matches_dense(2, d, {150, 7, 70}, {-1, 64, 5}, products, tolerance);
    EXPECT_GT(attention_difference(2, d, {150, 7, 70}, 64, lower, products), 1e-4);
  }
}

// bf16 Q.K and P.V on AVX512_BF16, within bf16's rounding.
TEST(Attention, Bf16ProductsMatchDenseAttentionWithinBf16Rounding) {
  if (!cpu_has_bf16_products()) GTEST_SKIP() << "this CPU has no AVX512_BF16";
  expect_products_match_dense(AttentionProducts::kBf16, AttentionProducts::kFp32, 2e-2);
}

// int8 Q.K (VNNI) with bf16 P.V, within int8's rounding of the queries and keys.
TEST(Attention, Int8ProductsMatchDenseAttentionWithinInt8Rounding) {
  if (!cpu_has_bf16_products() || !cpu_features().vnni) {
    GTEST_SKIP() << "this CPU has no AVX512_BF16 and VNNI";
  }
  expect_products_match_dense(AttentionProducts::kInt8, AttentionProducts::kBf16, 3e-2);
}

// The smallest int8 case, one head of 16 and one token, whose query scale must not share memory
// with the keys (the key's quad would overwrite it). A token alone attends to itself: its output
// is its own value, whatever its score, unless the score is not a number.
TEST(Attention, Int8QueryScalesHaveRoomOfTheirOwn) {
  if (!cpu_has_bf16_products() || !cpu_features().vnni) {
    GTEST_SKIP() << "this CPU has no AVX512_BF16 and VNNI";
  }
  const int64_t d = 16;
  std::vector<float> qkv(3 * d, 0.25f);
  const float key[] = {0.1f, 0.1f, -0.4f, 1.0f};
  std::copy(std::begin(key), std::end(key), qkv.begin() + d);
  for (int64_t c = 0; c < d; ++c) qkv[2 * d + c] = 0.5f + 0.125f * static_cast<float>(c);
  const std::vector<int64_t> starts = {0, 1};
  std::vector<float> out(d);
  attention(qkv.data(), starts, {1, d, -1, AttentionProducts::kInt8}, RopeTable(10000.0, d, 16),
            out.data());
  for (int64_t c = 0; c < d; ++c) EXPECT_NEAR(out[c], qkv[2 * d + c], 1e-2) << c;
}

// What this CPU grants: fp32 always; the low-precision products only on AVX-512 with
// AVX512_BF16 (int8 with VNNI too) and the tiled head dims.
TEST(Attention, AvailableProductsFollowTheCpuAndHeadDim) {
  const CpuFeatures& cpu = cpu_features();
  const bool bf16 = cpu.isa == CpuIsa::kAvx512 && cpu.bf16;
  for (const int64_t d : {16, 64, 256}) {
    EXPECT_EQ(available_attention_products(AttentionProducts::kFp32, d), AttentionProducts::kFp32);
    EXPECT_EQ(available_attention_products(AttentionProducts::kBf16, d),
              bf16 ? AttentionProducts::kBf16 : AttentionProducts::kFp32);
    EXPECT_EQ(available_attention_products(AttentionProducts::kInt8, d),
              !bf16 ? AttentionProducts::kFp32
                    : (cpu.vnni ? AttentionProducts::kInt8 : AttentionProducts::kBf16));
  }
  for (const int64_t d : {8, 48, 512}) {
    EXPECT_EQ(available_attention_products(AttentionProducts::kInt8, d), AttentionProducts::kFp32);
  }
}

// Head dims the bf16 tiles do not take run the fp32 products, bit for bit, at bf16 and int8.
TEST(Attention, LowPrecisionProductsFallBackToFp32ForOtherHeadDims) {
  for (const auto p : {AttentionProducts::kBf16, AttentionProducts::kInt8}) {
    EXPECT_EQ(attention_difference(2, 8, {21, 5, 13}, 3, AttentionProducts::kFp32, p), 0.0);
    EXPECT_EQ(attention_difference(1, 48, {21, 5, 13}, -1, AttentionProducts::kFp32, p), 0.0);
  }
}

// Every kernel table this CPU can run, against scalar formulas.
std::vector<const SimdKernels*> runnable_tables() {
  std::vector<const SimdKernels*> tables = {&generic::kKernels};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    tables.push_back(&avx2::kKernels);
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    tables.push_back(&avx512::kKernels);
  }
  return tables;
}

TEST(SimdKernels, NormGeluAndGegluAgreeOnEveryIsa) {
  const int64_t rows = 3, dim = 37;  // not a multiple of any vector width
  const auto x = random_values(rows * dim * 2, 5);
  const auto w = random_values(dim, 6);
  for (const SimdKernels* k : runnable_tables()) {
    SCOPED_TRACE(k->isa);
    std::vector<float> out(rows * dim);
    k->layer_norm(x.data(), rows, dim, w.data(), 1e-5f, out.data());
    for (int64_t r = 0; r < rows; ++r) {
      double mean = 0, var = 0;
      for (int64_t i = 0; i < dim; ++i) mean += x[r * dim + i] / static_cast<double>(dim);
      for (int64_t i = 0; i < dim; ++i)
        var += std::pow(x[r * dim + i] - mean, 2) / static_cast<double>(dim);
      for (int64_t i = 0; i < dim; ++i) {
        EXPECT_NEAR(out[r * dim + i], (x[r * dim + i] - mean) / std::sqrt(var + 1e-5) * w[i], 1e-5);
      }
    }
    std::vector<float> in_place = x;
    k->gelu(in_place.data(), 2 * rows, dim);
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(in_place[i], 0.5 * x[i] * (1 + std::erf(x[i] / std::sqrt(2.0))), 1e-6);
    }
    k->geglu(x.data(), rows, dim, out.data());
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t i = 0; i < dim; ++i) {
        const double in = x[r * 2 * dim + i], gate = x[r * 2 * dim + dim + i];
        EXPECT_NEAR(out[r * dim + i], 0.5 * in * (1 + std::erf(in / std::sqrt(2.0))) * gate, 1e-6);
      }
    }
  }
}

TEST(SimdKernels, QuantizeDequantizeAndBf16OnEveryIsa) {
  const int64_t rows = 3, cols = 45;
  auto x = random_values(rows * cols, 7);
  x[3] = 0.0f;
  for (int64_t i = 0; i < cols; ++i) x[2 * cols + i] = std::abs(x[2 * cols + i]);  // all >= 0
  for (const SimdKernels* k : runnable_tables()) {
    SCOPED_TRACE(k->isa);
    for (const int levels : {255, 127}) {
      std::vector<uint8_t> q(rows * cols);
      std::vector<float> scales(rows);
      std::vector<int32_t> zps(rows);
      k->quantize_rows(LinearInput::rows(x.data()), rows, cols, 0, levels, q.data(), scales.data(),
                       zps.data(), nullptr);
      for (int64_t r = 0; r < rows; ++r) {
        const auto row = std::span(x).subspan(r * cols, cols);
        const float lo = std::min(0.0f, *std::min_element(row.begin(), row.end()));
        const float hi = std::max(0.0f, *std::max_element(row.begin(), row.end()));
        EXPECT_FLOAT_EQ(scales[r], (hi - lo) / static_cast<float>(levels));
        EXPECT_EQ(zps[r], std::nearbyint(-lo / scales[r]));
        for (int64_t i = 0; i < cols; ++i) {
          EXPECT_NEAR(q[r * cols + i] - zps[r], x[r * cols + i] / scales[r], 0.5001);
        }
      }
      // One output column whose weights are all 1: acc = sum of q, col_sum = cols.
      std::vector<int32_t> acc(rows);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < cols; ++i) acc[r] += q[r * cols + i];
      }
      const int32_t col_sum = static_cast<int32_t>(cols);
      const float col_scale = 0.5f;
      std::vector<float> y(rows, 1.0f);
      k->dequantize(acc.data(), rows, 1, &col_sum, scales.data(), zps.data(), &col_scale, y.data(),
                    true);
      for (int64_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (int64_t i = 0; i < cols; ++i) sum += x[r * cols + i];
        EXPECT_NEAR(y[r], 1.0 + 0.5 * sum, 0.5 * 0.5 * cols * scales[r]);
      }
    }
    std::vector<uint16_t> b(rows * cols);
    k->to_bf16(x.data(), rows * cols, b.data());
    for (int64_t i = 0; i < rows * cols; ++i) {
      const uint32_t bits = static_cast<uint32_t>(b[i]) << 16;
      float back;
      std::memcpy(&back, &bits, sizeof back);
      EXPECT_NEAR(back, x[i], std::abs(x[i]) / 256.0);
    }
  }
}

// The int8 layers' rotated inputs: quantising with a Hadamard block is quantising what
// hadamard_blocks writes, bit for bit, for blocks narrower and wider than a vector.
TEST(SimdKernels, QuantizeWithHadamardBlockIsRotateThenQuantizeOnEveryIsa) {
  const int64_t rows = 5, cols = 2 * 64 + 7;  // 7 columns past the last 64-block
  auto x = random_values(rows * cols, 21);
  for (int64_t r = 0; r < rows; ++r) x[r * cols + (r * 29) % cols] *= 40.0f;  // outliers
  for (const SimdKernels* k : runnable_tables()) {
    SCOPED_TRACE(k->isa);
    for (const int64_t block : {2, 8, 16, 64}) {
      SCOPED_TRACE(block);
      std::vector<float> rotated(x.size());
      hadamard_blocks(x.data(), rotated.data(), rows, cols, block);
      std::vector<uint8_t> want_q(x.size()), q(x.size());
      std::vector<float> want_scales(rows), scales(rows);
      std::vector<int32_t> want_zps(rows), zps(rows);
      k->quantize_rows(LinearInput::rows(rotated.data()), rows, cols, 0, 255, want_q.data(),
                       want_scales.data(), want_zps.data(), nullptr);
      std::vector<float> scratch(static_cast<size_t>(omp_get_max_threads() * cols));
      k->quantize_rows(LinearInput::rows(x.data()), rows, cols, block, 255, q.data(), scales.data(),
                       zps.data(), scratch.data());
      EXPECT_EQ(q, want_q);
      EXPECT_EQ(scales, want_scales);
      EXPECT_EQ(zps, want_zps);
    }
  }
}

// The int8 layers' fused inputs: quantising LayerNorm or GeGLU rows (then rotated, or not) is
// quantising what the layer_norm and geglu kernels write, bit for bit.
TEST(SimdKernels, QuantizeWithARowFunctionIsTheFunctionThenQuantizeOnEveryIsa) {
  const int64_t rows = 5, cols = 64 + 7;  // a tail past every vector width
  const auto x = random_values(rows * 2 * cols, 31);
  const auto w = random_values(cols, 32);
  const std::vector<float> scratch(static_cast<size_t>(omp_get_max_threads() * cols));
  for (const SimdKernels* k : runnable_tables()) {
    SCOPED_TRACE(k->isa);
    std::vector<float> normed(rows * cols), gated(rows * cols);
    k->layer_norm(x.data(), rows, cols, w.data(), 1e-5f, normed.data());
    k->geglu(x.data(), rows, cols, gated.data());
    const std::pair<LinearInput, const std::vector<float>*> cases[] = {
        {LinearInput::layer_norm(x.data(), w.data(), 1e-5f), &normed},
        {LinearInput::geglu(x.data()), &gated}};
    for (const auto& [input, want_rows] : cases) {
      for (const int64_t block : {0, 16}) {
        SCOPED_TRACE(::testing::Message()
                     << "op " << static_cast<int>(input.op) << " block " << block);
        std::vector<uint8_t> want_q(rows * cols), q(rows * cols);
        std::vector<float> want_scales(rows), scales(rows);
        std::vector<int32_t> want_zps(rows), zps(rows);
        std::vector<float> row(scratch);
        k->quantize_rows(LinearInput::rows(want_rows->data()), rows, cols, block, 255,
                         want_q.data(), want_scales.data(), want_zps.data(), row.data());
        k->quantize_rows(input, rows, cols, block, 255, q.data(), scales.data(), zps.data(),
                         row.data());
        EXPECT_EQ(q, want_q);
        EXPECT_EQ(scales, want_scales);
        EXPECT_EQ(zps, want_zps);
      }
    }
  }
}

// The bf16 layers' fused inputs: rounding LayerNorm or GeGLU rows (or plain rows) to bf16 is
// rounding what the layer_norm and geglu kernels write, bit for bit.
TEST(SimdKernels, Bf16RowsWithARowFunctionAreTheFunctionThenToBf16OnEveryIsa) {
  const int64_t rows = 5, cols = 64 + 7;
  const auto x = random_values(rows * 2 * cols, 33);
  const auto w = random_values(cols, 34);
  std::vector<float> scratch(static_cast<size_t>(omp_get_max_threads() * cols));
  for (const SimdKernels* k : runnable_tables()) {
    SCOPED_TRACE(k->isa);
    std::vector<float> normed(rows * cols), gated(rows * cols);
    k->layer_norm(x.data(), rows, cols, w.data(), 1e-5f, normed.data());
    k->geglu(x.data(), rows, cols, gated.data());
    const std::pair<LinearInput, const float*> cases[] = {
        {LinearInput::rows(x.data()), x.data()},
        {LinearInput::layer_norm(x.data(), w.data(), 1e-5f), normed.data()},
        {LinearInput::geglu(x.data()), gated.data()}};
    for (const auto& [input, want_rows] : cases) {
      SCOPED_TRACE(static_cast<int>(input.op));
      std::vector<uint16_t> want(rows * cols), got(rows * cols);
      k->to_bf16(want_rows, rows * cols, want.data());
      k->to_bf16_rows(input, rows, cols, got.data(), scratch.data());
      EXPECT_EQ(got, want);
    }
  }
}

TEST(LayerNorm, PopulationVarianceEpsInsideSqrtWeightOnly) {
  const std::vector<float> x = {1.0f, 2.0f, 4.0f, -3.0f};
  const std::vector<float> w = {1.0f, 0.5f, 2.0f, -1.0f};
  std::vector<float> out(4);
  layer_norm(x.data(), 1, 4, w.data(), 1e-5, out.data());
  const double mean = 1.0, var = (0 + 1 + 9 + 16) / 4.0;
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(out[i], (x[i] - mean) / std::sqrt(var + 1e-5) * w[i], 1e-6);
  }
}

TEST(Activations, GeluIsTheErfForm) {
  std::vector<float> x = {1.0f, -2.0f, 0.0f};
  gelu(x.data(), 1, 3);
  EXPECT_NEAR(x[0], 0.8413447460685429, 2e-7);  // tanh form: 0.841192
  EXPECT_NEAR(x[1], -0.04550026389635842, 2e-7);
  EXPECT_EQ(x[2], 0.0f);
}

TEST(Activations, GegluGatesTheFirstHalfWithTheSecond) {
  const std::vector<float> wi = {1.0f, -2.0f, 3.0f, 0.5f};  // one row: input {1,-2}, gate {3,.5}
  std::vector<float> out(2);
  geglu(wi.data(), 1, 2, out.data());
  EXPECT_NEAR(out[0], 0.8413447460685429 * 3.0, 1e-6);
  EXPECT_NEAR(out[1], -0.04550026389635842 * 0.5, 1e-6);
}

TEST(Linear, Fp32MatchesTheDefinitionAndAccumulates) {
  for (const auto& [in, out_features] : {std::pair<int64_t, int64_t>{5, 4}, {70, 130}}) {
    const int64_t rows = 3;
    const auto x = random_values(rows * in, 1);
    const auto w = random_values(out_features * in, 2);
    auto spent = w;
    const auto linear = make_linear(LinearPrecision::kFp32, spent.data(), out_features, in);
    // The layer packed a copy: the checkpoint's memory may go (LinearLoader releases it).
    std::fill(spent.begin(), spent.end(), std::numeric_limits<float>::quiet_NaN());
    std::vector<float> y(rows * out_features, 1.0f);
    linear->forward(x.data(), rows, y.data(), /*accumulate=*/true);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t o = 0; o < out_features; ++o) {
        double s = 1.0;
        for (int64_t i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
        EXPECT_NEAR(y[r * out_features + o], s, 1e-5 * std::sqrt(in)) << in << " " << o;
      }
    }
  }
}

TEST(PageBuffer, IsZeroedWritableAndStartsOnAHugePage) {
  for (const std::size_t bytes : {std::size_t{1}, std::size_t{5000}, std::size_t{3} << 20}) {
    PageBuffer buffer(bytes);
    ASSERT_EQ(buffer.size(), bytes);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % (std::size_t{2} << 20), 0u);
    const std::span<const std::byte> view = buffer;
    EXPECT_TRUE(
        std::all_of(view.begin(), view.end(), [](std::byte b) { return b == std::byte{0}; }));
    std::memset(buffer.data(), 0x5a, bytes);
    EXPECT_EQ(buffer.data()[bytes - 1], std::byte{0x5a});
    PageBuffer moved(std::move(buffer));
    EXPECT_EQ(moved.size(), bytes);
    EXPECT_EQ(moved.data()[0], std::byte{0x5a});
    EXPECT_EQ(buffer.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(buffer.size(), 0u);
    buffer = std::move(moved);
    EXPECT_EQ(buffer.data()[bytes / 2], std::byte{0x5a});
  }
  EXPECT_EQ(PageBuffer(0).data(), nullptr);
}

// x W^T in double.
std::vector<double> exact_product(const std::vector<float>& x, const std::vector<float>& w,
                                  int64_t rows, int64_t in, int64_t out) {
  std::vector<double> y(rows * out);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      for (int64_t i = 0; i < in; ++i) y[r * out + o] += double{x[r * in + i]} * w[o * in + i];
    }
  }
  return y;
}

TEST(Linear, Int8AndBf16AreCloseToTheDefinition) {
  const int64_t rows = 5, in = 96, out = 40;
  const auto x = random_values(rows * in, 8);
  const auto w = random_values(out * in, 9);
  const auto exact = exact_product(x, w, rows, in, out);
  // Relative to the typical output size sqrt(in); int8 keeps 7-bit activations without VNNI.
  for (const auto& [precision, tolerance] :
       {std::pair{LinearPrecision::kInt8, 0.06}, std::pair{LinearPrecision::kBf16, 0.01}}) {
    if (precision == LinearPrecision::kBf16 && cpu_features().isa != CpuIsa::kAvx512) {
      EXPECT_THROW(make_linear(precision, w.data(), out, in), Error);  // oneDNN 2.6 has none
      continue;
    }
    const auto linear = make_linear(precision, w.data(), out, in);
    std::vector<float> y(rows * out, 2.0f);
    linear->forward(x.data(), rows, y.data(), /*accumulate=*/true);
    for (int64_t i = 0; i < rows * out; ++i) {
      EXPECT_NEAR(y[i], exact[i] + 2.0, tolerance * std::sqrt(in)) << i;
    }
  }
}

TEST(Linear, PackedWeightsFromAnotherLayoutAreRepacked) {
  const int64_t rows = 3, in = 64, out = 48;
  const auto x = random_values(rows * in, 10);
  const auto w = random_values(out * in, 11);
  const OwnedPackedWeights native = pack_weights(LinearPrecision::kInt8, w.data(), out, in);
  EXPECT_EQ(DnnlMatmul::describe_layout(DnnlMatmul::parse_layout(native.view.layout)),
            native.view.layout);
  // The same integers in plain [out, in] order, as a machine without VNNI stores them.
  std::vector<std::byte> plain(static_cast<size_t>(out * in));
  const auto plain_md = DnnlMatmul::out_major(DnnlMatmul::DataType::s8, in, out);
  DnnlMatmul::reorder(DnnlMatmul::parse_layout(native.view.layout), native.view.data.data(),
                      plain_md, plain.data());
  PackedWeights foreign = native.view;
  foreign.layout = DnnlMatmul::describe_layout(plain_md);
  foreign.data = plain;
  std::vector<float> a(rows * out), b(rows * out);
  make_linear(native.view)->forward(x.data(), rows, a.data());
  make_linear(foreign)->forward(x.data(), rows, b.data());
  EXPECT_EQ(a, b);
}

TEST(Linear, PaddedRowCountsAreFewAndCloseToTheRowCount) {
  std::vector<int64_t> sizes;
  for (int64_t rows = 1; rows <= 16384; ++rows) {
    const int64_t padded = linear_rows(rows);
    ASSERT_GE(padded, rows);
    ASSERT_LT(padded - rows, std::max<int64_t>(8, rows / 16)) << rows;
    if (sizes.empty() || sizes.back() != padded) sizes.push_back(padded);
  }
  for (const int64_t power : {8, 64, 512, 4096}) EXPECT_EQ(linear_rows(power), power);
  // 16 sizes per octave: a server that sees every batch size makes ~16 x 11 matmuls per layer.
  EXPECT_LE(sizes.size(), 16u * 11u + 8u);
}

TEST(Linear, RowsPastTheRealOnesDoNotLeakIntoThem) {
  const int64_t rows = 37, in = 64, out = 48;
  const int64_t padded = linear_rows(rows);
  ASSERT_GT(padded, rows);
  const auto w = random_values(out * in, 13);
  auto x = random_values(static_cast<size_t>(padded * in), 14);
  std::fill(x.begin() + rows * in, x.end(), std::numeric_limits<float>::quiet_NaN());
  std::vector<LinearPrecision> precisions = {LinearPrecision::kFp32, LinearPrecision::kInt8};
  if (cpu_features().isa == CpuIsa::kAvx512) precisions.push_back(LinearPrecision::kBf16);
  for (const LinearPrecision precision : precisions) {
    const auto linear = make_linear(precision, w.data(), out, in);
    std::vector<float> want(static_cast<size_t>(rows * out));
    linear->forward(x.data(), rows, want.data());  // exact-size buffers, no NaN rows
    std::vector<std::byte> scratch(linear->scratch_bytes(rows, false) + 64);
    void* p = scratch.data();
    size_t space = scratch.size();
    std::align(64, space - 64, p, space);
    std::vector<float> y(static_cast<size_t>(padded * out), 0.0f);
    linear->forward(x.data(), rows, y.data(), false, {static_cast<std::byte*>(p), space});
    EXPECT_TRUE(std::equal(want.begin(), want.end(), y.begin()))
        << "precision " << static_cast<int>(precision);
  }
}

// y of `rows` rows for `input`, with planned scratch as the encoder gives it (inputs hold the
// padded rows, zeros past the real ones).
std::vector<float> forward_with_scratch(const Linear& linear, const LinearInput& input,
                                        int64_t rows) {
  std::vector<std::byte> scratch(linear.scratch_bytes(rows, false, input.op) + 64);
  void* p = scratch.data();
  size_t space = scratch.size();
  std::align(64, space - 64, p, space);
  std::vector<float> y(static_cast<size_t>(linear_rows(rows) * linear.out_features()));
  linear.forward(input, rows, y.data(), false, {static_cast<std::byte*>(p), space});
  y.resize(static_cast<size_t>(rows * linear.out_features()));
  return y;
}

// LayerNorm and GeGLU as a linear layer's input: the same numbers as the kernels' output fed to
// the layer, at every precision (int8 fuses them into quantising, rotated or not).
TEST(Linear, InputFunctionsAreTheKernelsThenTheProduct) {
  const int64_t rows = 37, in = 64, out = 48;
  const int64_t padded = linear_rows(rows);
  const auto w = random_values(out * in, 41);
  const auto norm = random_values(in, 42);
  auto x = random_values(static_cast<size_t>(padded * 2 * in), 43);
  std::vector<float> normed(static_cast<size_t>(padded * in)), gated(normed.size());
  layer_norm(x.data(), rows, in, norm.data(), 1e-5, normed.data());
  geglu(x.data(), rows, in, gated.data());
  struct Layer {
    LinearPrecision precision;
    int64_t hadamard_block;
  };
  std::vector<Layer> layers = {
      {LinearPrecision::kFp32, 0}, {LinearPrecision::kInt8, 0}, {LinearPrecision::kInt8, 16}};
  if (cpu_features().isa == CpuIsa::kAvx512) layers.push_back({LinearPrecision::kBf16, 0});
  for (const auto& [precision, block] : layers) {
    SCOPED_TRACE(::testing::Message()
                 << "precision " << static_cast<int>(precision) << " block " << block);
    const auto linear = make_linear(precision, w.data(), out, in, block);
    EXPECT_EQ(
        forward_with_scratch(*linear, LinearInput::layer_norm(x.data(), norm.data(), 1e-5f), rows),
        forward_with_scratch(*linear, LinearInput::rows(normed.data()), rows));
    EXPECT_EQ(forward_with_scratch(*linear, LinearInput::geglu(x.data()), rows),
              forward_with_scratch(*linear, LinearInput::rows(gated.data()), rows));
  }
}

TEST(Hadamard, BlocksAreTheOrthonormalSylvesterMatrixAndTheTailIsCopied) {
  const int64_t rows = 2, cols = 38, block = 16;
  const auto x = random_values(rows * cols, 12);
  std::vector<float> y(x.size(), -1.0f);
  hadamard_blocks(x.data(), y.data(), rows, cols, block);  // out of place: the tail is copied
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      double want = x[r * cols + c];  // columns 32.. are past the last full block
      if (c < 32) {
        const int64_t b = c / block * block;
        want = 0.0;
        for (int64_t j = 0; j < block; ++j) {
          const double sign = std::popcount(static_cast<unsigned>((c - b) & j)) % 2 ? -1.0 : 1.0;
          want += sign * x[r * cols + b + j] / 4.0;
        }
      }
      EXPECT_NEAR(y[r * cols + c], want, 1e-5) << r << "," << c;
    }
  }
  hadamard_blocks(y.data(), y.data(), rows, cols, block);  // in place; its own inverse
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y[i], x[i], 1e-5);
}

// Rows with a few large values (like the GeGLU product): rotating keeps the product and loses
// less to the activations' 8 (or 7) bits.
TEST(Linear, RotatedInt8KeepsTheProductWithLessErrorOnOutliers) {
  const int64_t rows = 8, in = 128, out = 32;
  auto x = random_values(rows * in, 13);
  for (int64_t r = 0; r < rows; ++r) x[r * in + (r * 37) % in] *= 30.0f;
  const auto w = random_values(out * in, 14);
  const auto exact = exact_product(x, w, rows, in, out);
  auto error = [&](int64_t block) {
    std::vector<float> y(rows * out);
    make_linear(LinearPrecision::kInt8, w.data(), out, in, block)
        ->forward(x.data(), rows, y.data());
    double sum = 0.0;
    for (size_t i = 0; i < y.size(); ++i) sum += std::abs(y[i] - exact[i]);
    return sum / static_cast<double>(y.size());
  };
  const double plain = error(0), rotated = error(64);
  EXPECT_LT(rotated, 0.06 * std::sqrt(in));
  EXPECT_LT(rotated, 0.7 * plain) << plain;
  EXPECT_THROW(pack_weights(LinearPrecision::kInt8, w.data(), out, in, 48), Error);
}

// oneDNN fixes how a primitive splits its work when it is made: a server's pass may get every
// core or a share of them, so each thread count needs a primitive of its own.
TEST(DnnlMatmul, EachCallersThreadCountGetsItsOwnPrimitive) {
  const int64_t rows = 64, k = 96, n = 80;
  const auto md = DnnlMatmul::preferred_weights(
      DnnlMatmul::DataType::f32, DnnlMatmul::DataType::f32, DnnlMatmul::DataType::f32, k, n);
  const auto w = random_values(static_cast<size_t>(k * n), 21);
  std::vector<float> packed(md.get_size() / sizeof(float));
  DnnlMatmul::reorder(DnnlMatmul::out_major(DnnlMatmul::DataType::f32, k, n), w.data(), md,
                      packed.data());
  const DnnlMatmul matmul(DnnlMatmul::DataType::f32, md, packed.data(), DnnlMatmul::DataType::f32);
  const auto x = random_values(static_cast<size_t>(rows * k), 22);
  const int before = omp_get_max_threads();
  std::vector<std::vector<float>> y;
  std::vector<size_t> pads;
  for (const int threads : {1, 4, 1}) {
    omp_set_num_threads(threads);
    pads.push_back(matmul.scratchpad_bytes(rows, false));
    std::vector<std::byte> pad(pads.back() + 1);
    y.emplace_back(static_cast<size_t>(rows * n));
    matmul.run(x.data(), rows, y.back().data(), false, pad.data());
  }
  omp_set_num_threads(before);
  for (size_t i = 0; i < y[0].size(); ++i) {
    ASSERT_NEAR(y[1][i], y[0][i], 1e-5f) << i;
    ASSERT_EQ(y[2][i], y[0][i]) << i;
  }
  // The scratchpad holds per-thread buffers: its size shows what a primitive was made for.
  if (pads[0] == 0) GTEST_SKIP() << "this CPU's f32 matmul uses no scratchpad";
  EXPECT_GT(pads[1], pads[0]);  // made for four threads
  EXPECT_EQ(pads[2], pads[0]);  // and for one again
}

TEST(Linear, MalformedLayoutsAreErrors) {
  for (const char* text : {"", "s8 64x48", "s8 64x48 pad 64x48 strides 1,64 blocks 0@0",
                           "q4 64x48 pad 64x48 strides 1,64 blocks -",
                           "s8 64x48 pad 64x48 strides 1,64 blocks 16@3"}) {
    EXPECT_THROW(DnnlMatmul::parse_layout(text), Error) << text;
  }
}

}  // namespace
}  // namespace kompress::kernels::cpu
