// Content keys: the first 24 hex digits of sha256(original), as the reference computes them.
#include <openssl/sha.h>

#include <array>

#include "kompress/ccr.h"

namespace kompress::ccr {

std::string content_key(std::string_view original) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(original.data()), original.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(kKeyLength);
  for (std::size_t i = 0; key.size() < kKeyLength; ++i) {
    key.push_back(kHex[digest[i] >> 4]);
    key.push_back(kHex[digest[i] & 0xF]);
  }
  return key;
}

std::optional<std::string> normalize_key(std::string_view text) {
  if (text.size() != kKeyLength) return std::nullopt;
  std::string key(text);
  for (char& c : key) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return std::nullopt;
  }
  return key;
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kOk:
      return "ok";
    case Status::kExpired:
      return "expired";
    case Status::kMissing:
      break;
  }
  return "missing";
}

}  // namespace kompress::ccr
