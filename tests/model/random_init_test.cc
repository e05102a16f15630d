// The two ways of drawing random test models (model/random_init.h). The unit-gain values are
// pinned bit for bit by the golden files (tools/reference/random_weights.py); here, that the
// ModernBERT initialization has transformers' scales, per tensor role.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"

namespace kompress {
namespace {

using model::RandomInit;

struct Stats {
  double mean = 0.0;
  double std = 0.0;
  double max_abs = 0.0;
};

Stats stats(const std::vector<float>& v) {
  Stats s;
  for (const float x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (const float x : v) {
    s.std += (x - s.mean) * (x - s.mean);
    s.max_abs = std::max(s.max_abs, static_cast<double>(std::abs(x)));
  }
  s.std = std::sqrt(s.std / static_cast<double>(v.size()));
  return s;
}

class ModernBertInit : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ =
        weights::ModelConfig::from_file(testing::test_data("golden/tiny_config.json").string());
    config_.initializer_range = 0.05;
    config_.initializer_cutoff_factor = 2.0;
    for (const auto& t : model::expected_tensors(config_, model::CheckpointLayout::kKompressV1)) {
      tensors_[t.name] = t;
    }
  }
  std::vector<float> draw(const std::string& name, uint64_t seed = 11) const {
    return model::random_tensor(tensors_.at(name), seed, RandomInit::kModernBert, config_);
  }

  weights::ModelConfig config_;
  std::map<std::string, model::ExpectedTensor> tensors_;
};

// A normal of `std` cut at twice it has a standard deviation of 0.8796 * std (its variance is
// 1 - 4 phi(2) / (2 Phi(2) - 1) = 0.7737 of std^2).
constexpr double kCutNormalStd = 0.8796;

TEST_F(ModernBertInit, InputMatricesAreTruncatedNormalsOfTheInitializerRange) {
  for (const char* name : {"encoder.embeddings.tok_embeddings.weight",
                           "encoder.layers.1.attn.Wqkv.weight", "encoder.layers.2.mlp.Wi.weight"}) {
    SCOPED_TRACE(name);
    const Stats s = stats(draw(name));
    EXPECT_NEAR(s.mean, 0.0, 0.002);
    EXPECT_NEAR(s.std, kCutNormalStd * 0.05, 0.0015);
    EXPECT_LE(s.max_abs, 2.0 * 0.05);
    EXPECT_GT(s.max_abs, 1.9 * 0.05);
  }
}

TEST_F(ModernBertInit, ResidualOutputsAreScaledByTheDepth) {
  const double std = 0.05 / std::sqrt(2.0 * 3);  // three layers
  for (const char* name : {"encoder.layers.0.attn.Wo.weight", "encoder.layers.2.mlp.Wo.weight"}) {
    SCOPED_TRACE(name);
    const Stats s = stats(draw(name));
    EXPECT_NEAR(s.std, kCutNormalStd * std, 0.05 * kCutNormalStd * std);
    EXPECT_LE(s.max_abs, 2.0 * std);
  }
}

TEST_F(ModernBertInit, HeadsNormsAndBiasesFollowTheirOwnRules) {
  for (const float w : draw("encoder.final_norm.weight")) EXPECT_EQ(w, 1.0f);
  for (const float b : draw("token_head.bias")) EXPECT_EQ(b, 0.0f);
  const Stats head = stats(draw("token_head.weight"));
  EXPECT_NEAR(head.std, kCutNormalStd / std::sqrt(64.0), 0.02);
  // PyTorch's Conv1d default: uniform within 1/sqrt(in_channels * kernel).
  const Stats conv = stats(draw("span_conv.0.weight"));
  EXPECT_LE(conv.max_abs, 1.0 / std::sqrt(64.0 * 5));
  EXPECT_NEAR(conv.std, 1.0 / std::sqrt(3.0 * 64 * 5), 0.002);
  EXPECT_LE(stats(draw("span_conv.0.bias")).max_abs, 1.0 / std::sqrt(64.0 * 5));
  EXPECT_LE(stats(draw("span_conv.2.bias")).max_abs, 1.0 / std::sqrt(256.0 * 3));
}

TEST_F(ModernBertInit, TheSeedDecidesTheValues) {
  const std::string name = "encoder.layers.1.attn.Wqkv.weight";
  EXPECT_EQ(draw(name, 3), draw(name, 3));
  EXPECT_NE(draw(name, 3), draw(name, 4));
  // Not the unit-gain values rescaled: a different draw.
  EXPECT_NE(model::random_tensor(tensors_.at(name), 3), draw(name, 3));
}

}  // namespace
}  // namespace kompress
