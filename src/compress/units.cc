#include "compress/units.h"

#include <utf8proc.h>

#include "text/utf8.h"

namespace kompress::compress {

bool is_cjk_unit_char(char32_t cp) noexcept {
  return (cp >= 0x3001 && cp <= 0x303F) ||  // CJK symbols and punctuation (not U+3000)
         (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
         (cp >= 0x3100 && cp <= 0x312F) ||  // Bopomofo
         (cp >= 0x31F0 && cp <= 0x31FF) ||  // Katakana phonetic extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK compatibility ideographs
         (cp >= 0xFF01 && cp <= 0xFF9F) ||  // full-width forms, half-width Katakana
         (cp >= 0x20000 && cp <= 0x3134F);  // CJK extensions B-G
}

namespace {

// Marks and joiners never start a unit: they belong to the character before them.
bool continues_previous(char32_t cp) {
  if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF)) {
    return true;
  }
  const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

void split_word(std::string_view text, const text::Word& w, std::size_t index,
                std::vector<Unit>& out) {
  const std::size_t first = out.size();
  bool prev_cjk = false;
  std::size_t pos = w.begin;
  while (pos < w.end) {
    const std::size_t start = pos;
    const char32_t cp = text::decode_valid(text, pos);
    const bool cjk = is_cjk_unit_char(cp);
    const bool extend = out.size() > first && (continues_previous(cp) || (!cjk && !prev_cjk));
    if (extend) {
      out.back().end = pos;
      continue;  // a mark keeps the kind of the character it follows
    }
    out.push_back({start, pos, index});
    prev_cjk = cjk;
  }
}

bool has_cjk(std::string_view text, const text::Word& w) {
  std::size_t pos = w.begin;
  while (pos < w.end) {
    if (is_cjk_unit_char(text::decode_valid(text, pos))) return true;
  }
  return false;
}

}  // namespace

std::vector<Unit> make_units(std::string_view text, const text::SplitText& split, bool split_cjk) {
  std::vector<Unit> units;
  units.reserve(split.words.size());
  for (std::size_t i = 0; i < split.words.size(); ++i) {
    const text::Word& w = split.words[i];
    if (split_cjk && has_cjk(text, w)) {
      split_word(text, w, i, units);
    } else {
      units.push_back({w.begin, w.end, i});
    }
  }
  return units;
}

}  // namespace kompress::compress
