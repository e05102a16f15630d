// A fixture for the command's hub models: a fake hub with a Kompress repository that ships
// weights only (acme/kompress-tiny), one with every file (acme/kompress-full), and
// answerdotai/ModernBERT-base with the config and tokenizer; the process environment points
// huggingface_hub's variables at the fake hub and a private cache.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/tiny_model.h"
#include "hub_test_env.h"

namespace kompress::testing {

class HubModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = make_temp_dir("hub_model_" + name);
    write_tiny_model(folder());
    const auto file = [&](const char* file_name, bool lfs) {
      return FakeFile{read_file(folder() / file_name), lfs};
    };
    FakeRepo weights_only{
        FakeHub::commit_id("tiny"), {{"model.safetensors", file("model.safetensors", true)}}, ""};
    weights_only.files["README.md"] = {"# tiny\n", false};
    hub_.add_repo("acme/kompress-tiny", weights_only);
    hub_.add_repo("acme/kompress-full", {FakeHub::commit_id("full"),
                                         {{"config.json", file("config.json", false)},
                                          {"model.safetensors", file("model.safetensors", true)},
                                          {"tokenizer.json", file("tokenizer.json", false)}},
                                         ""});
    hub_.add_repo("answerdotai/ModernBERT-base",
                  {FakeHub::commit_id("base"),
                   {{"config.json", file("config.json", false)},
                    {"tokenizer.json", file("tokenizer.json", false)},
                    {"model.safetensors", {noise(1000, 3), true}}},
                   ""});
    env_.emplace_back(std::make_unique<ScopedEnv>("HF_ENDPOINT", hub_.endpoint()));
    env_.emplace_back(std::make_unique<ScopedEnv>("HF_HUB_CACHE", cache().string()));
    env_.emplace_back(std::make_unique<ScopedEnv>("XDG_DATA_HOME", (root_ / "xdg").string()));
    for (const char* unset : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH",
                              "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "KOMPRESS_MODEL"}) {
      env_.emplace_back(std::make_unique<ScopedEnv>(unset, std::nullopt));
    }
  }
  void TearDown() override {
    env_.clear();
    std::filesystem::remove_all(root_);
  }

  std::filesystem::path folder() const { return root_ / "tiny"; }  // the model as a folder
  std::filesystem::path cache() const { return root_ / "hub"; }
  std::filesystem::path snapshot(const std::string& folder_name, const std::string& seed) const {
    return cache() / folder_name / "snapshots" / FakeHub::commit_id(seed);
  }

  FakeHub hub_;
  std::filesystem::path root_;
  std::vector<std::unique_ptr<ScopedEnv>> env_;
};

}  // namespace kompress::testing
