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
  EXPECT_EQ(locate_model(a).config, a + "/config.json");
  EXPECT_EQ(locate_model(a).weights, a + "/model.safetensors");
  EXPECT_EQ(locate_model(a).tokenizer, a + "/tokenizer.json");
  EXPECT_EQ(locate_model(a).repo, "");
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
  const std::string a = folder("model-a");
  fs::remove(fs::path(a) / "tokenizer.json");  // an incomplete folder is no default
  const std::vector<std::string> defaults = {a, (dir_ / "nowhere").string()};
  try {
    locate_model("", defaults);
    FAIL() << "no model";
  } catch (const Error& e) {
    const std::string err = e.what();
    EXPECT_NE(err.find("--model DIR"), std::string::npos) << err;
    EXPECT_NE(err.find("--model ORG/NAME"), std::string::npos) << err;
    EXPECT_NE(err.find("KOMPRESS_MODEL"), std::string::npos) << err;
    EXPECT_NE(err.find("kompress-mini is not installed (looked in " + a + ", "), std::string::npos)
        << err;
  }
  const std::string b = folder("model-b");
  EXPECT_EQ(locate_model("", {a, b}).dir, b);
  EXPECT_EQ(locate_model("", {a, b}).origin, "default model");
}

TEST_F(ModelLocationTest, TheDefaultIsTheEmbeddedKompressMini) {
  const auto dirs = default_model_dirs();
  ASSERT_EQ(dirs.size(), 3u);
  // This test binary lives in BUILD/bin like the command: the first place is BUILD/share/...
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  EXPECT_EQ(fs::path(dirs[0]),
            (exe.parent_path().parent_path() / "share/kompress/models/kompress-mini"));
  EXPECT_EQ(fs::path(dirs[1]).filename(), "kompress-mini");
  EXPECT_EQ(fs::path(dirs[2]), fs::path(KOMPRESS_SOURCE_DIR) / "models" / "kompress-mini");
}

TEST_F(ModelLocationTest, TheModelIsNamedAfterItsFolder) {
  const std::string a = folder("model-a");
  const auto at = [](const std::string& dir, const std::string& repo = "") {
    ModelLocation m;
    m.dir = dir;
    m.origin = "--model";
    m.repo = repo;
    return m;
  };
  EXPECT_EQ(model_name(at(a)), "model-a");
  EXPECT_EQ(model_name(at(a + "/")), "model-a");
  EXPECT_EQ(model_name(at(a + "/.")), "model-a");
  EXPECT_EQ(model_name(at(a, "acme/kompress-base")), "acme/kompress-base")
      << "a hub model is named after its repository";
}

}  // namespace
}  // namespace kompress::cli
