// The fp32 model against the independent PyTorch reference (tools/reference/): the same
// random weights from a seed, real ids, and the reference's float64 outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>

#include "kompress/model.h"
#include "model/golden_case.h"
#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;
using testing::GoldenCase;
using testing::max_abs_diff;

constexpr double kScoreTolerance = 1e-5;
constexpr double kHiddenTolerance = 1e-4;

int keep_mismatches(std::span<const float> a, std::span<const float> b) {
  int n = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) n += (a[i] > 0.5f) != (b[i] > 0.5f);
  return n;
}

// A model directory with the config and the seeded random checkpoint, loaded once per suite.
struct LoadedCase {
  fs::path dir;
  GoldenCase golden;
  std::unique_ptr<Model> model;

  LoadedCase(const fs::path& config, const fs::path& golden_path, const std::string& name) {
    dir = testing::make_temp_dir(name);
    golden = testing::read_golden(golden_path);
    fs::copy_file(config, dir / "config.json", fs::copy_options::overwrite_existing);
    const auto cfg = weights::ModelConfig::from_file(config.string());
    model::write_random_checkpoint(cfg, model::CheckpointLayout::kKompressV1, golden.seed,
                                   (dir / "model.safetensors").string());
    model = std::make_unique<Model>(Model::load(dir.string()));
  }
  ~LoadedCase() { fs::remove_all(dir); }
};

void expect_matches_golden(const Model& model, const GoldenCase& golden) {
  ASSERT_FALSE(golden.sequences.empty());
  for (size_t k = 0; k < golden.sequences.size(); ++k) {
    SCOPED_TRACE("sequence " + std::to_string(k));
    const auto& g = golden.sequences[k];
    const std::vector<std::span<const int32_t>> batch = {g.ids};
    const auto out = model.score(batch, {.return_hidden = true});
    ASSERT_EQ(out.size(), 1u);
    const double score_diff = max_abs_diff(out[0].final_scores, g.final_scores);
    const double hidden_diff = max_abs_diff(out[0].hidden, g.hidden);
    std::printf("  %zu tokens: max |final_scores diff| %.2e, max |hidden diff| %.2e\n",
                g.ids.size(), score_diff, hidden_diff);
    EXPECT_LE(score_diff, kScoreTolerance);
    EXPECT_LE(max_abs_diff(out[0].p_keep, g.p_keep), kScoreTolerance);
    EXPECT_LE(max_abs_diff(out[0].span, g.span), kScoreTolerance);
    EXPECT_LE(hidden_diff, kHiddenTolerance);
    EXPECT_EQ(keep_mismatches(out[0].final_scores, g.final_scores), 0);
  }
}

// Scoring the sequences of `batch` together gives what scoring them one by one gives.
void expect_batch_equals_singles(const Model& model,
                                 const std::vector<std::span<const int32_t>>& batch) {
  const auto together = model.score(batch);
  ASSERT_EQ(together.size(), batch.size());
  for (size_t k = 0; k < batch.size(); ++k) {
    const std::vector<std::span<const int32_t>> one = {batch[k]};
    const auto alone = model.score(one);
    // oneDNN's AVX2 GEMM sums in an order that depends on the row count: not bit-identical.
    EXPECT_LE(max_abs_diff(together[k].final_scores, alone[0].final_scores), 5e-6);
  }
}

// The golden sequences in one packed batch, in another order than the singles.
void expect_batch_equals_singles(const Model& model, const GoldenCase& golden) {
  std::vector<std::span<const int32_t>> batch;
  for (const auto& g : golden.sequences) batch.emplace_back(g.ids);
  std::reverse(batch.begin(), batch.end());
  expect_batch_equals_singles(model, batch);
}

class TinyGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    loaded_ = new LoadedCase(testing::test_data("golden/tiny_config.json"),
                             testing::test_data("golden/tiny_golden.safetensors"), "tiny");
  }
  static void TearDownTestSuite() { delete loaded_; }
  static LoadedCase* loaded_;
};
LoadedCase* TinyGolden::loaded_ = nullptr;

TEST_F(TinyGolden, MatchesReference) { expect_matches_golden(*loaded_->model, loaded_->golden); }

TEST_F(TinyGolden, MixedLengthBatchEqualsSingles) {
  expect_batch_equals_singles(*loaded_->model, loaded_->golden);
}

// A batch of more tokens than several forward passes hold (1,024 tokens each) runs in passes of
// consecutive sequences: every sequence still gets its own scores, in the batch's order.
TEST_F(TinyGolden, ABatchLargerThanAPassGivesEverySequenceItsScores) {
  std::vector<std::span<const int32_t>> batch;
  size_t tokens = 0;
  for (size_t k = 0; tokens < 4000; ++k) {
    const auto& g = loaded_->golden.sequences[(k * 7) % loaded_->golden.sequences.size()];
    batch.emplace_back(g.ids);
    tokens += g.ids.size();
  }
  expect_batch_equals_singles(*loaded_->model, batch);
}

TEST_F(TinyGolden, SlidingWindowIsShorterThanSequences) {
  // The case only tests the window if some sequence is longer than the window (16 tokens).
  const auto cfg = weights::ModelConfig::from_file(testing::test_data("golden/tiny_config.json"));
  size_t longest = 0;
  for (const auto& s : loaded_->golden.sequences) longest = std::max(longest, s.ids.size());
  EXPECT_GT(static_cast<int64_t>(longest), 2 * cfg.local_window_half + 1);
}

class BaseGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path shared = testing::modernbert_dir();
    if (shared.empty()) return;
    loaded_ = new LoadedCase(shared / "config.json",
                             testing::test_data("golden/base_golden.safetensors"), "base");
  }
  static void TearDownTestSuite() { delete loaded_; }
  void SetUp() override {
    if (!loaded_) GTEST_SKIP() << "../shared/models/modernbert-base is absent";
  }
  static LoadedCase* loaded_;
};
LoadedCase* BaseGolden::loaded_ = nullptr;

TEST_F(BaseGolden, MatchesReference) { expect_matches_golden(*loaded_->model, loaded_->golden); }

TEST_F(BaseGolden, MixedLengthBatchEqualsSingles) {
  expect_batch_equals_singles(*loaded_->model, loaded_->golden);
}

TEST_F(BaseGolden, HasA512TokenChunkAndAShortOne) {
  std::vector<size_t> lengths;
  for (const auto& s : loaded_->golden.sequences) lengths.push_back(s.ids.size());
  EXPECT_NE(std::find(lengths.begin(), lengths.end(), 512u), lengths.end());
  EXPECT_LT(*std::min_element(lengths.begin(), lengths.end()), 129u);
}

}  // namespace
}  // namespace kompress
