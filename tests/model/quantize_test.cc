// `kompress quantize`'s checkpoints: packed weights that load in place and score exactly like
// quantising the fp32 checkpoint at load.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <span>
#include <vector>

#include "kernels/cpu/cpu_isa.h"
#include "kompress/error.h"
#include "kompress/model.h"
#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"
#include "weights/safetensors.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;

class Quantize : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::make_temp_dir("quantize");
    fp32_ = root_ / "fp32";
    fs::create_directories(fp32_);
    const fs::path config = testing::test_data("golden/tiny_config.json");
    fs::copy_file(config, fp32_ / "config.json");
    model::write_random_checkpoint(weights::ModelConfig::from_file(config.string()),
                                   model::CheckpointLayout::kKompressV1, 11,
                                   (fp32_ / "model.safetensors").string());
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<SequenceScores> score(const Model& m) const {
    const std::vector<std::vector<int32_t>> seqs = {{1, 5, 9, 200, 31, 2}, {1, 7, 7, 7, 2}};
    const std::vector<std::span<const int32_t>> batch(seqs.begin(), seqs.end());
    return m.score(batch);
  }

  fs::path root_, fp32_;
};

TEST_F(Quantize, PackedCheckpointsScoreLikeQuantizingAtLoad) {
  std::vector<std::pair<Precision, std::string>> cases = {{Precision::kInt8, "int8"}};
  if (kernels::cpu::cpu_features().isa == kernels::cpu::CpuIsa::kAvx512) {
    cases.emplace_back(Precision::kBf16, "bf16");
  }
  for (const auto& [precision, name] : cases) {
    SCOPED_TRACE(name);
    const fs::path out = root_ / name;
    Model::quantize(fp32_.string(), out.string(), precision);
    const Model packed = Model::load(out.string());  // its own precision by default
    EXPECT_EQ(packed.info().precision, name);
    const Model at_load = Model::load(fp32_.string(), {.precision = precision});
    const auto a = score(packed), b = score(at_load);
    for (size_t s = 0; s < a.size(); ++s) EXPECT_EQ(a[s].final_scores, b[s].final_scores);
    // int8 rotates the MLP output projection's input (docs/quantized-checkpoints.md).
    const auto file = weights::SafetensorsFile::open((out / "model.safetensors").string());
    const auto rotation = file.metadata().find("encoder.layers.0.mlp.Wo.weight.hadamard");
    EXPECT_EQ(rotation != file.metadata().end(), precision == Precision::kInt8);
    EXPECT_EQ(file.metadata().count("encoder.layers.0.mlp.Wi.weight.hadamard"), 0U);
    // The packed file is smaller than the fp32 one: the linear weights are 1 or 2 bytes.
    EXPECT_LT(fs::file_size(out / "model.safetensors"), fs::file_size(fp32_ / "model.safetensors"));
  }
}

TEST_F(Quantize, APackedCheckpointKeepsItsPrecision) {
  const fs::path out = root_ / "int8";
  Model::quantize(fp32_.string(), out.string(), Precision::kInt8);
  EXPECT_THROW(Model::load(out.string(), {.precision = Precision::kFp32}), Error);
  EXPECT_THROW(Model::quantize(out.string(), (root_ / "again").string(), Precision::kInt8), Error);
  EXPECT_THROW(Model::quantize(fp32_.string(), (root_ / "fp32out").string(), Precision::kFp32),
               Error);
}

TEST_F(Quantize, ABadLayoutNamesTheFileAndTensor) {
  const fs::path out = root_ / "int8";
  Model::quantize(fp32_.string(), out.string(), Precision::kInt8);
  const auto file = weights::SafetensorsFile::open((out / "model.safetensors").string());
  std::vector<weights::TensorData> tensors;
  for (const auto& t : file.tensors())
    tensors.push_back({t.name, t.dtype, t.shape, {t.data, t.nbytes}});
  auto metadata = file.metadata();
  const std::string victim = "encoder.layers.1.mlp.Wi.weight";
  metadata[victim + ".layout"] = "s8 1x1 pad 1x1 strides 1,1 blocks -";
  const fs::path bad = root_ / "bad";
  fs::create_directories(bad);
  fs::copy_file(out / "config.json", bad / "config.json");
  weights::write_safetensors((bad / "model.safetensors").string(), tensors, metadata);
  try {
    Model::load(bad.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(victim), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kompress
