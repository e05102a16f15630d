// UTF-8 validation and decoding, with the byte offset of the first invalid byte for errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kompress::text {

// Code point substituted for invalid input (U+FFFD REPLACEMENT CHARACTER).
inline constexpr char32_t kReplacementChar = 0xFFFD;

// Byte offset of the first byte that is not part of a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed, as in Rust's `str`), or
// nullopt when all of `s` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view s) noexcept;

inline bool is_valid_utf8(std::string_view s) noexcept { return !find_invalid_utf8(s); }

// True when every byte is below 0x80.
bool is_ascii(std::string_view s) noexcept;

// Decodes the code point at `s[pos]` of a string already known to be valid UTF-8 and advances
// `pos` past it. `pos` must be < s.size().
char32_t decode_valid(std::string_view s, std::size_t& pos) noexcept;

// Decodes the code point at `s[pos]` and advances `pos`; on an ill-formed sequence returns
// kReplacementChar and advances by one byte. `pos` must be < s.size().
char32_t decode_lenient(std::string_view s, std::size_t& pos) noexcept;

// Appends the UTF-8 encoding of `cp` (surrogates and values above U+10FFFF become U+FFFD).
void append_utf8(std::string& out, char32_t cp);

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for continuation or
// invalid bytes, so that scanning always advances).
inline std::size_t utf8_sequence_length(unsigned char lead) noexcept {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return lead < 0xF8 ? 4 : 1;
}

// Rewrites `\uD800`-`\uDFFF` escapes in JSON text that do not form a valid surrogate pair
// to `\uFFFD`, as JavaScript engines do when they convert such strings to UTF-8. JSON parsers
// that reject lone surrogates can then read text produced by `JSON.stringify`. Everything
// else, including valid pairs, is copied unchanged.
std::string replace_lone_surrogate_escapes(std::string_view json);

}  // namespace kompress::text
