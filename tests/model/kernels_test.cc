// CPU kernels against plain formulas written out in the test.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/norm.h"
#include "kernels/cpu/rope.h"
#include "kernels/linear.h"

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
      const double angle = static_cast<double>(t) * std::pow(theta, -2.0 * static_cast<double>(j) / static_cast<double>(d));
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

TEST(Attention, SlidingWindowAndGlobalMatchDenseMaskedAttention) {
  const int64_t heads = 2, d = 8, hidden = heads * d;
  const std::vector<int64_t> lengths = {21, 5, 13};
  std::vector<int64_t> starts = {0};
  for (const int64_t l : lengths) starts.push_back(starts.back() + l);
  const auto qkv = random_values(static_cast<size_t>(starts.back() * 3 * hidden), 3);
  const RopeTable rope(10000.0, d, 64);
  for (const int64_t window : {-1, 0, 3}) {
    SCOPED_TRACE("window_half " + std::to_string(window));
    std::vector<float> out(static_cast<size_t>(starts.back() * hidden));
    attention(qkv.data(), starts, {heads, d, window}, rope, out.data());
    for (size_t s = 0; s < lengths.size(); ++s) {
      const std::vector<float> seq(qkv.begin() + starts[s] * 3 * hidden,
                                   qkv.begin() + starts[s + 1] * 3 * hidden);
      const auto expected = dense_attention(seq, lengths[s], heads, d, window, 10000.0);
      for (size_t i = 0; i < expected.size(); ++i) {
        ASSERT_NEAR(out[starts[s] * hidden + i], expected[i], 1e-5) << "seq " << s << " i " << i;
      }
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
  EXPECT_NEAR(gelu(1.0f), 0.8413447460685429, 1e-7);  // tanh form: 0.841192
  EXPECT_NEAR(gelu(-2.0f), -0.04550026389635842, 1e-7);
  EXPECT_EQ(gelu(0.0f), 0.0f);
}

TEST(Activations, GegluGatesTheFirstHalfWithTheSecond) {
  const std::vector<float> wi = {1.0f, -2.0f, 3.0f, 0.5f};  // one row: input {1,-2}, gate {3,.5}
  std::vector<float> out(2);
  geglu(wi.data(), 1, 2, out.data());
  // The vectorised erf is within 1.5e-7 of std::erf.
  EXPECT_NEAR(out[0], gelu(1.0f) * 3.0f, 1e-6);
  EXPECT_NEAR(out[1], gelu(-2.0f) * 0.5f, 1e-6);
}

TEST(Linear, Fp32MatchesTheDefinitionAndAccumulates) {
  const int64_t rows = 3, in = 5, out_features = 4;
  const auto x = random_values(rows * in, 1);
  const auto w = random_values(out_features * in, 2);
  const auto linear = make_linear(LinearPrecision::kFp32, w.data(), out_features, in);
  std::vector<float> y(rows * out_features, 1.0f);
  linear->forward(x.data(), rows, y.data(), /*accumulate=*/true);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out_features; ++o) {
      double s = 1.0;
      for (int64_t i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
      EXPECT_NEAR(y[r * out_features + o], s, 1e-5);
    }
  }
}

}  // namespace
}  // namespace kompress::kernels::cpu
