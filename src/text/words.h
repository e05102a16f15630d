// Whitespace words exactly as Python's `str.split()` finds them, with byte offsets, and the
// line structure that output layout needs to rebuild lines and indentation.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace kompress::text {

// Python's `str.isspace()` for one code point: \t \n \v \f \r, \x1c-\x1f, space, \x85, \xa0,
// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool is_python_space(char32_t cp) noexcept;

// Line boundaries of Python's `str.splitlines()`: \n \r \v \f \x1c \x1d \x1e \x85 U+2028
// U+2029 (\r\n counts as one boundary).
bool is_line_break(char32_t cp) noexcept;

// One line: text[begin, end) is its content, text[end, next) its terminator (empty for the
// last line when the text does not end with one).
struct Line {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t next = 0;
};

// One word: text[begin, end), on lines[line]; first_on_line when no word precedes it on its
// line, so text[lines[line].begin, begin) is the line's indentation.
struct Word {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t line = 0;
  bool first_on_line = false;
};

struct SplitText {
  std::vector<Word> words;
  std::vector<Line> lines;
};

// Splits valid UTF-8 `text` (check it first) like `text.split()`: runs of Python whitespace
// separate words; leading and trailing whitespace yield no empty words.
SplitText split_words(std::string_view text);

}  // namespace kompress::text
