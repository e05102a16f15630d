// Downloads from the fake hub: the cache layout huggingface_hub makes, redirects and the token,
// resumed and interrupted transfers, hash and size checks, and the hub's errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "hub_test_env.h"

namespace kompress::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kAll = {"config.json", "model.safetensors", "onnx/model.onnx"};

std::vector<SeenRequest> from(const std::vector<SeenRequest>& seen, const std::string& server) {
  std::vector<SeenRequest> out;
  std::copy_if(seen.begin(), seen.end(), std::back_inserter(out),
               [&](const SeenRequest& r) { return r.server == server; });
  return out;
}

std::size_t count_gets(const std::vector<SeenRequest>& seen) {
  return std::count_if(seen.begin(), seen.end(),
                       [](const SeenRequest& r) { return r.method == "GET"; });
}

using HubDownload = HubTest;

TEST_F(HubDownload, FillsBlobsSnapshotsAndRefsLikeHuggingfaceHub) {
  const std::string snapshot = hub::download("acme/tiny", kAll, options());
  const fs::path repo = repo_folder();
  EXPECT_EQ(fs::path(snapshot), repo / "snapshots" / repo_.commit);
  // refs/main holds the commit, without a line break.
  EXPECT_EQ(read_file(repo / "refs" / "main"), repo_.commit);
  // Snapshot files are relative symlinks into blobs/, named by etag.
  EXPECT_EQ(fs::read_symlink(fs::path(snapshot) / "config.json"),
            fs::path("../../blobs") / etag("config.json"));
  EXPECT_EQ(fs::read_symlink(fs::path(snapshot) / "model.safetensors"),
            fs::path("../../blobs") / etag("model.safetensors"));
  EXPECT_EQ(fs::read_symlink(fs::path(snapshot) / "onnx" / "model.onnx"),
            fs::path("../../../blobs") / etag("onnx/model.onnx"));
  for (const std::string& file : kAll) {
    EXPECT_EQ(read_file(fs::path(snapshot) / file), repo_.files[file].content) << file;
    EXPECT_TRUE(fs::is_regular_file(repo / "blobs" / etag(file))) << file;
  }
  EXPECT_EQ(etag("config.json").size(), 40u) << "git blob sha1";
  EXPECT_EQ(etag("model.safetensors").size(), 64u) << "sha256";
  // Nothing partial stays; the locks are where huggingface_hub takes them.
  for (const auto& entry : fs::directory_iterator(repo / "blobs")) {
    EXPECT_EQ(entry.path().extension(), "") << entry.path();
  }
  EXPECT_TRUE(fs::exists(cache() / ".locks" / "models--acme--tiny" /
                         (etag("model.safetensors") + ".lock")));
  EXPECT_EQ(hub::find_in_cache("acme/tiny", kAll, options()), snapshot);
}

TEST_F(HubDownload, AGainDownloadsNothingAndAsksOnlyForMetadata) {
  hub::download("acme/tiny", kAll, options());
  hub_.clear_requests();
  hub::download("acme/tiny", kAll, options());
  const auto seen = hub_.requests();
  EXPECT_EQ(seen.size(), 1u) << "one HEAD names the commit; its snapshot has every file";
  EXPECT_EQ(count_gets(seen), 0u);
}

TEST_F(HubDownload, ACommitRevisionInTheCacheNeedsNoNetwork) {
  hub::download("acme/tiny", kAll, options());
  hub_.clear_requests();
  hub::Options o = options();
  o.revision = repo_.commit;
  EXPECT_EQ(hub::download("acme/tiny", kAll, o),
            (repo_folder() / "snapshots" / repo_.commit).string());
  EXPECT_TRUE(hub_.requests().empty());
  EXPECT_FALSE(fs::exists(repo_folder() / "refs" / repo_.commit)) << "no ref for a commit";
}

TEST_F(HubDownload, ANewCommitGetsItsOwnSnapshotAndMovesTheRef) {
  hub::download("acme/tiny", {"config.json", "model.safetensors"}, options());
  FakeRepo next = repo_;
  next.commit = FakeHub::commit_id("acme/tiny 2");
  next.files["config.json"].content = "{\"hidden_size\": 128}\n";
  hub_.add_repo("acme/tiny", next);
  hub_.clear_requests();
  const std::string snapshot =
      hub::download("acme/tiny", {"config.json", "model.safetensors"}, options());
  EXPECT_EQ(read_file(repo_folder() / "refs" / "main"), next.commit);
  EXPECT_EQ(read_file(fs::path(snapshot) / "config.json"), next.files["config.json"].content);
  EXPECT_EQ(read_file(repo_folder() / "snapshots" / repo_.commit / "config.json"),
            repo_.files["config.json"].content)
      << "the old snapshot stays";
  EXPECT_EQ(from(hub_.requests(), "cdn").size(), 0u)
      << "the unchanged weights are linked, not fetched";
}

TEST_F(HubDownload, ARelativeRedirectIsFollowedWithTheToken) {
  repo_.token = "secret";
  hub_.add_repo("acme/tiny", repo_);
  hub_.rename("acme/old-name", "acme/tiny");
  hub::Options o = options();
  o.token = "secret";
  const std::string snapshot = hub::download("acme/old-name", {"config.json"}, o);
  EXPECT_EQ(fs::path(snapshot), repo_folder("models--acme--old-name") / "snapshots" / repo_.commit)
      << "cached under the name asked for, as huggingface_hub does";
  EXPECT_EQ(read_file(fs::path(snapshot) / "config.json"), repo_.files["config.json"].content);
  bool saw_new_name = false;
  for (const SeenRequest& r : hub_.requests()) {
    EXPECT_EQ(r.authorization, "Bearer secret") << r.method << " " << r.path;
    saw_new_name = saw_new_name || r.path.starts_with("/acme/tiny/");
  }
  EXPECT_TRUE(saw_new_name);
}

TEST_F(HubDownload, ARedirectToAnotherHostGetsNoToken) {
  repo_.token = "secret";
  hub_.add_repo("acme/tiny", repo_);
  hub::Options o = options();
  o.token = "secret";
  hub::download("acme/tiny", {"model.safetensors"}, o);
  const auto seen = hub_.requests();
  ASSERT_EQ(from(seen, "cdn").size(), 1u);
  EXPECT_EQ(from(seen, "cdn")[0].authorization, "") << "the token must not leave the hub's host";
  for (const SeenRequest& r : from(seen, "hub")) EXPECT_EQ(r.authorization, "Bearer secret");
}

TEST_F(HubDownload, AnIncompleteFileIsResumedWithARangeRequest) {
  const std::string& content = repo_.files["model.safetensors"].content;
  const fs::path part = repo_folder() / "blobs" / (etag("model.safetensors") + ".incomplete");
  write_file(part, content.substr(0, 120'000));
  const std::string snapshot = hub::download("acme/tiny", {"model.safetensors"}, options());
  const auto cdn = from(hub_.requests(), "cdn");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0].range, "bytes=120000-");
  EXPECT_EQ(read_file(fs::path(snapshot) / "model.safetensors"), content);
  EXPECT_FALSE(fs::exists(part));
}

TEST_F(HubDownload, ADroppedConnectionIsResumedByTheRetry) {
  hub_.drop_next_get("acme/tiny", "model.safetensors", 100'000);
  std::vector<uint64_t> reported;
  hub::Options o = options();
  o.progress = [&](const hub::Progress& p) {
    EXPECT_EQ(p.file, "model.safetensors");
    EXPECT_EQ(p.total, 300'000u);
    reported.push_back(p.done);
    return true;
  };
  const std::string snapshot = hub::download("acme/tiny", {"model.safetensors"}, o);
  const auto cdn = from(hub_.requests(), "cdn");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[0].range, "");
  EXPECT_EQ(cdn[1].range, "bytes=100000-");
  EXPECT_EQ(read_file(fs::path(snapshot) / "model.safetensors"),
            repo_.files["model.safetensors"].content);
  ASSERT_FALSE(reported.empty());
  EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
  EXPECT_EQ(reported.back(), 300'000u);
}

TEST_F(HubDownload, WithoutRetriesTheDropKeepsThePartialFileForTheNextRun) {
  hub_.drop_next_get("acme/tiny", "model.safetensors", 100'000);
  hub::Options o = options();
  o.attempts = 1;
  const std::string err = error_of([&] { hub::download("acme/tiny", {"model.safetensors"}, o); });
  EXPECT_NE(err.find("acme/tiny: model.safetensors: download stopped at 100000 of 300000 bytes"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("run again to resume"), std::string::npos) << err;
  const fs::path part = repo_folder() / "blobs" / (etag("model.safetensors") + ".incomplete");
  EXPECT_EQ(fs::file_size(part), 100'000u);
  EXPECT_FALSE(fs::exists(repo_folder() / "snapshots" / repo_.commit / "model.safetensors"));
  EXPECT_FALSE(fs::exists(repo_folder() / "refs" / "main"));

  hub_.clear_requests();
  hub::download("acme/tiny", {"model.safetensors"}, o);
  EXPECT_EQ(from(hub_.requests(), "cdn").at(0).range, "bytes=100000-");
  EXPECT_EQ(read_file(repo_folder() / "snapshots" / repo_.commit / "model.safetensors"),
            repo_.files["model.safetensors"].content);
}

TEST_F(HubDownload, AWrongHashIsAnErrorAndLeavesNoBlobAndNoLink) {
  std::string wrong = repo_.files["model.safetensors"].content;
  wrong[1234] = static_cast<char>(wrong[1234] ^ 0x20);
  hub_.serve_instead("acme/tiny", "model.safetensors", wrong);
  const std::string err =
      error_of([&] { hub::download("acme/tiny", {"model.safetensors"}, options()); });
  EXPECT_NE(err.find("acme/tiny: model.safetensors: sha256 mismatch: the hub says " +
                     etag("model.safetensors")),
            std::string::npos)
      << err;
  const fs::path blobs = repo_folder() / "blobs";
  EXPECT_FALSE(fs::exists(blobs / etag("model.safetensors")));
  EXPECT_FALSE(fs::exists(blobs / (etag("model.safetensors") + ".incomplete")));
  EXPECT_FALSE(fs::exists(repo_folder() / "snapshots" / repo_.commit / "model.safetensors"));
  EXPECT_FALSE(hub::find_in_cache("acme/tiny", {"model.safetensors"}, options()));
}

TEST_F(HubDownload, AWrongGitSha1IsAnErrorToo) {
  std::string wrong = repo_.files["config.json"].content;
  wrong[0] = '[';
  hub_.serve_instead("acme/tiny", "config.json", wrong);
  const std::string err = error_of([&] { hub::download("acme/tiny", {"config.json"}, options()); });
  EXPECT_NE(err.find("config.json: git blob sha1 mismatch"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(repo_folder() / "blobs" / etag("config.json")));
}

TEST_F(HubDownload, MoreBytesThanAnnouncedIsAnError) {
  hub_.serve_instead("acme/tiny", "onnx/model.onnx", repo_.files["onnx/model.onnx"].content + "!");
  const std::string err =
      error_of([&] { hub::download("acme/tiny", {"onnx/model.onnx"}, options()); });
  EXPECT_NE(err.find("onnx/model.onnx: the server sent more than the 5000 bytes the hub announced"),
            std::string::npos)
      << err;
  EXPECT_FALSE(fs::exists(repo_folder() / "blobs" / (etag("onnx/model.onnx") + ".incomplete")));
}

TEST_F(HubDownload, HubErrorsSayWhatIsWrong) {
  repo_.token = "secret";
  hub_.add_repo("acme/private", repo_);
  const hub::Options o = options();
  const std::string no_token = error_of([&] { hub::download("acme/private", {"config.json"}, o); });
  EXPECT_NE(no_token.find("acme/private: repository not found or needs HF_TOKEN (HTTP 401 from " +
                          hub_.endpoint() + "/acme/private/resolve/main/config.json)"),
            std::string::npos)
      << no_token;
  hub::Options wrong_token = o;
  wrong_token.token = "hf_wrong";
  EXPECT_NE(error_of([&] {
              hub::download("acme/private", {"config.json"}, wrong_token);
            }).find("acme/private: the hub rejected HF_TOKEN (HTTP 401"),
            std::string::npos);
  repo_.gated = true;
  hub_.add_repo("acme/gated", repo_);
  EXPECT_NE(error_of([&] { hub::download("acme/gated", {"config.json"}, o); })
                .find("acme/gated: gated repository: accept its conditions on the hub and set "
                      "HF_TOKEN (HTTP 401"),
            std::string::npos);
  const std::string missing = error_of([&] { hub::download("acme/nothing", {"config.json"}, o); });
  EXPECT_NE(missing.find("acme/nothing: repository not found or needs HF_TOKEN (HTTP 404"),
            std::string::npos)
      << missing;
  const std::string no_file = error_of([&] { hub::download("acme/tiny", {"vocab.txt"}, o); });
  EXPECT_NE(no_file.find("acme/tiny: vocab.txt: not found at revision main (HTTP 404"),
            std::string::npos)
      << no_file;
  hub::Options at_tag = o;
  at_tag.revision = "v9";
  const std::string no_rev = error_of([&] { hub::download("acme/tiny", {"config.json"}, at_tag); });
  EXPECT_NE(no_rev.find("acme/tiny: revision v9 not found (HTTP 404"), std::string::npos) << no_rev;
  EXPECT_FALSE(fs::exists(repo_folder("models--acme--private") / "snapshots"));
}

TEST_F(HubDownload, ANetworkErrorNamesTheURL) {
  hub::Options o = options();
  o.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  const std::string err = error_of([&] { hub::download("acme/tiny", {"config.json"}, o); });
  EXPECT_NE(err.find("acme/tiny: config.json: "), std::string::npos) << err;
  EXPECT_NE(err.find("(http://127.0.0.1:1/acme/tiny/resolve/main/config.json)"), std::string::npos)
      << err;
}

TEST_F(HubDownload, TheListingNamesTheCommitAndEveryFile) {
  const hub::Listing listing = hub::list_files("acme/tiny", options());
  EXPECT_EQ(listing.commit, repo_.commit);
  EXPECT_EQ(listing.files, kAll);
  repo_.token = "secret";
  hub_.add_repo("acme/private", repo_);
  EXPECT_NE(error_of([&] {
              hub::list_files("acme/private", options());
            }).find("acme/private: repository not found or needs HF_TOKEN (HTTP 401"),
            std::string::npos);
}

TEST_F(HubDownload, OfflineAnswersFromTheCacheOrSaysToPull) {
  hub::Options offline = options();
  offline.offline = true;
  const std::string err = error_of([&] { hub::download("acme/tiny", {"config.json"}, offline); });
  EXPECT_EQ(err, "acme/tiny: offline and not in the cache (" + cache().string() +
                     "): run kompress pull acme/tiny");
  offline.revision = "v2";
  EXPECT_NE(error_of([&] {
              hub::download("acme/tiny", {"config.json"}, offline);
            }).find("run kompress pull acme/tiny --revision v2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { hub::list_files("acme/tiny", offline); }).find("offline"),
            std::string::npos);
  offline.revision = "main";

  const std::string snapshot = hub::download("acme/tiny", kAll, options());
  hub_.clear_requests();
  EXPECT_EQ(hub::download("acme/tiny", kAll, offline), snapshot);
  EXPECT_TRUE(hub_.requests().empty()) << "offline means no request";
}

TEST_F(HubDownload, NamesThatWouldLeaveTheCacheAreRefused) {
  const hub::Options o = options();
  EXPECT_NE(error_of([&] { hub::download("acme/tiny", {"../x"}, o); }).find("not a file path"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { hub::download("acme/tiny", {"/etc/passwd"}, o); }).find("not a file path"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              hub::download("acme/../x", {"config.json"}, o);
            }).find("not a Hugging Face repository id"),
            std::string::npos);
  hub::Options up = o;
  up.revision = "../../x";
  EXPECT_NE(
      error_of([&] { hub::download("acme/tiny", {"config.json"}, up); }).find("not a revision"),
      std::string::npos);
  EXPECT_TRUE(hub_.requests().empty());
}

}  // namespace
}  // namespace kompress::testing
