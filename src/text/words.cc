#include "text/words.h"

#include "text/utf8.h"

namespace kompress::text {

bool is_python_space(char32_t cp) noexcept {
  if (cp <= 0x7F) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_line_break(char32_t cp) noexcept {
  return (cp >= 0x0A && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1E) || cp == 0x85 || cp == 0x2028 ||
         cp == 0x2029;
}

SplitText split_words(std::string_view text) {
  SplitText out;
  Line line;  // the line being scanned
  bool in_word = false;
  bool line_has_word = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const char32_t cp = decode_valid(text, pos);
    if (!is_python_space(cp)) {
      if (!in_word) {
        out.words.push_back({start, start, out.lines.size(), !line_has_word});
        in_word = true;
        line_has_word = true;
      }
      out.words.back().end = pos;
      continue;
    }
    in_word = false;
    if (!is_line_break(cp)) continue;
    if (cp == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
    line.end = start;
    line.next = pos;
    out.lines.push_back(line);
    line = Line{pos, pos, pos};
    line_has_word = false;
  }
  line.end = line.next = text.size();
  out.lines.push_back(line);
  return out;
}

}  // namespace kompress::text
