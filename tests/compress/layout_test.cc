// Rebuilding text from kept units: line layout and the reference's space join.
#include <gtest/gtest.h>

#include "compress/layout.h"

namespace kompress {
namespace {

// Keeps the words of `text` whose index is in `keep`, split_cjk on.
std::string rebuild(std::string_view text, std::vector<std::size_t> keep, Join join) {
  const auto split = text::split_words(text);
  const auto units = compress::make_units(text, split, true);
  std::vector<bool> kept(units.size(), false);
  for (std::size_t i : keep) kept.at(i) = true;
  return compress::join_units(text, split, units, kept, join);
}

TEST(Layout, WordsOfALineJoinWithOneSpace) {
  EXPECT_EQ(rebuild("a  b\t\tc   d", {0, 1, 3}, Join::kLayout), "a b d");
}

TEST(Layout, LineBreaksBetweenKeptWordsStay) {
  EXPECT_EQ(rebuild("a b\nc d\ne f", {0, 3, 4}, Join::kLayout), "a\nd\ne");
}

TEST(Layout, LinesWithoutKeptWordsVanish) {
  EXPECT_EQ(rebuild("a\nb\n\n\nc\n", {0, 2}, Join::kLayout), "a\nc");
}

TEST(Layout, IndentationOfALineWhoseFirstWordIsKeptStays) {
  const std::string text = "def f():\n    return x\n\tif y:\n\t\tpass";
  // words: def f(): return x if y: pass
  EXPECT_EQ(rebuild(text, {0, 2, 3, 4, 6}, Join::kLayout), "def\n    return x\n\tif\n\t\tpass");
  // "return" dropped: "x" is not first on its line, so its line loses the indentation.
  EXPECT_EQ(rebuild(text, {0, 3}, Join::kLayout), "def\nx");
}

TEST(Layout, TheFirstKeptWordKeepsItsIndentation) {
  EXPECT_EQ(rebuild("  \n   a b\n", {0, 1}, Join::kLayout), "   a b");
}

TEST(Layout, CrlfStaysCrlf) {
  EXPECT_EQ(rebuild("a b\r\nc d\r\n", {0, 2, 3}, Join::kLayout), "a\r\nc d");
}

TEST(Layout, TrailingWhitespaceIsDropped) {
  EXPECT_EQ(rebuild("a b   \n  \t", {0, 1}, Join::kLayout), "a b");
}

TEST(Layout, SpaceJoinIsTheReference) {
  EXPECT_EQ(rebuild("  a b\r\n\tc\n\nd  ", {0, 2, 3}, Join::kSpace), "a c d");
}

TEST(Layout, UnitsOfOneWordRejoinWithoutSpaces) {
  // "Python是一种语言" -> units Python, 是, 一, 种, 语, 言
  const std::string text = "Python\xE6\x98\xAF\xE4\xB8\x80\xE7\xA7\x8D\xE8\xAF\xAD\xE8\xA8\x80 ok";
  EXPECT_EQ(rebuild(text, {0, 1, 4, 5, 6}, Join::kSpace),
            "Python\xE6\x98\xAF\xE8\xAF\xAD\xE8\xA8\x80 ok");
  EXPECT_EQ(rebuild(text, {0, 1, 4, 5, 6}, Join::kLayout),
            "Python\xE6\x98\xAF\xE8\xAF\xAD\xE8\xA8\x80 ok");
}

}  // namespace
}  // namespace kompress
