// File metadata from a HEAD request, and downloads that resume, retry and check what they got.
#include "hub/file_fetch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "hub/content_hash.h"
#include "hub/hub_request.h"
#include "kompress/error.h"

namespace kompress::hub::detail {
namespace {

namespace fs = std::filesystem;

std::string normalize_etag(std::string etag) {
  if (etag.starts_with("W/")) etag.erase(0, 2);
  const std::size_t first = etag.find_first_not_of('"');
  const std::size_t last = etag.find_last_not_of('"');
  return first == std::string::npos ? std::string() : etag.substr(first, last - first + 1);
}

std::optional<uint64_t> parse_number(std::string_view s) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// START in "bytes START-END/TOTAL".
std::optional<uint64_t> range_start(std::string_view content_range) {
  if (!content_range.starts_with("bytes ")) return std::nullopt;
  content_range.remove_prefix(6);
  return parse_number(content_range.substr(0, content_range.find('-')));
}

std::string progress_text(uint64_t done, uint64_t total) {
  return std::to_string(done) + " of " + std::to_string(total) + " bytes";
}

// The partial download of one file (blobs/<etag>.incomplete), grown by GET requests.
class PartialDownload {
 public:
  PartialDownload(const Target& target, const FileMetadata& file, const fs::path& path,
                  const Options& options)
      : target_(target), file_(file), path_(path), options_(options) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_to_write();
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail_to_write();
    have_ = static_cast<uint64_t>(st.st_size);
    if (have_ > file_.size) truncate_to(0);  // not a prefix of this file
  }
  PartialDownload(const PartialDownload&) = delete;
  PartialDownload& operator=(const PartialDownload&) = delete;
  ~PartialDownload() { ::close(fd_); }

  uint64_t size() const { return have_; }
  uint64_t received() const { return received_; }

  // Tells the progress callback where the file stands; throws when it says stop.
  void report() {
    if (options_.progress && !options_.progress({target_.repo, target_.file, have_, file_.size})) {
      throw_stopped();
    }
  }

  // One GET of the rest of the file, following redirects (the token goes only to the
  // endpoint's host). Returns why it stopped short of the end of the body, "" when the body
  // was whole. Throws for what no retry can mend: an HTTP error, a full disk, a body longer
  // than the file, a stop from the progress callback.
  std::string attempt() {
    received_ = 0;
    // Identity encoding: the bytes on disk must be the file's, as its size and hash say.
    std::vector<std::string> extra = {"Accept-Encoding: identity"};
    if (have_ > 0) extra.push_back("Range: bytes=" + std::to_string(have_) + "-");
    const BodySink sink{[this](const HttpResponse& head) { return start(head); },
                        [this](std::string_view bytes) { return write(bytes); }};
    std::string url = file_.url;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
      stop_ = Stop::kNone;
      const HttpResponse r = perform(hub_request(options_, "GET", url, extra), &sink);
      throw_on_stop(url);
      if (stop_ == Stop::kWrongRange) return "the server sent another range than asked";
      if (!r.error.empty()) return r.error + " (" + url_for_messages(url) + ")";
      if (r.is_redirect() && !r.header("location").empty()) {
        url = resolve_url(url, r.header("location"));
        continue;
      }
      if (r.status == 416) {  // the partial file is not what the server has
        truncate_to(0);
        return "HTTP 416 (range not satisfiable) from " + url_for_messages(url);
      }
      if (r.status == 408 || r.status == 429 || r.status >= 500) {
        return "HTTP " + std::to_string(r.status) + " from " + url_for_messages(url);
      }
      if (!r.is_success()) throw_http_error(target_, url, r);
      return "";
    }
    throw Error(describe(target_) + ": more than " + std::to_string(kMaxRedirects) +
                " redirects (" + url_for_messages(url) + ")");
  }

  void sync() {
    if (::fsync(fd_) != 0) fail_to_write();
  }

 private:
  enum class Stop { kNone, kCancelled, kWriteFailed, kTooLong, kWrongRange };

  // A 2xx response begins: 206 continues the partial file, 200 starts it again (the server
  // ignored the Range header).
  bool start(const HttpResponse& head) {
    uint64_t from = 0;
    if (head.status == 206) {
      const auto start = range_start(head.header("content-range"));
      if (!start || *start != have_) {
        truncate_to(0);
        stop_ = Stop::kWrongRange;
        return false;
      }
      from = *start;
    }
    if (::ftruncate(fd_, static_cast<off_t>(from)) != 0) return stop(Stop::kWriteFailed);
    have_ = from;
    return true;
  }

  bool write(std::string_view bytes) {
    if (have_ + bytes.size() > file_.size) return stop(Stop::kTooLong);
    while (!bytes.empty()) {
      const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(have_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return stop(Stop::kWriteFailed);
      have_ += static_cast<uint64_t>(n);
      received_ += static_cast<uint64_t>(n);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    if (options_.progress && !options_.progress({target_.repo, target_.file, have_, file_.size})) {
      return stop(Stop::kCancelled);
    }
    return true;
  }

  bool stop(Stop why) {
    write_errno_ = errno;
    stop_ = why;
    return false;
  }

  void throw_on_stop(const std::string& url) {
    switch (stop_) {
      case Stop::kCancelled:
        throw_stopped();
      case Stop::kWriteFailed:
        errno = write_errno_;
        fail_to_write();
      case Stop::kTooLong:
        ::close(fd_);
        fd_ = -1;
        fs::remove(path_);
        throw Error(describe(target_) + ": the server sent more than the " +
                    std::to_string(file_.size) + " bytes the hub announced (" +
                    url_for_messages(url) + "); the download was deleted");
      case Stop::kWrongRange:
      case Stop::kNone:
        break;
    }
  }

  [[noreturn]] void throw_stopped() const {
    throw Error(describe(target_) + ": download stopped at " + progress_text(have_, file_.size) +
                "; the partial file is kept for a resume");
  }

  void truncate_to(uint64_t size) {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) fail_to_write();
    have_ = size;
  }

  [[noreturn]] void fail_to_write() const {
    throw Error(path_.string() + ": cannot write: " + std::strerror(errno));
  }

  const Target& target_;
  const FileMetadata& file_;
  fs::path path_;
  const Options& options_;
  int fd_ = -1;
  uint64_t have_ = 0;      // bytes in the partial file
  uint64_t received_ = 0;  // bytes the last attempt wrote
  Stop stop_ = Stop::kNone;
  int write_errno_ = 0;
};

// Downloads into the partial file until it holds the whole file, retrying dropped and stalled
// transfers; gives up after options.attempts failures in a row without a new byte.
void download_whole(PartialDownload& part, const Target& target, const FileMetadata& file,
                    const Options& options) {
  part.report();
  int failures = 0;
  while (part.size() < file.size) {
    std::string why = part.attempt();
    if (part.size() == file.size) break;
    if (why.empty()) why = "the body ended at " + progress_text(part.size(), file.size);
    failures = part.received() > 0 ? 1 : failures + 1;
    if (failures >= options.attempts) {
      throw Error(describe(target) + ": download stopped at " +
                  progress_text(part.size(), file.size) + ": " + why +
                  "; the partial file is kept: run again to resume");
    }
    const int backoff_ms = std::min(250 << std::min(failures - 1, 4), 4000);
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
  }
}

// Throws, deleting the file, unless its content has the hash that `etag` names.
void check_hash(const Target& target, const FileMetadata& file, const fs::path& path) {
  const EtagKind kind = etag_kind(file.etag);
  if (kind == EtagKind::kUnknown) return;  // only the size can be checked
  std::string expected = file.etag;
  std::transform(expected.begin(), expected.end(), expected.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string got = file_digest(path, kind);
  if (got == expected) return;
  std::error_code ec;
  fs::remove(path, ec);
  throw Error(describe(target) + ": " + (kind == EtagKind::kSha256 ? "sha256" : "git blob sha1") +
              " mismatch: the hub says " + expected + ", the download has " + got + " (" +
              url_for_messages(file.url) + "); the download was deleted");
}

}  // namespace

FileMetadata fetch_metadata(const Target& target, const Options& options) {
  std::string url = options.endpoint + "/" + std::string(target.repo) + "/resolve/" +
                    percent_encode(target.revision, false) + "/" +
                    percent_encode(target.file, true);
  // Identity encoding: the size must be the file's, not a compressed body's.
  const HttpResponse r = ask_hub(target, options, "HEAD", url, {"Accept-Encoding: identity"});
  FileMetadata m;
  m.commit = r.header("x-repo-commit");
  m.etag = normalize_etag(r.header("x-linked-etag").empty() ? r.header("etag")
                                                            : r.header("x-linked-etag"));
  const std::string size = !r.header("x-linked-size").empty() ? r.header("x-linked-size")
                           : r.is_redirect()                  ? std::string()
                                                              : r.header("content-length");
  m.url = r.is_redirect() ? resolve_url(url, r.header("location")) : url;
  const std::string answer = " in the answer of " + url_for_messages(url);
  if (m.commit.empty()) {
    throw Error(describe(target) + ": no X-Repo-Commit header" + answer +
                ": is HF_ENDPOINT a Hugging Face hub?");
  }
  if (m.etag.empty()) throw Error(describe(target) + ": no ETag" + answer);
  const auto parsed = parse_number(size);
  if (!parsed) throw Error(describe(target) + ": no file size (X-Linked-Size)" + answer);
  m.size = *parsed;
  check_commit(m.commit);
  check_etag(m.etag);
  return m;
}

void fetch_blob(const Target& target, const FileMetadata& file, const RepoCache& cache,
                const Options& options) {
  const fs::path part_path = cache.incomplete(file.etag);
  {
    PartialDownload part(target, file, part_path, options);
    download_whole(part, target, file, options);
    part.sync();
  }
  check_hash(target, file, part_path);
  std::error_code ec;
  fs::rename(part_path, cache.blob(file.etag), ec);
  if (ec) throw Error(cache.blob(file.etag).string() + ": cannot write: " + ec.message());
}

}  // namespace kompress::hub::detail
