// The embedded default model (models/kompress-mini) in the engine against the trainer's
// PyTorch model: golden ids and scores from tools/train/make_mini_golden.py.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "kompress/ccr.h"
#include "kompress/model.h"
#include "kompress/tokenizer.h"
#include "model/golden_case.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;
using testing::max_abs_diff;

constexpr double kScoreTolerance = 1e-5;
constexpr double kHiddenTolerance = 1e-4;
const char* const kRegenerate = "run /usr/bin/python3 tools/train/make_mini_golden.py";

fs::path mini_dir() { return fs::path(KOMPRESS_SOURCE_DIR) / "models" / "kompress-mini"; }
fs::path golden_path() { return testing::test_data("golden/kompress_mini_golden.safetensors"); }

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class KompressMini : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(mini_dir() / "model.safetensors")) {
      GTEST_SKIP() << mini_dir() << " is absent (the default model is not in this checkout)";
    }
    ASSERT_TRUE(fs::exists(golden_path())) << golden_path() << " is missing: " << kRegenerate;
  }
};

TEST_F(KompressMini, GoldenBelongsToTheCommittedWeights) {
  const auto golden = weights::SafetensorsFile::open(golden_path().string());
  const std::string digest = golden.metadata().at("model_sha256");
  EXPECT_EQ(ccr::content_key(read_bytes(mini_dir() / "model.safetensors")), digest.substr(0, 24))
      << "models/kompress-mini/model.safetensors changed since the golden was made: "
      << kRegenerate;
}

TEST_F(KompressMini, TokenizerGivesTheOracleIds) {
  const auto golden_file = weights::SafetensorsFile::open(golden_path().string());
  const auto words = nlohmann::json::parse(golden_file.metadata().at("words"));
  const auto golden = testing::read_golden(golden_path());
  ASSERT_EQ(words.size(), golden.sequences.size());
  const auto tok = Tokenizer::from_file((mini_dir() / "tokenizer.json").string());
  for (size_t k = 0; k < words.size(); ++k) {
    std::vector<std::string> owned = words[k].get<std::vector<std::string>>();
    std::vector<std::string_view> views(owned.begin(), owned.end());
    EXPECT_EQ(tok.encode_words(views).ids, golden.sequences[k].ids) << "sequence " << k;
  }
}

TEST_F(KompressMini, EngineReproducesPyTorchScores) {
  const auto golden = testing::read_golden(golden_path());
  const Model model = Model::load(mini_dir().string());
  ASSERT_TRUE(model.has_heads());
  ASSERT_FALSE(golden.sequences.empty());
  bool longer_than_window = false;
  for (size_t k = 0; k < golden.sequences.size(); ++k) {
    SCOPED_TRACE("sequence " + std::to_string(k));
    const auto& g = golden.sequences[k];
    longer_than_window |= static_cast<int64_t>(g.ids.size()) > 2 * model.info().local_window + 1;
    const std::vector<std::span<const int32_t>> batch = {g.ids};
    const auto out = model.score(batch, {.return_hidden = true});
    ASSERT_EQ(out.size(), 1u);
    const double diff = max_abs_diff(out[0].final_scores, g.final_scores);
    std::printf("  %zu tokens: max |final_scores diff| %.2e\n", g.ids.size(), diff);
    EXPECT_LE(diff, kScoreTolerance);
    EXPECT_LE(max_abs_diff(out[0].p_keep, g.p_keep), kScoreTolerance);
    EXPECT_LE(max_abs_diff(out[0].span, g.span), kScoreTolerance);
    EXPECT_LE(max_abs_diff(out[0].hidden, g.hidden), kHiddenTolerance);
  }
  EXPECT_TRUE(longer_than_window) << "no golden sequence exercises the local attention window";
}

}  // namespace
}  // namespace kompress
