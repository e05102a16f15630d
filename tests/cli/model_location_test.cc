// Where the compression subcommands find their model: --model, then KOMPRESS_MODEL, then the
// embedded default.
#include "cli/model_location.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "kompress/error.h"
#include "test_paths.h"

namespace kompress::cli {
namespace {

namespace fs = std::filesystem;

class ModelLocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("model_location");
    ::unsetenv("KOMPRESS_MODEL");
  }
  void TearDown() override {
    ::unsetenv("KOMPRESS_MODEL");
    fs::remove_all(dir_);
  }

  std::string folder(const std::string& name) {
    fs::create_directories(dir_ / name);
    for (const char* f : kModelFiles) std::ofstream(dir_ / name / f);
    return (dir_ / name).string();
  }

  std::string error_of(const std::string& flag) {
    try {
      locate_model(flag);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(ModelLocationTest, FlagWinsOverTheEnvironment) {
  const std::string a = folder("model-a"), b = folder("model-b");
  ::setenv("KOMPRESS_MODEL", b.c_str(), 1);
  EXPECT_EQ(locate_model(a).dir, a);
  EXPECT_EQ(locate_model(a).origin, "--model");
  EXPECT_EQ(locate_model("").dir, b);
  EXPECT_EQ(locate_model("").origin, "KOMPRESS_MODEL");
}

TEST_F(ModelLocationTest, MissingFilesAreNamed) {
  const std::string a = folder("model-a");
  fs::remove(fs::path(a) / "model.safetensors");
  EXPECT_EQ(error_of(a), a + " (from --model): not a model folder: model.safetensors is missing");
  ::setenv("KOMPRESS_MODEL", (dir_ / "nowhere").c_str(), 1);
  EXPECT_EQ(error_of(""), (dir_ / "nowhere").string() +
                              " (from KOMPRESS_MODEL): not a model folder (no such directory)");
}

TEST_F(ModelLocationTest, WithoutAModelTheErrorSaysHowToGetOne) {
  for (const std::string& d : default_model_dirs()) {
    if (fs::exists(fs::path(d) / "model.safetensors")) {
      GTEST_SKIP() << "the default model is present at " << d;
    }
  }
  const std::string err = error_of("");
  EXPECT_NE(err.find("--model DIR"), std::string::npos) << err;
  EXPECT_NE(err.find("KOMPRESS_MODEL"), std::string::npos) << err;
  EXPECT_NE(err.find("kompress-mini"), std::string::npos) << err;
}

TEST_F(ModelLocationTest, TheDefaultIsTheEmbeddedKompressMini) {
  const auto dirs = default_model_dirs();
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(fs::path(dirs[1]), fs::path(KOMPRESS_SOURCE_DIR) / "models" / "kompress-mini");
  EXPECT_EQ(fs::path(dirs[0]).filename(), "kompress-mini");
}

TEST_F(ModelLocationTest, TheModelIsNamedAfterItsFolder) {
  const std::string a = folder("model-a");
  EXPECT_EQ(model_name({a, "--model"}), "model-a");
  EXPECT_EQ(model_name({a + "/", "--model"}), "model-a");
  EXPECT_EQ(model_name({a + "/.", "--model"}), "model-a");
}

}  // namespace
}  // namespace kompress::cli
