// kompress/tokenizer.h: Hugging Face byte-level BPE tokenizers (tokenizer.json), exact.
//
//   auto tok = kompress::Tokenizer::from_file("tokenizer.json");
//   kompress::Encoding e = tok.encode("Hello world");            // [CLS] Hello Ġworld [SEP]
//   std::vector<std::string_view> words = {"Hello", "world"};
//   kompress::Encoding w = tok.encode_words(words);              // word_ids {-1, 0, 1, -1}
//
// Mirrors the Hugging Face pipeline stage by stage: added tokens, normalizer, ByteLevel
// pre-tokenizer, BPE, template post-processor. Thread-safe after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kompress {

// Word id of tokens that belong to no word: the specials added by the post-processor.
inline constexpr int32_t kNoWord = -1;

struct Encoding {
  std::vector<int32_t> ids;       // token ids, specials included when requested
  std::vector<int32_t> word_ids;  // per token: word index, or kNoWord for specials
};

struct EncodeOptions {
  bool add_special_tokens = true;  // apply the post-processor template ([CLS] $A [SEP])
  // Keep at most this many tokens, specials included (Hugging Face truncation, longest-first
  // from the right). 0 means no limit.
  std::size_t max_tokens = 0;
};

class Tokenizer {
 public:
  // Loads a tokenizer.json. Throws kompress::Error naming `path` and the problem for files
  // that are unreadable, not JSON, or of an unsupported type (only byte-level BPE is).
  static Tokenizer from_file(const std::string& path);
  // Same from the file's contents; `origin` names the source in error messages.
  static Tokenizer from_json(std::string_view json, std::string_view origin);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Encodes one text. Word ids are the pre-tokenizer's split indices, as Hugging Face reports
  // them. Throws kompress::Error naming the byte offset of invalid UTF-8.
  Encoding encode(std::string_view text, const EncodeOptions& options = {}) const;

  // Encodes pre-split words exactly as `is_split_into_words=True` does: each word alone (no
  // leading-space marker), word_ids = index into `words`. Throws kompress::Error naming the
  // word and byte offset of invalid UTF-8.
  Encoding encode_words(std::span<const std::string_view> words,
                        const EncodeOptions& options = {}) const;

  // Id of a vocabulary or added token, or -1.
  int32_t token_to_id(std::string_view token) const;
  // Number of ids (vocabulary plus added tokens): max id + 1.
  std::size_t vocab_size() const;
  // Number of special tokens the post-processor adds to one sequence (2 for [CLS] $A [SEP]).
  std::size_t num_special_tokens() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kompress
