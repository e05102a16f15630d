#include "tokenizer/added_vocabulary.h"

#include <utf8proc.h>

#include <algorithm>

#include "text/utf8.h"

namespace kompress::tokenizer {
namespace {

// Unicode White_Space, which Rust's regex `\s` (used by lstrip and rstrip) matches.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Rust's regex `\w`: Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
// Alphabetic is approximated by letters, letter numbers and the circled/squared letters.
bool is_word_char(char32_t c) {
  if (c == 0x200C || c == 0x200D) return true;
  if ((c >= 0x24B6 && c <= 0x24E9) || (c >= 0x1F130 && c <= 0x1F189)) return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

// The last code point of non-empty valid UTF-8 `s`.
char32_t last_char(std::string_view s) {
  std::size_t pos = s.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
  return text::decode_valid(s, pos);
}

// Start of the run of whitespace that ends `s`.
std::size_t trailing_space_start(std::string_view s) {
  std::size_t end = s.size();
  while (end > 0) {
    std::size_t pos = end - 1;
    while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80) --pos;
    std::size_t probe = pos;
    if (!is_white_space(text::decode_valid(s, probe))) break;
    end = pos;
  }
  return end;
}

// Length of the run of whitespace that starts `s`.
std::size_t leading_space_length(std::string_view s) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t next = pos;
    if (!is_white_space(text::decode_valid(s, next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t token) {
  if (pattern.empty()) return;  // an empty token would match everywhere; Hugging Face skips it
  auto first = static_cast<unsigned char>(pattern[0]);
  if (root[first] < 0) {
    root[first] = static_cast<int32_t>(nodes.size());
    nodes.emplace_back();
  }
  int32_t node = root[first];
  for (std::size_t i = 1; i < pattern.size(); ++i) {
    const auto byte = static_cast<unsigned char>(pattern[i]);
    auto& children = nodes[static_cast<std::size_t>(node)].children;
    auto it = std::find_if(children.begin(), children.end(),
                           [byte](const auto& child) { return child.first == byte; });
    if (it != children.end()) {
      node = it->second;
      continue;
    }
    const auto child = static_cast<int32_t>(nodes.size());
    nodes[static_cast<std::size_t>(node)].children.emplace_back(byte, child);
    nodes.emplace_back();
    node = child;
  }
  // Two tokens with the same spelling: the first one declared keeps it.
  if (nodes[static_cast<std::size_t>(node)].token < 0) {
    nodes[static_cast<std::size_t>(node)].token = token;
  }
}

int32_t AddedVocabulary::Trie::longest_at(std::string_view text, std::size_t pos,
                                          std::size_t& length) const {
  int32_t node = root[static_cast<unsigned char>(text[pos])];
  int32_t best = -1;
  std::size_t i = pos + 1;
  while (node >= 0) {
    const Node& n = nodes[static_cast<std::size_t>(node)];
    if (n.token >= 0) {
      best = n.token;
      length = i - pos;
    }
    if (i >= text.size()) break;
    const auto byte = static_cast<unsigned char>(text[i]);
    node = -1;
    for (const auto& [b, child] : n.children) {
      if (b == byte) {
        node = child;
        break;
      }
    }
    ++i;
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer& normalizer)
    : tokens_(std::move(tokens)) {
  std::string scratch;
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    const auto index = static_cast<int32_t>(i);
    if (!token.normalized) {
      raw_.insert(token.content, index);
    } else if (text::is_valid_utf8(token.content)) {
      normalized_.insert(normalizer.apply(token.content, scratch), index);
    }
  }
}

int32_t AddedVocabulary::token_to_id(std::string_view content) const {
  for (const AddedToken& token : tokens_) {
    if (token.content == content) return token.id;
  }
  return -1;
}

void AddedVocabulary::split(std::string_view text, bool normalized_set,
                            std::vector<Segment>& out) const {
  find(text, normalized_set ? normalized_ : raw_, out);
}

void AddedVocabulary::find(std::string_view text, const Trie& trie,
                           std::vector<Segment>& out) const {
  auto push = [&out](std::size_t begin, std::size_t end, int32_t id) {
    if (end > begin) out.push_back({{begin, end}, id});
  };
  if (trie.empty()) {
    push(0, text.size(), -1);
    return;
  }
  std::size_t done = 0;  // end of the last segment emitted
  std::size_t pos = 0;   // where the search for the next match resumes
  while (pos < text.size()) {
    std::size_t length = 0;
    const int32_t index = trie.longest_at(text, pos, length);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[static_cast<std::size_t>(index)];
    std::size_t start = pos;
    std::size_t stop = pos + length;
    pos = stop;  // matches never overlap, even when rstrip extends one
    if (token.single_word) {
      const bool word_before = start > 0 && is_word_char(last_char(text.substr(0, start)));
      std::size_t after = stop;
      const bool word_after = stop < text.size() && is_word_char(text::decode_valid(text, after));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) start = std::max(trailing_space_start(text.substr(0, start)), done);
    if (token.rstrip) stop += leading_space_length(text.substr(stop));
    if (done < start) push(done, start, -1);
    push(start, stop, token.id);
    done = stop;
  }
  if (done < text.size()) push(done, text.size(), -1);
}

}  // namespace kompress::tokenizer
