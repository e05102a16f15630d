// Added tokens (specials such as [CLS], and the extra tokens of tokenizer.json): found in the
// text before the pre-tokenizer runs and never split further, as Hugging Face's
// AddedVocabulary does. Tokens with normalized=false are matched on the raw text, the others
// on the normalized pieces between those matches; both longest-first, leftmost match wins.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/byte_level.h"
#include "tokenizer/normalizer.h"

namespace kompress::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool single_word = false;  // only match when not inside a word
  bool lstrip = false;       // the match also takes the whitespace on its left
  bool rstrip = false;       // ... and on its right
  bool normalized = true;    // matched after normalization (else on the raw text)
  bool special = false;
};

// A piece of the text: an added token (id >= 0) or text between matches (id -1).
struct Segment {
  Span span;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` spells the normalized tokens the way they appear in normalized text.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer& normalizer);

  // Appends the segments of `text` (valid UTF-8) against the tokens with normalized=false
  // (`normalized_set` false) or normalized=true. Empty segments are dropped. With rstrip,
  // a token's segment may overlap the next one, exactly as in Hugging Face.
  void split(std::string_view text, bool normalized_set, std::vector<Segment>& out) const;

  bool has_raw_tokens() const { return !raw_.empty(); }
  bool has_normalized_tokens() const { return !normalized_.empty(); }

  // Id of the added token spelled `content`, or -1.
  int32_t token_to_id(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // A byte trie over the patterns of one set; leftmost-longest search.
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;
      int32_t token = -1;  // index into tokens_ when a pattern ends here
    };
    std::vector<Node> nodes;
    std::array<int32_t, 256> root{};  // child of the root per first byte, -1 when none

    Trie() { root.fill(-1); }
    bool empty() const { return nodes.empty(); }
    void insert(std::string_view pattern, int32_t token);
    // Longest pattern that starts at text[pos]: its token index and length, or -1.
    int32_t longest_at(std::string_view text, std::size_t pos, std::size_t& length) const;
  };

  void find(std::string_view text, const Trie& trie, std::vector<Segment>& out) const;

  std::vector<AddedToken> tokens_;
  Trie raw_;
  Trie normalized_;
};

}  // namespace kompress::tokenizer
