#include "fake_hub.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <utility>

namespace kompress::testing {
namespace {

std::string hex_digest(const EVP_MD* md, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += {kHex[digest[i] >> 4], kHex[digest[i] & 0xF]};
  return hex;
}

void error(httplib::Response& res, int status, const std::string& code,
           const std::string& message) {
  res.status = status;
  if (!code.empty()) res.set_header("X-Error-Code", code);
  res.set_header("X-Error-Message", message);
  res.set_content("{\"error\":\"" + message + "\"}", "application/json");
}

// Starts `server` on a free loopback port in `thread`; returns the port.
int start(httplib::Server& server, std::thread& thread) {
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("fake hub: cannot bind a loopback port");
  thread = std::thread([&server] { server.listen_after_bind(); });
  // stop() only stops a server that runs: wait for it, so that the destructor never hangs.
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port;
}

}  // namespace

FakeHub::FakeHub() {
  hub_.Get(R"(/api/models/([^/]+/[^/]+)/revision/(.+))",
           [this](const httplib::Request& req, httplib::Response& res) {
             record("hub", req);
             serve_listing(req, res);
           });
  hub_.Get(R"(/([^/]+/[^/]+)/resolve/([^/]+)/(.+))",
           [this](const httplib::Request& req, httplib::Response& res) {
             record("hub", req);
             serve_resolve(req, res);
           });
  cdn_.Get(R"(/lfs/([0-9a-f]+))", [this](const httplib::Request& req, httplib::Response& res) {
    record("cdn", req);
    serve_content(req.matches[1], req, res);
  });
  hub_port_ = start(hub_, hub_thread_);
  cdn_port_ = start(cdn_, cdn_thread_);
}

FakeHub::~FakeHub() {
  hub_.stop();
  cdn_.stop();
  hub_thread_.join();
  cdn_thread_.join();
}

std::string FakeHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(hub_port_); }

void FakeHub::add_repo(const std::string& id, FakeRepo repo) {
  std::lock_guard lock(mutex_);
  for (const auto& [name, file] : repo.files) served_[etag_of(file)] = {file.content, 0};
  repos_[id] = std::move(repo);
}

void FakeHub::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  renamed_[from] = to;
}

void FakeHub::drop_next_get(const std::string& repo, const std::string& file, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  served_.at(etag_of(repos_.at(repo).files.at(file))).drop_after = bytes;
}

void FakeHub::serve_instead(const std::string& repo, const std::string& file, std::string content) {
  std::lock_guard lock(mutex_);
  served_.at(etag_of(repos_.at(repo).files.at(file))).content = std::move(content);
}

std::vector<SeenRequest> FakeHub::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

void FakeHub::clear_requests() {
  std::lock_guard lock(mutex_);
  seen_.clear();
}

std::string FakeHub::etag_of(const FakeFile& file) {
  if (file.lfs) return hex_digest(EVP_sha256(), file.content);
  std::string blob = "blob " + std::to_string(file.content.size());
  blob.push_back('\0');
  return hex_digest(EVP_sha1(), blob + file.content);
}

std::string FakeHub::commit_id(std::string_view seed) { return hex_digest(EVP_sha1(), seed); }

void FakeHub::record(const std::string& server, const httplib::Request& req) {
  std::lock_guard lock(mutex_);
  seen_.push_back({server, req.method, req.path, req.get_header_value("Range"),
                   req.get_header_value("Authorization")});
}

const FakeRepo* FakeHub::find_repo(const std::string& id, const std::string& rest,
                                   const httplib::Request& req, httplib::Response& res) const {
  if (const auto to = renamed_.find(id); to != renamed_.end()) {
    res.status = 307;
    res.set_header("Location", "/" + to->second + rest);  // relative: the same host
    return nullptr;
  }
  const auto repo = repos_.find(id);
  if (repo == repos_.end()) {
    error(res, 404, "RepoNotFound", "Repository not found");
    return nullptr;
  }
  const std::string authorization = req.get_header_value("Authorization");
  if (!repo->second.token.empty() && authorization != "Bearer " + repo->second.token) {
    if (!authorization.empty()) {
      error(res, 401, "", "Invalid credentials in Authorization header");
    } else if (repo->second.gated) {
      error(res, 401, "GatedRepo", "Access to this model is restricted.");
    } else {
      error(res, 401, "RepoNotFound", "Invalid username or password.");
    }
    return nullptr;
  }
  return &repo->second;
}

void FakeHub::serve_listing(const httplib::Request& req, httplib::Response& res) {
  std::lock_guard lock(mutex_);
  const std::string id = req.matches[1], revision = req.matches[2];
  const FakeRepo* repo = find_repo(id, "/revision/" + revision, req, res);
  if (repo == nullptr) return;
  if (revision != "main" && revision != repo->commit) {
    error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    return;
  }
  nlohmann::json siblings = nlohmann::json::array();
  for (const auto& [name, file] : repo->files) siblings.push_back({{"rfilename", name}});
  res.set_content(nlohmann::json{{"id", id}, {"sha", repo->commit}, {"siblings", siblings}}.dump(),
                  "application/json");
}

void FakeHub::serve_resolve(const httplib::Request& req, httplib::Response& res) {
  std::unique_lock lock(mutex_);
  const std::string id = req.matches[1], revision = req.matches[2], name = req.matches[3];
  const FakeRepo* repo = find_repo(id, "/resolve/" + revision + "/" + name, req, res);
  if (repo == nullptr) return;
  if (revision != "main" && revision != repo->commit) {
    error(res, 404, "RevisionNotFound", "Invalid rev id: " + revision);
    return;
  }
  res.set_header("X-Repo-Commit", repo->commit);
  const auto file = repo->files.find(name);
  if (file == repo->files.end()) {
    error(res, 404, "EntryNotFound", "Entry not found");
    return;
  }
  const std::string etag = etag_of(file->second);
  if (file->second.lfs) {
    // As the hub does: a redirect to a signed CDN URL, the LFS etag and size in X-Linked-*.
    res.status = 302;
    res.set_header("Location",
                   "http://127.0.0.1:" + std::to_string(cdn_port_) + "/lfs/" + etag + "?sig=x");
    res.set_header("X-Linked-Etag", "\"" + etag + "\"");
    res.set_header("X-Linked-Size", std::to_string(file->second.content.size()));
    res.set_header("ETag", "\"git-pointer-etag\"");
    return;
  }
  res.set_header("ETag", "\"" + etag + "\"");
  if (req.method == "HEAD") {
    res.set_content(file->second.content, "application/octet-stream");  // for Content-Length
    return;
  }
  lock.unlock();
  serve_content(etag, req, res);
}

void FakeHub::serve_content(const std::string& key, const httplib::Request&,
                            httplib::Response& res) {
  std::lock_guard lock(mutex_);
  const auto served = served_.find(key);
  if (served == served_.end()) {
    res.status = 404;
    return;
  }
  const std::string content = served->second.content;
  const std::size_t drop_after = std::exchange(served->second.drop_after, 0);
  if (drop_after == 0) {
    // httplib answers a Range header with 206 and the slice.
    res.set_content(content, "application/octet-stream");
    return;
  }
  // Sends `drop_after` bytes of what was asked for, then closes the connection.
  auto sent = std::make_shared<std::size_t>(0);
  res.set_content_provider(
      content.size(), "application/octet-stream",
      [content, drop_after, sent](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        const std::size_t n = std::min(length, drop_after - *sent);
        sink.write(content.data() + offset, n);
        *sent += n;
        return *sent < drop_after;
      });
}

}  // namespace kompress::testing
