// `kompress pull` against the fake hub, then `kompress compress --model ORG/NAME` from the cache
// with HF_HUB_OFFLINE=1: the same output as the model folder gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>

#include "cli/run_command.h"
#include "hub_model_env.h"

namespace kompress::testing {
namespace {

namespace fs = std::filesystem;

using PullCommand = HubModelTest;

const std::string kText =
    "Traceback (most recent call last):\n"
    "  File \"/usr/lib/python3/model.py\", line 12, in forward\n"
    "    raise IndexError(\"index out of range\")\n"
    "the process raised an error and was not able to continue with the rest of the job\n";

TEST_F(PullCommand, PullsThenCompressesOfflineFromTheCache) {
  const CommandResult pull = run_kompress({"pull", "acme/kompress-tiny"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  const fs::path own = snapshot("models--acme--kompress-tiny", "tiny");
  EXPECT_EQ(pull.out, own.string() + "\n");
  EXPECT_NE(pull.err.find("config.json from answerdotai/ModernBERT-base (the repository has none)"),
            std::string::npos)
      << pull.err;
  EXPECT_NE(pull.err.find("tokenizer.json from answerdotai/ModernBERT-base"), std::string::npos);
  EXPECT_EQ(fs::read_symlink(own / "model.safetensors").parent_path(), fs::path("../../blobs"));

  ScopedEnv offline("HF_HUB_OFFLINE", "1");
  hub_.clear_requests();
  const CommandResult from_hub =
      run_kompress({"compress", "--model", "acme/kompress-tiny", "--no-ccr"}, kText);
  const CommandResult from_folder =
      run_kompress({"compress", "--model", folder().string(), "--no-ccr"}, kText);
  ASSERT_EQ(from_hub.exit_code, 0) << from_hub.err;
  ASSERT_EQ(from_folder.exit_code, 0) << from_folder.err;
  EXPECT_EQ(from_hub.out, from_folder.out);
  EXPECT_FALSE(from_hub.out.empty());

  const CommandResult json =
      run_kompress({"compress", "--model", "acme/kompress-tiny", "--no-ccr", "--json"}, kText);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["model_used"], "acme/kompress-tiny");
  EXPECT_TRUE(hub_.requests().empty()) << "offline: not one request";

  const CommandResult again = run_kompress({"pull", "acme/kompress-tiny", "--offline"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, pull.out);
}

TEST_F(PullCommand, CompressDownloadsAMissingModelOnFirstUse) {
  const CommandResult first =
      run_kompress({"compress", "--model", "acme/kompress-full", "--no-ccr"}, kText);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const fs::path own = snapshot("models--acme--kompress-full", "full");
  EXPECT_TRUE(fs::is_regular_file(own / "model.safetensors"));
  const CommandResult from_folder =
      run_kompress({"compress", "--model", folder().string(), "--no-ccr"}, kText);
  EXPECT_EQ(first.out, from_folder.out);
}

TEST_F(PullCommand, AReadOnlyCacheThatHasTheModelStillServesIt) {
  ASSERT_EQ(run_kompress({"pull", "acme/kompress-tiny"}).exit_code, 0);
  // Root writes to read-only folders: run the commands as nobody then.
  constexpr uid_t kNobody = 65534;
  const std::optional<uid_t> as = ::geteuid() == 0 ? std::optional<uid_t>(kNobody) : std::nullopt;
  const auto set_folders = [&](fs::perms perms) {
    fs::permissions(cache(), perms);
    for (const auto& entry : fs::recursive_directory_iterator(cache())) {
      if (entry.is_directory() && !entry.is_symlink()) fs::permissions(entry.path(), perms);
    }
  };
  fs::permissions(root_, fs::perms::others_exec, fs::perm_options::add);
  set_folders(fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read |
              fs::perms::others_exec);
  const CommandResult pull = run_kompress({"pull", "acme/kompress-tiny"}, "", as);
  const CommandResult compress =
      run_kompress({"compress", "--model", "acme/kompress-tiny", "--no-ccr"}, kText, as);
  set_folders(fs::perms::owner_all);
  EXPECT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_EQ(pull.out, snapshot("models--acme--kompress-tiny", "tiny").string() + "\n");
  EXPECT_EQ(compress.exit_code, 0) << compress.err;
}

TEST_F(PullCommand, FilesPullsOnlyThose) {
  const CommandResult pull =
      run_kompress({"pull", "acme/kompress-full", "--files", "config.json", "tokenizer.json"});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  const fs::path own = snapshot("models--acme--kompress-full", "full");
  EXPECT_EQ(pull.out, own.string() + "\n");
  EXPECT_TRUE(fs::is_regular_file(own / "tokenizer.json"));
  EXPECT_FALSE(fs::exists(own / "model.safetensors"));
  EXPECT_EQ(read_file(cache() / "models--acme--kompress-full" / "refs" / "main"),
            FakeHub::commit_id("full"));
}

TEST_F(PullCommand, ErrorsExitWithOneLine) {
  const CommandResult missing = run_kompress({"pull", "acme/nothing"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err.rfind("kompress: acme/nothing: repository not found or needs HF_TOKEN", 0),
            0u)
      << missing.err;
  const CommandResult offline = run_kompress({"pull", "acme/kompress-tiny", "--offline"});
  EXPECT_EQ(offline.exit_code, 1);
  EXPECT_NE(offline.err.find("offline and not in the cache"), std::string::npos) << offline.err;
  EXPECT_EQ(run_kompress({"pull", "not-a-repo"}).exit_code, 2);
  EXPECT_EQ(run_kompress({"pull"}).exit_code, 2);
}

}  // namespace
}  // namespace kompress::testing
