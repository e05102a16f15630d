// One file of a repository: what the hub says it is (commit, etag, size, where its content
// lies), and its content fetched into the cache's blobs, resumed and checked.
#pragma once

#include <cstdint>
#include <string>

#include "hub/hub_errors.h"
#include "hub/repo_cache.h"
#include "kompress/hub.h"

namespace kompress::hub::detail {

struct FileMetadata {
  std::string commit;  // X-Repo-Commit
  std::string etag;    // X-Linked-Etag (an LFS file), else ETag, without quotes and W/
  uint64_t size = 0;   // X-Linked-Size, else Content-Length
  std::string url;     // where the content lies: the resolve URL, or the CDN it redirects to
};

// HEAD {endpoint}/{repo}/resolve/{revision}/{file}, relative redirects followed.
FileMetadata fetch_metadata(const Target& target, const Options& options);

// Downloads the content into blobs/<etag>.incomplete, resuming what is there with a Range
// request and after dropped connections, checks its size and hash, and renames it to
// blobs/<etag>. A hash mismatch deletes the partial file; other failures keep it for a resume.
// The caller holds the etag's lock.
void fetch_blob(const Target& target, const FileMetadata& file, const RepoCache& cache,
                const Options& options);

}  // namespace kompress::hub::detail
