#include "text/utf8.h"

#include <cstring>

namespace kompress::text {
namespace {

inline bool is_cont(unsigned char b) noexcept { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence at s[pos], or 0 when it is ill-formed (Unicode Table 3-7).
std::size_t valid_sequence_length(std::string_view s, std::size_t pos) noexcept {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return 1;
  const std::size_t left = s.size() - pos;
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[pos + i]); };
  if (b0 >= 0xC2 && b0 <= 0xDF) return left >= 2 && is_cont(at(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3) return 0;
    const unsigned char b1 = at(1);
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    return b1 >= lo && b1 <= hi && is_cont(at(2)) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4) return 0;
    const unsigned char b1 = at(1);
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return b1 >= lo && b1 <= hi && is_cont(at(2)) && is_cont(at(3)) ? 4 : 0;
  }
  return 0;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Value of the `\uXXXX` escape at json[pos] (pointing at the backslash), or -1.
long unicode_escape_at(std::string_view json, std::size_t pos) noexcept {
  if (pos + 6 > json.size() || json[pos] != '\\' || json[pos + 1] != 'u') return -1;
  long value = 0;
  for (std::size_t i = 2; i < 6; ++i) {
    const int h = hex_value(json[pos + i]);
    if (h < 0) return -1;
    value = value * 16 + h;
  }
  return value;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view s) noexcept {
  std::size_t pos = 0;
  while (pos < s.size()) {
    // Skip ASCII eight bytes at a time: most text is ASCII.
    if (pos + 8 <= s.size()) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s.data() + pos, 8);
      if ((chunk & 0x8080808080808080ULL) == 0) {
        pos += 8;
        continue;
      }
    }
    const std::size_t n = valid_sequence_length(s, pos);
    if (n == 0) return pos;
    pos += n;
  }
  return std::nullopt;
}

bool is_ascii(std::string_view s) noexcept {
  std::size_t pos = 0;
  for (; pos + 8 <= s.size(); pos += 8) {
    std::uint64_t chunk;
    std::memcpy(&chunk, s.data() + pos, 8);
    if ((chunk & 0x8080808080808080ULL) != 0) return false;
  }
  for (; pos < s.size(); ++pos) {
    if (static_cast<unsigned char>(s[pos]) >= 0x80) return false;
  }
  return true;
}

char32_t decode_valid(std::string_view s, std::size_t& pos) noexcept {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  auto cont = [&](std::size_t i) { return static_cast<char32_t>(s[pos + i] & 0x3F); };
  char32_t cp;
  std::size_t n;
  if (b0 < 0x80) {
    cp = b0;
    n = 1;
  } else if (b0 < 0xE0) {
    cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
    n = 2;
  } else if (b0 < 0xF0) {
    cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
    n = 3;
  } else {
    cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
    n = 4;
  }
  pos += n;
  return cp;
}

char32_t decode_lenient(std::string_view s, std::size_t& pos) noexcept {
  if (valid_sequence_length(s, pos) == 0) {
    ++pos;
    return kReplacementChar;
  }
  return decode_valid(s, pos);
}

void append_utf8(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = kReplacementChar;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string replace_lone_surrogate_escapes(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  std::size_t pos = 0;
  while (pos < json.size()) {
    const char c = json[pos];
    if (!in_string) {
      in_string = c == '"';
      out.push_back(c);
      ++pos;
      continue;
    }
    if (c == '"') {
      in_string = false;
      out.push_back(c);
      ++pos;
      continue;
    }
    if (c != '\\' || pos + 1 >= json.size()) {
      out.push_back(c);
      ++pos;
      continue;
    }
    const long unit = unicode_escape_at(json, pos);
    if (unit < 0xD800 || unit > 0xDFFF) {
      // Any other escape: copy the backslash and the escaped character together.
      out.append(json.substr(pos, 2));
      pos += 2;
      continue;
    }
    const long next = unit <= 0xDBFF ? unicode_escape_at(json, pos + 6) : -1;
    if (next >= 0xDC00 && next <= 0xDFFF) {
      out.append(json.substr(pos, 12));  // a valid pair
      pos += 12;
    } else {
      out.append("\\ufffd");
      pos += 6;
    }
  }
  return out;
}

}  // namespace kompress::text
