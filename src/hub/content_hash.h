// The content hash that a hub etag names, to check a download against it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace kompress::hub::detail {

enum class EtagKind {
  kSha256,       // 64 hex digits: an LFS file, the sha256 of its content
  kGitBlobSha1,  // 40 hex digits: a file kept in git, sha1("blob <size>\0" + content)
  kUnknown,      // anything else: only the size can be checked
};

EtagKind etag_kind(std::string_view etag);

// The lowercase hex digest of the file at `path` in `kind` (not kUnknown). Throws
// kompress::Error when the file cannot be read.
std::string file_digest(const std::filesystem::path& path, EtagKind kind);

}  // namespace kompress::hub::detail
