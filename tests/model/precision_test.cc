// bf16 and int8 against the fp32 reference path on real text (keep decisions at threshold 0.5
// and |score difference|), for two models: the ModernBERT-base shape with seeded random weights
// (real tokenizer ids from committed prose, code and tool output, six full 512-token chunks),
// drawn twice (ModernBERT's own initialization, and the harsher unit-gain weights), and
// the embedded default model models/kompress-mini with its own tokenizer on more of the same
// kind of text (its scores are whatever the committed weights give; none is hard-coded).
// Run once as is and once with KOMPRESS_CPU=avx2 (tests/model/CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_isa.h"
#include "kompress/model.h"
#include "kompress/tokenizer.h"
#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kSeed = 20260401;
constexpr size_t kChunkTokens = 512;
constexpr size_t kBaseChunks = 6;   // 3,000 tokens: enough to resolve 0.1% without slow runs
constexpr size_t kMiniChunks = 20;  // 10,000 tokens: the small model is cheap

// Prose, code and tool output: a frozen snapshot of this repository's README, docs, samples and a
// few sources (tests/data/precision/real_text.txt), so that edits to those files do not move the
// measured agreement. The base-shape model's six chunks come from its first 12 KB.
std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// [CLS] ... [SEP] chunks of at most kChunkTokens tokens over the committed texts.
std::vector<std::vector<int32_t>> real_chunks(const Tokenizer& tokenizer, size_t count) {
  const std::string text = read_text(testing::test_data("precision/real_text.txt"));
  const auto ids = tokenizer.encode(text, {.add_special_tokens = false}).ids;
  const int32_t cls = tokenizer.token_to_id("[CLS]");
  const int32_t sep = tokenizer.token_to_id("[SEP]");
  std::vector<std::vector<int32_t>> chunks;
  for (size_t i = 0; i < ids.size() && chunks.size() < count; i += kChunkTokens - 2) {
    std::vector<int32_t> chunk{cls};
    const size_t end = std::min(ids.size(), i + kChunkTokens - 2);
    chunk.insert(chunk.end(), ids.begin() + static_cast<std::ptrdiff_t>(i),
                 ids.begin() + static_cast<std::ptrdiff_t>(end));
    chunk.push_back(sep);
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

struct Agreement {
  double fraction = 0.0;
  double max_diff = 0.0;
  double mean_diff = 0.0;
  size_t tokens = 0;
};

Agreement compare(const std::vector<SequenceScores>& a, const std::vector<SequenceScores>& b) {
  Agreement r;
  size_t same = 0;
  double sum = 0.0;
  for (size_t s = 0; s < a.size(); ++s) {
    for (size_t t = 0; t < a[s].final_scores.size(); ++t) {
      const double x = a[s].final_scores[t], y = b[s].final_scores[t];
      same += (x > 0.5) == (y > 0.5);
      sum += std::abs(x - y);
      r.max_diff = std::max(r.max_diff, std::abs(x - y));
      ++r.tokens;
    }
  }
  r.fraction = static_cast<double>(same) / static_cast<double>(r.tokens);
  r.mean_diff = sum / static_cast<double>(r.tokens);
  return r;
}

// bf16 without AVX-512 runs oneDNN's reference kernels: too slow for a test.
bool bf16_is_fast() {
  return kernels::cpu::cpu_features().bf16 ||
         kernels::cpu::cpu_features().isa == kernels::cpu::CpuIsa::kAvx512;
}

// One model's fp32 scores on real-text chunks, against which the other precisions are measured.
class AgreementCase {
 public:
  AgreementCase(std::string label, fs::path model_dir, const fs::path& tokenizer, size_t chunks)
      : label_(std::move(label)),
        model_dir_(std::move(model_dir)),
        chunks_(real_chunks(Tokenizer::from_file(tokenizer.string()), chunks)),
        reference_(Model::load(model_dir_.string(), {.precision = kompress::Precision::kFp32})
                       .score(batch())) {}

  const std::vector<std::vector<int32_t>>& chunks() const { return chunks_; }

  Agreement run(kompress::Precision precision, const char* name) const {
    const Model m = Model::load(model_dir_.string(), {.precision = precision});
    EXPECT_EQ(m.info().precision, name);
    const Agreement a = compare(reference_, m.score(batch()));
    std::printf(
        "  %s: %s (%s kernels) vs fp32 on %zu tokens in %zu chunks: keep agreement %.4f%%, "
        "max |score diff| %.4f, mean %.5f\n",
        label_.c_str(), name, m.info().cpu.c_str(), a.tokens, chunks_.size(), 100.0 * a.fraction,
        a.max_diff, a.mean_diff);
    return a;
  }

 private:
  std::vector<std::span<const int32_t>> batch() const { return {chunks_.begin(), chunks_.end()}; }

  std::string label_;
  fs::path model_dir_;
  std::vector<std::vector<int32_t>> chunks_;
  std::vector<SequenceScores> reference_;
};

// The ModernBERT-base shape with seeded random weights drawn as `Init` says, written to a temp dir
// once per suite.
template <model::RandomInit Init>
class BaseShapeSuite : public ::testing::Test {
 protected:
  // Written on first use, so that a test which skips (bf16 without AVX-512) costs nothing.
  static AgreementCase& the_case() {
    if (case_) return *case_;
    const fs::path shared = testing::modernbert_dir();
    dir_ = new fs::path(testing::make_temp_dir("precision"));
    fs::copy_file(shared / "config.json", *dir_ / "config.json",
                  fs::copy_options::overwrite_existing);
    const auto cfg = weights::ModelConfig::from_file((shared / "config.json").string());
    model::write_random_checkpoint(cfg, model::CheckpointLayout::kKompressV1, kSeed,
                                   (*dir_ / "model.safetensors").string(), Init);
    const char* label = Init == model::RandomInit::kModernBert
                            ? "base shape, ModernBERT's random init"
                            : "base shape, unit-gain random weights";
    case_ = new AgreementCase(label, *dir_, shared / "tokenizer.json", kBaseChunks);
    return *case_;
  }
  static void TearDownTestSuite() {
    delete case_;
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    case_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (testing::modernbert_dir().empty()) {
      GTEST_SKIP() << "../shared/models/modernbert-base is absent";
    }
  }

 private:
  static inline fs::path* dir_ = nullptr;
  static inline AgreementCase* case_ = nullptr;
};

// The full-size random-weight model: ModernBERT initialized from its config.json the way
// transformers does it (model/random_init.h).
using PrecisionBaseShape = BaseShapeSuite<model::RandomInit::kModernBert>;
// The harsher unit-gain weights, in which rounding errors grow layer by layer.
using PrecisionBaseShapeUnitGain = BaseShapeSuite<model::RandomInit::kUnitGain>;

// Needs the tokenizer only, not the suite's model.
TEST(PrecisionBaseShapeText, FillsSeveralFullChunks) {
  const fs::path shared = testing::modernbert_dir();
  if (shared.empty()) GTEST_SKIP() << "../shared/models/modernbert-base is absent";
  const auto chunks =
      real_chunks(Tokenizer::from_file((shared / "tokenizer.json").string()), kBaseChunks);
  ASSERT_EQ(chunks.size(), kBaseChunks);
  EXPECT_EQ(chunks.back().size(), kChunkTokens);
}

// The goals, with VNNI (8-bit activations) or without (7-bit).
TEST_F(PrecisionBaseShape, Int8KeepsKeepDecisions) {
  EXPECT_GE(the_case().run(kompress::Precision::kInt8, "int8").fraction, 0.995);
}

TEST_F(PrecisionBaseShape, Bf16KeepsKeepDecisions) {
  if (!bf16_is_fast()) GTEST_SKIP() << "bf16 needs AVX-512 here (oneDNN's reference is slow)";
  EXPECT_GE(the_case().run(kompress::Precision::kBf16, "bf16").fraction, 0.998);
}

// Floors below the goals, which these weights do not reach: their residual blocks pass
// on errors at full gain through 22 layers, their scores spread evenly over [0, 1] (every 0.01 of
// mean score error flips about 1.5% of the decisions), and their int8 weights alone (with fp32
// activations) give 99.3%. Measured (docs/performance.md): int8 98.7-98.8% (mean |diff|
// 0.0083-0.0089), bf16 99.5-99.7% (0.0022); without VNNI int8 keeps 7-bit activations: 98.3%
// (0.014).
TEST_F(PrecisionBaseShapeUnitGain, Int8KeepsKeepDecisions) {
  const double floor = kernels::cpu::cpu_features().vnni ? 0.982 : 0.975;
  EXPECT_GE(the_case().run(kompress::Precision::kInt8, "int8").fraction, floor);
}

TEST_F(PrecisionBaseShapeUnitGain, Bf16KeepsKeepDecisions) {
  if (!bf16_is_fast()) GTEST_SKIP() << "bf16 needs AVX-512 here (oneDNN's reference is slow)";
  EXPECT_GE(the_case().run(kompress::Precision::kBf16, "bf16").fraction, 0.995);
}

// The embedded default model, read in place from the source tree.
class PrecisionKompressMini : public ::testing::Test {
 protected:
  static fs::path dir() { return fs::path(KOMPRESS_SOURCE_DIR) / "models" / "kompress-mini"; }
  static void SetUpTestSuite() {
    if (!fs::exists(dir() / "model.safetensors")) return;
    case_ = new AgreementCase("kompress-mini", dir(), dir() / "tokenizer.json", kMiniChunks);
  }
  static void TearDownTestSuite() {
    delete case_;
    case_ = nullptr;
  }
  void SetUp() override {
    if (!case_) GTEST_SKIP() << dir() << " is absent (the default model is not in this checkout)";
  }

  static AgreementCase* case_;
};
AgreementCase* PrecisionKompressMini::case_ = nullptr;

TEST_F(PrecisionKompressMini, TheTextFillsManyFullChunks) {
  ASSERT_EQ(case_->chunks().size(), kMiniChunks);
  EXPECT_EQ(case_->chunks().back().size(), kChunkTokens);
}

// The goals.
TEST_F(PrecisionKompressMini, Int8KeepsKeepDecisions) {
  EXPECT_GE(case_->run(kompress::Precision::kInt8, "int8").fraction, 0.995);
}

TEST_F(PrecisionKompressMini, Bf16KeepsKeepDecisions) {
  if (!bf16_is_fast()) GTEST_SKIP() << "bf16 needs AVX-512 here (oneDNN's reference is slow)";
  EXPECT_GE(case_->run(kompress::Precision::kBf16, "bf16").fraction, 0.998);
}

}  // namespace
}  // namespace kompress
