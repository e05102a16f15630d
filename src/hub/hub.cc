// The public hub calls: file listings, cache lookups, and downloads into the cache.
#include "kompress/hub.h"

#include <nlohmann/json.hpp>

#include <filesystem>

#include "hub/file_fetch.h"
#include "hub/file_lock.h"
#include "hub/hub_request.h"
#include "hub/repo_cache.h"
#include "kompress/error.h"

namespace kompress::hub {
namespace {

namespace fs = std::filesystem;
using namespace detail;

RepoCache cache_of(const std::string& repo, const Options& options) {
  return RepoCache(options.cache_dir.empty() ? default_cache_dir() : options.cache_dir, repo);
}

void check_request(const std::string& repo, const std::vector<std::string>& files,
                   const Options& options) {
  check_repo_id(repo);
  check_revision(options.revision);
  for (const std::string& file : files) check_file_name(file);
}

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);  // through the snapshot's symlink
}

[[noreturn]] void throw_not_cached(const std::string& repo, const Options& options) {
  const bool main = options.revision == "main";
  throw Error(repo + (main ? "" : "@" + options.revision) + ": offline and not in the cache (" +
              cache_of(repo, options).folder().parent_path().string() + "): run kompress pull " +
              repo + (main ? "" : " --revision " + options.revision));
}

Listing parse_listing(const Target& target, const std::string& url, const std::string& body) {
  const auto bad = [&](const std::string& what) {
    return Error(describe(target) + ": the file listing " + what + " (" + url_for_messages(url) +
                 ")");
  };
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) throw bad("is not a JSON object");
  const auto sha = json.find("sha");
  const auto siblings = json.find("siblings");
  if (sha == json.end() || !sha->is_string() || !is_commit_hash(sha->get<std::string>())) {
    throw bad("has no 40-hex \"sha\"");
  }
  if (siblings == json.end() || !siblings->is_array()) throw bad("has no \"siblings\" list");
  Listing listing{sha->get<std::string>(), {}};
  for (const nlohmann::json& sibling : *siblings) {
    const auto name = sibling.is_object() ? sibling.find("rfilename") : sibling.end();
    if (name == sibling.end() || !name->is_string()) throw bad("has a sibling without rfilename");
    listing.files.push_back(name->get<std::string>());
  }
  return listing;
}

// Links `target.file` into the snapshot of `commit`, downloading its content under the etag's
// lock unless the blobs hold it already.
void place_file(const RepoCache& cache, const Target& target, const std::string& commit,
                const FileMetadata& file, const Options& options) {
  if (!is_file(cache.blob(file.etag))) {
    const FileLock lock(cache.lock(file.etag));
    if (!is_file(cache.blob(file.etag))) fetch_blob(target, file, cache, options);
  }
  cache.link(commit, target.file, file.etag);
}

}  // namespace

Listing list_files(const std::string& repo, const Options& options) {
  check_request(repo, {}, options);
  const Target target{repo, options.revision, {}};
  if (options.offline) {
    throw Error(repo + ": offline: cannot list the repository's files");
  }
  std::string url = options.endpoint + "/api/models/" + repo + "/revision/" +
                    percent_encode(options.revision, false);
  const HttpResponse r = ask_hub(target, options, "GET", url, {"Accept: application/json"});
  if (r.is_redirect()) {
    throw Error(describe(target) + ": the file listing redirects to another host (" +
                url_for_messages(url) + ")");
  }
  return parse_listing(target, url, r.body);
}

std::optional<std::string> find_in_cache(const std::string& repo,
                                         const std::vector<std::string>& files,
                                         const Options& options) {
  check_request(repo, files, options);
  const RepoCache cache = cache_of(repo, options);
  const std::optional<std::string> commit =
      is_commit_hash(options.revision) ? options.revision : cache.read_ref(options.revision);
  if (!commit) return std::nullopt;
  for (const std::string& file : files) {
    if (!is_file(cache.pointer(*commit, file))) return std::nullopt;
  }
  return cache.snapshot(*commit).string();
}

std::string download(const std::string& repo, const std::vector<std::string>& files,
                     const Options& options) {
  check_request(repo, files, options);
  if (files.empty()) throw Error(repo + ": no files to download");
  // A commit never changes: when the cache has it, the hub has nothing to add.
  if (options.offline || is_commit_hash(options.revision)) {
    if (auto snapshot = find_in_cache(repo, files, options)) return *snapshot;
    if (options.offline) throw_not_cached(repo, options);
  }
  const RepoCache cache = cache_of(repo, options);
  // The first file's answer names the commit; the others are asked for at that commit, so that
  // all of them come from one snapshot even when the branch moves meanwhile.
  const FileMetadata first = fetch_metadata({repo, options.revision, files[0]}, options);
  const std::string& commit = first.commit;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Target target{repo, commit, files[i]};
    if (is_file(cache.pointer(commit, files[i]))) continue;
    place_file(cache, target, commit, i == 0 ? first : fetch_metadata(target, options), options);
  }
  // Written only when it changes: a read-only cache that has everything still answers.
  if (options.revision != commit && cache.read_ref(options.revision) != commit) {
    cache.write_ref(options.revision, commit);
  }
  return cache.snapshot(commit).string();
}

}  // namespace kompress::hub
