// Scoring units: the words of `str.split()`, with words that contain Han or Kana characters cut
// into one unit per such character (text without spaces would otherwise be a few giant words).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "text/words.h"

namespace kompress::compress {

// text[begin, end), a piece of split.words[word]. Units of one word are rejoined without spaces.
struct Unit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t word = 0;
};

// True for the characters scored one at a time: Han ideographs, Hiragana, Katakana, Bopomofo,
// CJK symbols and punctuation, and full-width forms.
bool is_cjk_unit_char(char32_t cp) noexcept;

// The units of `text` (valid UTF-8). Without `split_cjk`, one unit per word. With it, a word
// containing Han/Kana becomes: one unit per Han/Kana character (combining marks that follow
// stay with it) and one unit per maximal run of other characters ("Python是" -> "Python", "是").
std::vector<Unit> make_units(std::string_view text, const text::SplitText& split, bool split_cjk);

}  // namespace kompress::compress
