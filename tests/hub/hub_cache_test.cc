// The cache without the network: a cache laid out as Python huggingface_hub lays it out, the
// environment variables it reads, repository ids, and the hashes that etags name.
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/content_hash.h"
#include "hub_test_env.h"

namespace kompress::testing {
namespace {

namespace fs = std::filesystem;

using HubCache = HubTest;

// What huggingface_hub leaves after hf_hub_download("acme/py", "config.json") and
// ("acme/py", "onnx/model.onnx"): blobs named by etag, relative symlinks, refs/main.
fs::path python_cache(const fs::path& cache, const std::string& commit, const std::string& ref) {
  const fs::path repo = cache / "models--acme--py";
  write_file(repo / "blobs" / "1111111111111111111111111111111111111111", "{}");
  write_file(repo / "blobs" / std::string(64, 'a'), "onnx");
  fs::create_directories(repo / "snapshots" / commit / "onnx");
  fs::create_symlink("../../blobs/1111111111111111111111111111111111111111",
                     repo / "snapshots" / commit / "config.json");
  fs::create_symlink("../../../blobs/" + std::string(64, 'a'),
                     repo / "snapshots" / commit / "onnx" / "model.onnx");
  write_file(repo / "refs" / "main", ref);
  return repo / "snapshots" / commit;
}

TEST_F(HubCache, ACacheThatPythonFilledResolves) {
  const std::string commit = FakeHub::commit_id("python");
  const fs::path snapshot = python_cache(cache(), commit, commit);
  hub::Options o = options();
  o.offline = true;
  EXPECT_EQ(hub::find_in_cache("acme/py", {"config.json", "onnx/model.onnx"}, o),
            snapshot.string());
  EXPECT_EQ(hub::download("acme/py", {"config.json"}, o), snapshot.string());
  EXPECT_EQ(read_file(snapshot / "onnx" / "model.onnx"), "onnx");
  o.revision = commit;
  EXPECT_EQ(hub::find_in_cache("acme/py", {"config.json"}, o), snapshot.string());
  EXPECT_FALSE(hub::find_in_cache("acme/py", {"tokenizer.json"}, o)) << "a file it lacks";
  EXPECT_TRUE(hub_.requests().empty());
}

TEST_F(HubCache, ARefWithALineBreakStillNamesItsCommit) {
  const std::string commit = FakeHub::commit_id("python");
  const fs::path snapshot = python_cache(cache(), commit, commit + "\n");
  EXPECT_EQ(hub::find_in_cache("acme/py", {"config.json"}, options()), snapshot.string());
}

TEST_F(HubCache, ADanglingLinkOrABadRefIsNotCached) {
  const std::string commit = FakeHub::commit_id("python");
  const fs::path snapshot = python_cache(cache(), commit, commit);
  fs::remove(cache() / "models--acme--py" / "blobs" / std::string(64, 'a'));
  EXPECT_FALSE(hub::find_in_cache("acme/py", {"onnx/model.onnx"}, options()));
  write_file(cache() / "models--acme--py" / "refs" / "main", "../../../etc");
  EXPECT_FALSE(hub::find_in_cache("acme/py", {"config.json"}, options()));
}

TEST_F(HubCache, TheEnvironmentGivesEndpointCacheTokenAndOffline) {
  const fs::path home = root_ / "home";
  ScopedEnv endpoint("HF_ENDPOINT", hub_.endpoint() + "/");
  ScopedEnv hub_cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv legacy_cache("HUGGINGFACE_HUB_CACHE", std::nullopt);
  ScopedEnv hf_home("HF_HOME", (home / "hf").string());
  ScopedEnv token("HF_TOKEN", std::nullopt);
  ScopedEnv legacy_token("HUGGING_FACE_HUB_TOKEN", std::nullopt);
  ScopedEnv token_path("HF_TOKEN_PATH", std::nullopt);
  ScopedEnv offline("HF_HUB_OFFLINE", std::nullopt);
  ScopedEnv transformers_offline("TRANSFORMERS_OFFLINE", std::nullopt);
  write_file(home / "hf" / "token", "hf_from_file\n");

  hub::Options o = hub::Options::from_environment();
  EXPECT_EQ(o.endpoint, hub_.endpoint()) << "the trailing slash goes";
  EXPECT_EQ(o.cache_dir, (home / "hf" / "hub").string());
  EXPECT_EQ(o.token, "hf_from_file");
  EXPECT_FALSE(o.offline);
  {
    ScopedEnv direct("HF_HUB_CACHE", cache().string());
    ScopedEnv env_token("HF_TOKEN", "hf_from_env");
    ScopedEnv off("HF_HUB_OFFLINE", "1");
    o = hub::Options::from_environment();
    EXPECT_EQ(o.cache_dir, cache().string());
    EXPECT_EQ(o.token, "hf_from_env");
    EXPECT_TRUE(o.offline);
  }
  for (const char* value : {"true", "ON", "yes"}) {
    ScopedEnv off("HF_HUB_OFFLINE", value);
    EXPECT_TRUE(hub::Options::from_environment().offline) << value;
  }
  ScopedEnv off("HF_HUB_OFFLINE", "0");
  EXPECT_FALSE(hub::Options::from_environment().offline);
}

TEST_F(HubCache, WithoutHfHomeTheCacheIsUnderXdgOrHome) {
  ScopedEnv hub_cache("HF_HUB_CACHE", std::nullopt);
  ScopedEnv legacy_cache("HUGGINGFACE_HUB_CACHE", std::nullopt);
  ScopedEnv hf_home("HF_HOME", std::nullopt);
  ScopedEnv home("HOME", (root_ / "home").string());
  {
    ScopedEnv xdg("XDG_CACHE_HOME", (root_ / "xdg").string());
    EXPECT_EQ(hub::default_cache_dir(), (root_ / "xdg" / "huggingface" / "hub").string());
  }
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  EXPECT_EQ(hub::default_cache_dir(), (root_ / "home" / ".cache" / "huggingface" / "hub").string());
  ScopedEnv tilde("HF_HUB_CACHE", "~/models");
  EXPECT_EQ(hub::default_cache_dir(), (root_ / "home" / "models").string());
}

TEST_F(HubCache, DownloadsHonourTheEnvironment) {
  repo_.token = "hf_secret";
  hub_.add_repo("acme/tiny", repo_);
  ScopedEnv endpoint("HF_ENDPOINT", hub_.endpoint());
  ScopedEnv hub_cache("HF_HUB_CACHE", cache().string());
  ScopedEnv token("HF_TOKEN", "hf_secret");
  ScopedEnv offline("HF_HUB_OFFLINE", std::nullopt);
  ScopedEnv transformers_offline("TRANSFORMERS_OFFLINE", std::nullopt);
  const std::string snapshot =
      hub::download("acme/tiny", {"config.json"}, hub::Options::from_environment());
  EXPECT_EQ(fs::path(snapshot), repo_folder() / "snapshots" / repo_.commit);
  EXPECT_EQ(hub_.requests().at(0).authorization, "Bearer hf_secret");
  ScopedEnv now_offline("HF_HUB_OFFLINE", "1");
  hub_.clear_requests();
  EXPECT_EQ(hub::download("acme/tiny", {"config.json"}, hub::Options::from_environment()),
            snapshot);
  EXPECT_TRUE(hub_.requests().empty());
}

TEST(HubNames, RepositoryIds) {
  for (const char* good : {"acme/tiny", "answerdotai/ModernBERT-base", "a/b", "org_1/model.v2"}) {
    EXPECT_TRUE(hub::is_repo_id(good)) << good;
  }
  for (const char* bad : {"tiny", "a/b/c", "/abs", "a/", "-a/b", "a/b-", "a--b/c", "a/b..c", "./x",
                          "a/.b", "a b/c", ""}) {
    EXPECT_FALSE(hub::is_repo_id(bad)) << bad;
  }
  EXPECT_FALSE(hub::is_repo_id("acme/" + std::string(100, 'x')));
}

TEST(HubHashes, EtagsNameSha256OrGitBlobSha1) {
  using hub::detail::EtagKind;
  const fs::path dir = make_temp_dir("hub_hashes");
  write_file(dir / "hello", "hello\n");
  write_file(dir / "abc", "abc");
  write_file(dir / "empty", "");
  // Known values: `printf 'hello\n' | git hash-object --stdin`, the empty blob, FIPS 180 "abc".
  EXPECT_EQ(hub::detail::file_digest(dir / "hello", EtagKind::kGitBlobSha1),
            "ce013625030ba8dba906f756967f9e9ca394464a");
  EXPECT_EQ(hub::detail::file_digest(dir / "empty", EtagKind::kGitBlobSha1),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  EXPECT_EQ(hub::detail::file_digest(dir / "abc", EtagKind::kSha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hub::detail::etag_kind(std::string(64, 'a')), EtagKind::kSha256);
  EXPECT_EQ(hub::detail::etag_kind(std::string(40, 'F')), EtagKind::kGitBlobSha1);
  EXPECT_EQ(hub::detail::etag_kind("xet-1234"), EtagKind::kUnknown);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kompress::testing
