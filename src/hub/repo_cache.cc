// The cache folder of one repository, laid out as huggingface_hub lays it out.
#include "hub/repo_cache.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "kompress/error.h"
#include "kompress/hub.h"

namespace kompress::hub {
namespace {

namespace fs = std::filesystem;

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// One part of a repository id: word characters, '-' and '.', starting and ending with a word
// character (huggingface_hub's \b[\w\-.]+\b).
bool is_repo_part(std::string_view part) {
  if (part.empty() || !is_word_char(part.front()) || !is_word_char(part.back())) return false;
  return std::all_of(part.begin(), part.end(),
                     [](char c) { return is_word_char(c) || c == '-' || c == '.'; });
}

// Splits on '/' and checks that no part is empty, "." or "..".
bool is_relative_path(std::string_view path) {
  if (path.empty() || path.find('\\') != std::string_view::npos ||
      path.find('\0') != std::string_view::npos) {
    return false;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == path.size()) return true;
    start = end + 1;
  }
}

// A name beside `path` that no other thread or process writes: for an atomic rename onto it.
fs::path temp_beside(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  return path.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter);
}

void create_parent(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw Error(path.parent_path().string() + ": cannot create folder: " + ec.message());
}

void rename_onto(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec) {
    fs::remove(from, ec);
    throw Error(to.string() + ": cannot write: " + ec.message());
  }
}

}  // namespace

bool is_repo_id(std::string_view id) {
  const std::size_t slash = id.find('/');
  if (id.size() > 96 || slash == std::string_view::npos) return false;
  if (id.find("--") != std::string_view::npos || id.find("..") != std::string_view::npos) {
    return false;
  }
  return is_repo_part(id.substr(0, slash)) && is_repo_part(id.substr(slash + 1));
}

namespace detail {

bool is_commit_hash(std::string_view s) {
  return s.size() == 40 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void check_repo_id(std::string_view repo) {
  if (!is_repo_id(repo)) {
    throw Error("'" + std::string(repo) + "' is not a Hugging Face repository id (ORG/NAME)");
  }
}

void check_revision(std::string_view revision) {
  if (!is_relative_path(revision) || revision.size() > 255) {
    throw Error("'" + std::string(revision) + "' is not a revision (a branch, a tag or a commit)");
  }
}

void check_file_name(std::string_view file) {
  if (!is_relative_path(file)) {
    throw Error("'" + std::string(file) + "' is not a file path inside a repository");
  }
}

void check_etag(std::string_view etag) {
  const bool safe = !etag.empty() && etag != "." && etag != ".." &&
                    std::all_of(etag.begin(), etag.end(),
                                [](char c) { return is_word_char(c) || c == '-' || c == '.'; });
  if (!safe) throw Error("the hub sent an unusable etag '" + std::string(etag) + "'");
}

void check_commit(std::string_view commit) {
  if (!is_commit_hash(commit)) {
    throw Error("the hub sent '" + std::string(commit) + "' where a 40-hex commit id belongs");
  }
}

RepoCache::RepoCache(const fs::path& cache_dir, std::string_view repo)
    : cache_dir_(cache_dir), name_("models--" + std::string(repo)) {
  check_repo_id(repo);
  name_.replace(name_.find('/'), 1, "--");
  folder_ = cache_dir_ / name_;
}

fs::path RepoCache::blob(std::string_view etag) const { return folder_ / "blobs" / etag; }

fs::path RepoCache::incomplete(std::string_view etag) const {
  return folder_ / "blobs" / (std::string(etag) + ".incomplete");
}

fs::path RepoCache::lock(std::string_view etag) const {
  return cache_dir_ / ".locks" / name_ / (std::string(etag) + ".lock");
}

fs::path RepoCache::snapshot(std::string_view commit) const {
  return folder_ / "snapshots" / commit;
}

fs::path RepoCache::pointer(std::string_view commit, std::string_view file) const {
  return snapshot(commit) / file;
}

std::optional<std::string> RepoCache::read_ref(std::string_view revision) const {
  std::ifstream in(folder_ / "refs" / revision);
  if (!in) return std::nullopt;
  std::string commit(std::istreambuf_iterator<char>(in), {});
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  commit.erase(std::find_if_not(commit.rbegin(), commit.rend(), blank).base(), commit.end());
  if (!is_commit_hash(commit)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(std::string_view revision, std::string_view commit) const {
  const fs::path ref = folder_ / "refs" / revision;
  create_parent(ref);
  const fs::path tmp = temp_beside(ref);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << commit;
    if (!out.flush()) throw Error(tmp.string() + ": cannot write: " + std::strerror(errno));
  }
  rename_onto(tmp, ref);
}

void RepoCache::link(std::string_view commit, std::string_view file, std::string_view etag) const {
  const fs::path pointer_path = pointer(commit, file);
  create_parent(pointer_path);
  // From snapshots/<commit>/<dirs of file>/ back to the repository folder.
  std::string target = "../../";
  for (char c : file) {
    if (c == '/') target += "../";
  }
  target += "blobs/" + std::string(etag);
  const fs::path tmp = temp_beside(pointer_path);
  std::error_code ec;
  fs::create_symlink(target, tmp, ec);
  if (ec) throw Error(pointer_path.string() + ": cannot create a symlink: " + ec.message());
  rename_onto(tmp, pointer_path);
}

}  // namespace detail
}  // namespace kompress::hub
