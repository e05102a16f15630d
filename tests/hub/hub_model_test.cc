// --model ORG/NAME: a hub model is found in the cache without the network, fetched when
// missing, borrows ModernBERT-base's config and tokenizer when its repository has none, and
// fails with a message that says what to do.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/hub_model.h"
#include "cli/model_location.h"
#include "hub_model_env.h"
#include "kompress/model.h"
#include "kompress/tokenizer.h"

namespace kompress::testing {
namespace {

namespace fs = std::filesystem;
using cli::fetch_model;
using cli::locate_cached_model;
using cli::locate_model;
using cli::ModelLocation;

using HubModel = HubModelTest;

TEST(HubModelNames, ParseOrgNameAndRevision) {
  const auto plain = cli::parse_hub_model("acme/kompress-tiny");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->repo, "acme/kompress-tiny");
  EXPECT_EQ(plain->revision, "main");
  EXPECT_EQ(cli::to_string(*plain), "acme/kompress-tiny");
  const auto pinned = cli::parse_hub_model("acme/kompress-tiny@v2");
  ASSERT_TRUE(pinned);
  EXPECT_EQ(pinned->revision, "v2");
  EXPECT_EQ(cli::to_string(*pinned), "acme/kompress-tiny@v2");
  for (const char* no :
       {"kompress-tiny", "acme/kompress-tiny@", "/models/tiny", "./a/b", "a/b/c"}) {
    EXPECT_FALSE(cli::parse_hub_model(no)) << no;
  }
}

TEST_F(HubModel, IsFetchedOnceThenFoundInTheCacheWithoutTheNetwork) {
  EXPECT_FALSE(locate_cached_model("acme/kompress-tiny"));
  EXPECT_TRUE(hub_.requests().empty()) << "the cache lookup never asks the hub";

  const ModelLocation fetched = fetch_model("acme/kompress-tiny");
  const fs::path own = snapshot("models--acme--kompress-tiny", "tiny");
  const fs::path base = snapshot("models--answerdotai--ModernBERT-base", "base");
  EXPECT_EQ(fs::path(fetched.dir), own);
  EXPECT_EQ(fs::path(fetched.weights), own / "model.safetensors");
  EXPECT_EQ(fs::path(fetched.config), base / "config.json");
  EXPECT_EQ(fs::path(fetched.tokenizer), base / "tokenizer.json");
  EXPECT_EQ(fetched.repo, "acme/kompress-tiny");
  EXPECT_EQ(fetched.origin, "--model");
  EXPECT_EQ(cli::model_name(fetched), "acme/kompress-tiny");
  EXPECT_FALSE(fs::exists(own / "README.md")) << "only the model's files";
  EXPECT_FALSE(fs::exists(base / "model.safetensors"))
      << "ModernBERT-base's weights are not needed";

  hub_.clear_requests();
  const auto cached = locate_cached_model("acme/kompress-tiny");
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->weights, fetched.weights);
  EXPECT_EQ(cached->tokenizer, fetched.tokenizer);
  EXPECT_EQ(locate_model("acme/kompress-tiny").config, fetched.config);
  EXPECT_TRUE(hub_.requests().empty());

  // What the command loads from it.
  EXPECT_TRUE(Model::load(cached->config, cached->weights).has_heads());
  EXPECT_GT(Tokenizer::from_file(cached->tokenizer).encode("hello world").ids.size(), 2u);
}

TEST_F(HubModel, ARepositoryWithItsOwnConfigAndTokenizerUsesThem) {
  const ModelLocation where = locate_model("acme/kompress-full");
  const fs::path own = snapshot("models--acme--kompress-full", "full");
  EXPECT_EQ(fs::path(where.config), own / "config.json");
  EXPECT_EQ(fs::path(where.tokenizer), own / "tokenizer.json");
  EXPECT_FALSE(fs::exists(cache() / "models--answerdotai--ModernBERT-base"));
}

TEST_F(HubModel, TheEnvironmentVariableNamesARepositoryToo) {
  ScopedEnv model("KOMPRESS_MODEL", "acme/kompress-full");
  const ModelLocation where = locate_model("");
  EXPECT_EQ(where.origin, "KOMPRESS_MODEL");
  EXPECT_EQ(where.repo, "acme/kompress-full");
}

TEST_F(HubModel, AFolderOfThatNameWins) {
  const fs::path work = root_ / "work";
  write_tiny_model(work / "acme" / "kompress-tiny");
  const fs::path before = fs::current_path();
  fs::current_path(work);
  const ModelLocation where = locate_model("acme/kompress-tiny");
  fs::current_path(before);
  EXPECT_EQ(where.dir, "acme/kompress-tiny");
  EXPECT_EQ(where.repo, "");
  EXPECT_EQ(where.tokenizer, "acme/kompress-tiny/tokenizer.json");
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(HubModel, OfflineAndMissingSaysToPull) {
  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  const std::string err = error_of([] { locate_model("acme/kompress-tiny"); });
  EXPECT_EQ(err,
            "acme/kompress-tiny (from --model): no such folder; as a Hugging Face "
            "repository: acme/kompress-tiny: offline and not in the cache (" +
                cache().string() + "): run kompress pull acme/kompress-tiny");
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(HubModel, HubErrorsNameTheValueAndTheProblem) {
  const std::string missing = error_of([] { locate_model("acme/nothing"); });
  EXPECT_NE(missing.find("acme/nothing (from --model): no such folder; as a Hugging Face "
                         "repository: acme/nothing: repository not found or needs HF_TOKEN"),
            std::string::npos)
      << missing;
  hub_.add_repo("acme/onnx-only",
                {FakeHub::commit_id("onnx"), {{"onnx/model.onnx", {"x", true}}}, ""});
  const std::string onnx = error_of([] { locate_model("acme/onnx-only"); });
  EXPECT_NE(onnx.find("acme/onnx-only: the repository has no model.safetensors (kompress loads "
                      "safetensors checkpoints; it has onnx/model.onnx)"),
            std::string::npos)
      << onnx;
}

}  // namespace
}  // namespace kompress::testing
