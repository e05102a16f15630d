// The BPE model of a byte-level tokenizer: raw bytes in, vocabulary ids out, with Hugging
// Face's merge order (lowest rank first, leftmost on ties) and a bounded, thread-safe cache
// of the results per pre-token.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kompress::tokenizer {

struct BpeOptions {
  std::optional<std::string> unk_token;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class Bpe {
 public:
  // `vocab` maps byte-level spellings ("Ġworld") to ids; merges are pairs of such spellings in
  // rank order. Throws kompress::Error (prefixed with `origin`) for merges whose parts or
  // result are not in the vocabulary, or an unk_token that is not.
  Bpe(std::unordered_map<std::string, int32_t> vocab,
      const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
      std::string_view origin);
  ~Bpe();
  Bpe(Bpe&&) noexcept;
  Bpe& operator=(Bpe&&) noexcept;

  // Appends the ids of one pre-token given as raw bytes (not the byte-level spelling).
  void tokenize(std::string_view bytes, std::vector<int32_t>& out) const;

  // Id of a vocabulary entry by its byte-level spelling, or -1.
  int32_t token_to_id(std::string_view token) const;
  // Largest id in the vocabulary, or -1 when empty.
  int32_t max_id() const { return max_id_; }

 private:
  struct MergeMap;
  struct Cache;

  void merge_word(std::string_view bytes, std::vector<int32_t>& out) const;
  void initial_symbols(std::string_view bytes, std::vector<int32_t>& symbols) const;

  struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, TransparentHash, std::equal_to<>> vocab_;
  // Id of each byte's one-character spelling, -1 when the vocabulary lacks it.
  std::array<int32_t, 256> byte_ids_{};
  // With byte_fallback: ids of "<0xXX>" for each byte of each byte's spelling, when all exist.
  std::array<std::vector<int32_t>, 256> fallback_ids_;
  int32_t unk_id_ = -1;
  BpeOptions options_;
  int32_t max_id_ = -1;
  std::unique_ptr<MergeMap> merges_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace kompress::tokenizer
