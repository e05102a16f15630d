// sha256 and git blob sha1 of a file, streamed through OpenSSL's EVP digests.
#include "hub/content_hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

#include "kompress/error.h"

namespace kompress::hub::detail {
namespace {

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

struct DigestDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

EtagKind etag_kind(std::string_view etag) {
  if (!is_hex(etag)) return EtagKind::kUnknown;
  if (etag.size() == 64) return EtagKind::kSha256;
  if (etag.size() == 40) return EtagKind::kGitBlobSha1;
  return EtagKind::kUnknown;
}

std::string file_digest(const std::filesystem::path& path, EtagKind kind) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!in || ec) throw Error(path.string() + ": cannot read to check its hash");
  std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = kind == EtagKind::kSha256 ? EVP_sha256() : EVP_sha1();
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) throw Error("OpenSSL: no digest");
  if (kind == EtagKind::kGitBlobSha1) {
    const std::string header = "blob " + std::to_string(size);
    EVP_DigestUpdate(ctx.get(), header.c_str(), header.size() + 1);  // with its '\0'
  }
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(path.string() + ": read error while checking its hash");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += {kHex[digest[i] >> 4], kHex[digest[i] & 0xF]};
  }
  return hex;
}

}  // namespace kompress::hub::detail
