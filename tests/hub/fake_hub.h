// A fake Hugging Face hub on 127.0.0.1 for tests: repositories of files that the test makes,
// answered with the hub's headers (X-Repo-Commit, ETag, X-Linked-Etag, X-Linked-Size,
// X-Error-Code), the file listing API, and a second server on another port standing for the CDN
// that LFS files redirect to (another port is another host: the token must not follow).
// Faults on demand: a renamed repository (relative redirect), a connection dropped mid-file,
// content that does not match its etag. Every request is recorded.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kompress::testing {

struct FakeFile {
  std::string content;
  bool lfs = false;  // an LFS file: etag sha256, content on the CDN; else etag git blob sha1
};

struct FakeRepo {
  std::string commit;  // 40 hex digits
  std::map<std::string, FakeFile> files;
  std::string token;   // the token a private or gated repository needs; "" for a public one
  bool gated = false;  // without the token: GatedRepo rather than RepoNotFound
};

struct SeenRequest {
  std::string server;  // "hub" or "cdn"
  std::string method;
  std::string path;
  std::string range;          // the Range header, "" when absent
  std::string authorization;  // the Authorization header, "" when absent
};

class FakeHub {
 public:
  FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;
  ~FakeHub();

  // "http://127.0.0.1:PORT", for hub::Options::endpoint or HF_ENDPOINT.
  std::string endpoint() const;

  // Adds or replaces a repository ("ORG/NAME").
  void add_repo(const std::string& id, FakeRepo repo);
  // Requests for `from` answer with a relative redirect to the same path under `to`.
  void rename(const std::string& from, const std::string& to);
  // The next GET of this file's content sends `bytes` bytes (from the start of the file, or of
  // the range asked for) and closes the connection.
  void drop_next_get(const std::string& repo, const std::string& file, std::size_t bytes);
  // This file's content is served as `content`, whatever its etag says.
  void serve_instead(const std::string& repo, const std::string& file, std::string content);

  std::vector<SeenRequest> requests() const;
  void clear_requests();

  // The etag the hub gives `file`: sha256 of an LFS file, else the git blob sha1.
  static std::string etag_of(const FakeFile& file);
  // A 40-hex commit id made from `seed`.
  static std::string commit_id(std::string_view seed);

 private:
  struct Served {
    std::string content;
    std::size_t drop_after = 0;  // 0: no drop pending
  };

  void serve_resolve(const httplib::Request& req, httplib::Response& res);
  void serve_listing(const httplib::Request& req, httplib::Response& res);
  void serve_content(const std::string& key, const httplib::Request& req, httplib::Response& res);
  // The repository a request names, after authorization; answers the error itself and
  // returns null when there is none to serve.
  const FakeRepo* find_repo(const std::string& id, const std::string& rest,
                            const httplib::Request& req, httplib::Response& res) const;
  void record(const std::string& server, const httplib::Request& req);
  std::string content_key(const std::string& repo, const std::string& file) const;

  mutable std::mutex mutex_;
  std::map<std::string, FakeRepo> repos_;
  std::map<std::string, std::string> renamed_;
  std::map<std::string, Served> served_;  // by content key: "repo/file"
  std::vector<SeenRequest> seen_;

  httplib::Server hub_;
  httplib::Server cdn_;
  int hub_port_ = 0;
  int cdn_port_ = 0;
  std::thread hub_thread_;
  std::thread cdn_thread_;
};

}  // namespace kompress::testing
