#include "compress/cache_key.h"

#include <openssl/sha.h>

#include <array>
#include <cstdio>

namespace kompress::compress {
namespace {

std::string sha256_hex(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

// Exact text of a double (hex float), so that nearby ratios never share a key.
std::string exact(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

}  // namespace

std::string result_cache_key(std::string_view text, const CompressOptions& o,
                             std::optional<double> ratio, bool ccr, std::string_view model,
                             std::size_t max_tokens) {
  std::string key = sha256_hex(text);
  auto field = [&key](std::string_view name, const std::string& value) {
    key += '\x1f';
    key += name;
    key += '=';
    key += value;
  };
  field("model", std::string(model));
  field("budget", std::to_string(max_tokens));
  field("chunk", std::to_string(o.chunk_words));
  field("threshold", exact(o.threshold));
  field("rule", std::to_string(static_cast<int>(o.keep_rule)));
  field("ratio", ratio ? exact(*ratio) : "none");
  field("min", std::to_string(o.min_words));
  field("must_keep", o.must_keep ? "1" : "0");
  if (o.must_keep) {
    for (const std::string& p : o.must_keep_patterns) field("pattern", p);
  }
  field("join", std::to_string(static_cast<int>(o.join)));
  field("cjk", o.split_cjk ? "1" : "0");
  field("ccr", ccr ? "1" : "0");
  field("marker", std::to_string(static_cast<int>(o.marker)));
  field("lossy", o.lossy ? "1" : "0");
  return key;
}

}  // namespace kompress::compress
