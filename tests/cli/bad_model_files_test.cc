// Malformed model files through the `kompress` command: one line naming the file and the
// problem, exit code 1, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli/run_command.h"
#include "kernels/cpu/cpu_isa.h"
#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;
using testing::run_kompress;

class BadModelFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("bad_model");
    const auto config = testing::test_data("golden/tiny_config.json");
    fs::copy_file(config, dir_ / "config.json", fs::copy_options::overwrite_existing);
    model::write_random_checkpoint(weights::ModelConfig::from_file(config.string()),
                                   model::CheckpointLayout::kKompressV1, 1,
                                   (dir_ / "model.safetensors").string());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `kompress inspect` and checks the failure shape; returns stderr.
  std::string inspect_fails() {
    const auto r = run_kompress({"inspect", dir_.string()});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(r.err.rfind("kompress: ", 0), 0u) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
    return r.err;
  }

  void rewrite(const fs::path& p, const std::string& content) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  }

  std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  fs::path dir_;
};

TEST_F(BadModelFiles, AValidModelIsDescribed) {
  const auto r = run_kompress({"inspect", dir_.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kompress-v1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 (Gll"), std::string::npos) << "3 layers: G l l\n" << r.out;
}

// --precision picks what inspect loads; the attention line says what this CPU runs for it.
TEST_F(BadModelFiles, InspectShowsThePrecisionAndAttentionItRuns) {
  const auto r = run_kompress({"inspect", dir_.string(), "--precision", "int8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("precision     int8"), std::string::npos) << r.out;
  const auto& cpu = kernels::cpu::cpu_features();
  const bool bf16 = cpu.isa == kernels::cpu::CpuIsa::kAvx512 && cpu.bf16;
  const char* expected = bf16 && cpu.vnni ? "attention     int8 Q.K, bf16 P.V\n"
                         : bf16           ? "attention     bf16\n"
                                          : "attention     fp32\n";
  EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
  const auto fp32 = run_kompress({"inspect", dir_.string(), "--precision", "fp32"});
  EXPECT_NE(fp32.out.find("attention     fp32\n"), std::string::npos) << fp32.out;
}

TEST_F(BadModelFiles, TruncatedSafetensors) {
  const auto p = dir_ / "model.safetensors";
  fs::resize_file(p, fs::file_size(p) - 100);
  EXPECT_NE(inspect_fails().find("model.safetensors"), std::string::npos);
}

TEST_F(BadModelFiles, HeaderSizeLargerThanTheFile) {
  const auto p = dir_ / "model.safetensors";
  std::string bytes = read(p);
  bytes[5] = '\x7f';  // header length now far past the end
  rewrite(p, bytes);
  EXPECT_NE(inspect_fails().find("model.safetensors"), std::string::npos);
}

TEST_F(BadModelFiles, CorruptHeaderJson) {
  const auto p = dir_ / "model.safetensors";
  std::string bytes = read(p);
  bytes[8] = '[';
  bytes[12] = '}';
  rewrite(p, bytes);
  EXPECT_NE(inspect_fails().find("model.safetensors"), std::string::npos);
}

TEST_F(BadModelFiles, NanInConfig) {
  std::string config = read(dir_ / "config.json");
  const auto at = config.find("1e-05");
  ASSERT_NE(at, std::string::npos);
  config.replace(at, 5, "NaN");
  rewrite(dir_ / "config.json", config);
  EXPECT_NE(inspect_fails().find("config.json"), std::string::npos);
}

TEST_F(BadModelFiles, NegativeEpsInConfig) {
  std::string config = read(dir_ / "config.json");
  const auto at = config.find("1e-05");
  config.replace(at, 5, "-1.0");
  rewrite(dir_ / "config.json", config);
  const std::string err = inspect_fails();
  EXPECT_NE(err.find("config.json"), std::string::npos) << err;
  EXPECT_NE(err.find("norm_eps"), std::string::npos) << err;
}

TEST_F(BadModelFiles, WrongDtypeForWeights) {
  std::vector<int8_t> values(64, 1);
  std::vector<weights::TensorData> tensors;
  const auto cfg = weights::ModelConfig::from_file((dir_ / "config.json").string());
  std::vector<std::vector<float>> keep;
  for (const auto& t : model::expected_tensors(cfg, model::CheckpointLayout::kKompressV1)) {
    if (t.name == "encoder.final_norm.weight") {
      tensors.push_back(
          {t.name, weights::DType::kI8, t.shape, std::as_bytes(std::span<const int8_t>(values))});
      continue;
    }
    keep.push_back(model::random_tensor(t, 1));
    tensors.push_back({t.name, weights::DType::kF32, t.shape,
                       std::as_bytes(std::span<const float>(keep.back()))});
  }
  weights::write_safetensors((dir_ / "model.safetensors").string(), tensors);
  const std::string err = inspect_fails();
  EXPECT_NE(err.find("encoder.final_norm.weight"), std::string::npos) << err;
  EXPECT_NE(err.find("I8"), std::string::npos) << err;
}

TEST_F(BadModelFiles, UnsupportedTokenizerType) {
  rewrite(dir_ / "tokenizer.json",
          R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}, "normalizer": null,)"
          R"( "pre_tokenizer": {"type": "ByteLevel"}, "added_tokens": []})");
  const auto r = run_kompress({"tokenize", "--tokenizer", (dir_ / "tokenizer.json").string()},
                              "{\"text\": \"a\"}\n");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("tokenizer.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("WordPiece"), std::string::npos) << r.err;
}

TEST_F(BadModelFiles, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_kompress({"inspect"}).exit_code, 2);
  EXPECT_EQ(run_kompress({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(run_kompress({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace kompress
