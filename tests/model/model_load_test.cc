// Loading checkpoints: layouts, dtypes, and the errors for files that do not match.
#include <gtest/gtest.h>
#include <omp.h>

#include <filesystem>
#include <functional>

#include "kompress/error.h"
#include "kompress/model.h"
#include "model/golden_case.h"
#include "model/pass_threads.h"
#include "model/random_init.h"
#include "test_paths.h"
#include "weights/dtype.h"
#include "weights/model_config.h"
#include "weights/safetensors.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;
using model::CheckpointLayout;
using model::ExpectedTensor;

struct OwnedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

class ModelLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("load");
    config_path_ = testing::test_data("golden/tiny_config.json");
    config_ = weights::ModelConfig::from_file(config_path_.string());
    fs::copy_file(config_path_, dir_ / "config.json", fs::copy_options::overwrite_existing);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<OwnedTensor> tensors(CheckpointLayout layout) const {
    std::vector<OwnedTensor> out;
    for (const ExpectedTensor& t : model::expected_tensors(config_, layout)) {
      out.push_back({t.name, t.shape, model::random_tensor(t, 7)});
    }
    return out;
  }

  // Writes model.safetensors from `tensors`, converting to `dtype` (F32, F16 or BF16).
  void write(const std::vector<OwnedTensor>& tensors, weights::DType dtype = weights::DType::kF32) {
    std::vector<std::vector<uint16_t>> halves;
    halves.reserve(tensors.size());
    std::vector<weights::TensorData> data;
    for (const auto& t : tensors) {
      if (dtype == weights::DType::kF32) {
        data.push_back({t.name, dtype, t.shape, std::as_bytes(std::span<const float>(t.values))});
        continue;
      }
      auto& h = halves.emplace_back();
      for (const float v : t.values) {
        h.push_back(dtype == weights::DType::kF16 ? weights::f32_to_f16(v)
                                                  : weights::f32_to_bf16(v));
      }
      data.push_back({t.name, dtype, t.shape, std::as_bytes(std::span<const uint16_t>(h))});
    }
    weights::write_safetensors((dir_ / "model.safetensors").string(), data);
  }

  std::string load_error() const {
    try {
      Model::load(dir_.string());
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  static std::vector<int32_t> ids() { return {1, 17, 400, 999, 3, 25, 88, 2}; }

  fs::path dir_;
  fs::path config_path_;
  weights::ModelConfig config_;
};

TEST_F(ModelLoad, MissingUnexpectedAndMisshapedTensorsAreListed) {
  auto t = tensors(CheckpointLayout::kKompressV1);
  t.erase(t.begin() + 3);  // encoder.layers.0.attn.Wo.weight
  t.push_back({"encoder.layers.9.attn.Wo.weight", {2}, {0.f, 0.f}});
  for (auto& x : t) {
    if (x.name == "token_head.bias") x.shape = {1, 2};
  }
  write(t);
  const std::string err = load_error();
  EXPECT_NE(err.find("model.safetensors"), std::string::npos) << err;
  EXPECT_NE(err.find("missing: encoder.layers.0.attn.Wo.weight"), std::string::npos) << err;
  EXPECT_NE(err.find("unexpected: encoder.layers.9.attn.Wo.weight"), std::string::npos) << err;
  EXPECT_NE(err.find("mis-shaped: token_head.bias [1,2] (expected [2])"), std::string::npos) << err;
}

TEST_F(ModelLoad, LongListsAreCapped) {
  write({{"something.else", {1}, {0.f}}});
  const std::string err = load_error();
  EXPECT_NE(err.find("more"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "one line: " << err;
}

TEST_F(ModelLoad, BareEncoderGivesTheSameHiddenStatesAndNoScores) {
  const auto v1 = tensors(CheckpointLayout::kKompressV1);
  write(v1);
  const Model kompress_model = Model::load(dir_.string());
  const std::vector<int32_t> seq = ids();
  const std::vector<std::span<const int32_t>> batch = {seq};
  const auto scored = kompress_model.score(batch, {.return_hidden = true});

  // The same encoder weights under the bare ModernBertModel names.
  std::vector<OwnedTensor> bare;
  for (const auto& t : v1) {
    if (t.name.rfind("encoder.", 0) == 0) bare.push_back({t.name.substr(8), t.shape, t.values});
  }
  write(bare);
  const Model encoder = Model::load(dir_.string());
  EXPECT_FALSE(encoder.has_heads());
  EXPECT_TRUE(kompress_model.has_heads());
  EXPECT_EQ(encoder.hidden_states(batch)[0], scored[0].hidden);
  EXPECT_THROW(encoder.score(batch), Error);
}

// A small pass runs on fewer threads than the caller has; the caller keeps its own.
TEST_F(ModelLoad, APassLeavesTheCallersThreadCountAsItWas) {
  write(tensors(CheckpointLayout::kKompressV1));
  const Model model = Model::load(dir_.string());
  const std::vector<int32_t> seq = ids();
  const std::vector<std::span<const int32_t>> batch = {seq};
  const int before = omp_get_max_threads();
  omp_set_num_threads(3);
  (void)model.score(batch);
  EXPECT_EQ(omp_get_max_threads(), 3);
  omp_set_num_threads(before);
}

TEST(PassThreads, SmallPassesGetOneThreadLargeOnesTheCallersAndFp32NeedsLessWork) {
  using kernels::LinearPrecision;
  weights::ModelConfig base;
  base.hidden_size = 768;
  base.intermediate_size = 1152;
  base.num_layers = 22;
  const double macs = model::linear_macs_per_token(base);
  EXPECT_DOUBLE_EQ(macs, 22.0 * (3 * 768 * 768 + 768 * 768 + 3 * 1152 * 768));
  EXPECT_EQ(model::pass_threads(1, macs, LinearPrecision::kInt8, 2), 1);
  EXPECT_EQ(model::pass_threads(512, macs, LinearPrecision::kInt8, 2), 2);
  EXPECT_EQ(model::pass_threads(512, macs, LinearPrecision::kFp32, 16), 16);
  EXPECT_EQ(model::pass_threads(512, macs, LinearPrecision::kFp32, 0), 1);
  // kompress-mini's shape: a 60-token pass is too small for two threads, 600 tokens is not.
  weights::ModelConfig mini;
  mini.hidden_size = 256;
  mini.intermediate_size = 384;
  mini.num_layers = 4;
  const double mini_macs = model::linear_macs_per_token(mini);
  for (const auto p : {LinearPrecision::kFp32, LinearPrecision::kBf16, LinearPrecision::kInt8}) {
    EXPECT_EQ(model::pass_threads(60, mini_macs, p, 2), 1);
    EXPECT_EQ(model::pass_threads(600, mini_macs, p, 2), 2);
  }
  // Between them, fp32 gets its second thread first.
  EXPECT_EQ(model::pass_threads(200, mini_macs, LinearPrecision::kFp32, 2), 2);
  EXPECT_EQ(model::pass_threads(200, mini_macs, LinearPrecision::kInt8, 2), 1);
}

TEST_F(ModelLoad, HalfPrecisionCheckpointsLoadAndScoreClose) {
  const auto t = tensors(CheckpointLayout::kKompressV1);
  write(t);
  const std::vector<int32_t> seq = ids();
  const std::vector<std::span<const int32_t>> batch = {seq};
  const auto reference = Model::load(dir_.string()).score(batch)[0].final_scores;
  for (const auto dtype : {weights::DType::kF16, weights::DType::kBF16}) {
    SCOPED_TRACE(std::string(weights::dtype_name(dtype)));
    write(t, dtype);
    const auto scores = Model::load(dir_.string()).score(batch)[0].final_scores;
    ASSERT_EQ(scores.size(), reference.size());
    for (size_t i = 0; i < scores.size(); ++i) EXPECT_NEAR(scores[i], reference[i], 0.03);
  }
}

TEST_F(ModelLoad, BadSequencesAreErrors) {
  write(tensors(CheckpointLayout::kKompressV1));
  const Model m = Model::load(dir_.string());
  const std::vector<int32_t> good = ids();
  auto error_of = [&](const std::vector<int32_t>& seq) -> std::string {
    const std::vector<std::span<const int32_t>> batch = {good, seq};
    try {
      m.score(batch);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of({}).find("sequence 1: empty"), std::string::npos);
  EXPECT_NE(error_of({1, 1000, 2}).find("id 1000 outside the vocabulary"), std::string::npos);
  EXPECT_NE(error_of({1, -5, 2}).find("id -5"), std::string::npos);
  EXPECT_NE(error_of(std::vector<int32_t>(513, 5)).find("513 tokens"), std::string::npos);
  EXPECT_TRUE(m.score({}).empty());
}

TEST_F(ModelLoad, MissingFilesNameThePath) {
  const std::string err = load_error();  // config.json present, no model.safetensors
  EXPECT_NE(err.find("model.safetensors"), std::string::npos) << err;
  try {
    Model::load((dir_ / "nowhere").string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos);
  }
}

}  // namespace
}  // namespace kompress
