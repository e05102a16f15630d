// The ByteLevel pre-tokenizer: GPT-2 regex split, then bytes seen as printable characters.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kompress::tokenizer {

// A byte range [begin, end) of the text handed to the pre-tokenizer.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// GPT-2's bytes_to_unicode(): each byte maps to a printable code point (bytes that are
// printable Latin-1 map to themselves, the others to U+0100 and up). BPE vocabularies of
// byte-level tokenizers are spelled in these characters.
const std::array<char32_t, 256>& byte_to_unicode();

// The raw bytes a byte-level token stands for ("Ġworld" -> " world"), or nullopt when the
// token has a character outside the 256-character alphabet (or is not valid UTF-8).
std::optional<std::string> byte_level_decode(std::string_view token);

// The byte-level spelling of raw bytes (" world" -> "Ġworld").
std::string byte_level_encode(std::string_view bytes);

// Splits text with the GPT-2 regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// compiled once by PCRE2 (UTF + UCP, JIT when available). Stateless after construction and
// safe to share between threads.
class ByteLevelPreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex);

  bool add_prefix_space() const { return add_prefix_space_; }
  bool use_regex() const { return use_regex_; }

  // Appends to `out` the pieces of `text` (valid UTF-8, without the prefix space: the caller
  // prepends it when add_prefix_space() and `text` does not start with ' '). Every byte of
  // `text` lands in exactly one piece; pieces are never empty.
  void split(std::string_view text, std::vector<Span>& out) const;

 private:
  bool add_prefix_space_;
  bool use_regex_;
};

}  // namespace kompress::tokenizer
