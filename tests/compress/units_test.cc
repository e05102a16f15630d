// Scoring units: CJK words are cut per character, other words stay whole.
#include <gtest/gtest.h>

#include "compress/units.h"

namespace kompress {
namespace {

std::vector<std::string> units_of(std::string_view s, bool split_cjk = true) {
  const auto split = text::split_words(s);
  std::vector<std::string> out;
  for (const auto& u : compress::make_units(s, split, split_cjk)) {
    out.emplace_back(s.substr(u.begin, u.end - u.begin));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Units, NonCjkWordsAreOneUnit) {
  EXPECT_EQ(units_of("hello world caf\xC3\xA9"), (V{"hello", "world", "caf\xC3\xA9"}));
}

TEST(Units, HanAndKanaAreOneUnitPerCharacter) {
  // 使用Python3编程。 -> 使, 用, Python3, 编, 程, 。
  EXPECT_EQ(units_of("\xE4\xBD\xBF\xE7\x94\xA8Python3\xE7\xBC\x96\xE7\xA8\x8B\xE3\x80\x82"),
            (V{"\xE4\xBD\xBF", "\xE7\x94\xA8", "Python3", "\xE7\xBC\x96", "\xE7\xA8\x8B",
               "\xE3\x80\x82"}));
  // カタカナ
  EXPECT_EQ(units_of("\xE3\x82\xAB\xE3\x82\xBF").size(), 2u);
}

TEST(Units, CombiningMarksStayWithTheirCharacter) {
  // か + combining dakuten (U+3099) is one unit.
  EXPECT_EQ(units_of("\xE3\x81\x8B\xE3\x82\x99\xE3\x81\x8B"),
            (V{"\xE3\x81\x8B\xE3\x82\x99", "\xE3\x81\x8B"}));
}

TEST(Units, SplittingCanBeSwitchedOff) {
  EXPECT_EQ(units_of("\xE4\xBD\xBF\xE7\x94\xA8 x", false), (V{"\xE4\xBD\xBF\xE7\x94\xA8", "x"}));
}

TEST(Units, HangulUsesSpacesAndIsNotSplit) {
  EXPECT_EQ(units_of("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4").size(), 1u);
}

}  // namespace
}  // namespace kompress
