#include "compress/layout.h"

namespace kompress::compress {
namespace {

std::string_view slice(std::string_view text, std::size_t begin, std::size_t end) {
  return text.substr(begin, end - begin);
}

// The indentation to emit before `u`, when it starts a word that starts its line.
std::string_view indentation(std::string_view text, const text::SplitText& split, const Unit& u) {
  const text::Word& w = split.words[u.word];
  if (u.begin != w.begin || !w.first_on_line) return {};
  return slice(text, split.lines[w.line].begin, w.begin);
}

}  // namespace

std::string join_units(std::string_view text, const text::SplitText& split,
                       std::span<const Unit> units, const std::vector<bool>& kept, Join join) {
  std::string out;
  const Unit* prev = nullptr;
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (!kept[i]) continue;
    const Unit& u = units[i];
    if (prev == nullptr) {
      if (join == Join::kLayout) out += indentation(text, split, u);
    } else if (prev->word != u.word) {
      const std::size_t prev_line = split.words[prev->word].line;
      if (join == Join::kSpace || prev_line == split.words[u.word].line) {
        out += ' ';
      } else {
        const text::Line& line = split.lines[prev_line];
        out += slice(text, line.end, line.next);
        out += indentation(text, split, u);
      }
    }
    out += slice(text, u.begin, u.end);
    prev = &u;
  }
  return out;
}

}  // namespace kompress::compress
