// One repository's folder in the huggingface_hub cache (models--ORG--NAME): where its blobs,
// snapshots and refs live, and the checks that keep names from the hub and the user inside it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace kompress::hub::detail {

// A full commit id: 40 lowercase hex digits.
bool is_commit_hash(std::string_view s);

// Each throws kompress::Error naming the value when it could leave the cache folder or is not
// what the hub sends.
void check_repo_id(std::string_view repo);
void check_revision(std::string_view revision);  // a branch, a tag ("refs/pr/1" too) or a commit
void check_file_name(std::string_view file);     // a relative path without "." or ".." parts
void check_etag(std::string_view etag);          // a single safe file name
void check_commit(std::string_view commit);      // is_commit_hash

class RepoCache {
 public:
  RepoCache(const std::filesystem::path& cache_dir, std::string_view repo);

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path blob(std::string_view etag) const;
  std::filesystem::path incomplete(std::string_view etag) const;  // the partial download
  std::filesystem::path lock(std::string_view etag) const;  // .locks/models--ORG--NAME/<etag>.lock
  std::filesystem::path snapshot(std::string_view commit) const;
  std::filesystem::path pointer(std::string_view commit, std::string_view file) const;

  // The commit that refs/<revision> holds; nullopt when there is none (or it is not a commit).
  std::optional<std::string> read_ref(std::string_view revision) const;
  // Writes refs/<revision> (the commit, no line break, as huggingface_hub does), atomically.
  void write_ref(std::string_view revision, std::string_view commit) const;
  // Points snapshots/<commit>/<file> at blobs/<etag> with a relative symlink, atomically.
  void link(std::string_view commit, std::string_view file, std::string_view etag) const;

 private:
  std::filesystem::path cache_dir_;
  std::string name_;  // models--ORG--NAME
  std::filesystem::path folder_;
};

}  // namespace kompress::hub::detail
