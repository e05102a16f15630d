// text::split_words must agree with Python's str.split() and find lines and indentation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/words.h"

namespace kompress {
namespace {

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  for (const auto& w : text::split_words(s).words)
    out.emplace_back(s.substr(w.begin, w.end - w.begin));
  return out;
}

using V = std::vector<std::string>;

TEST(SplitWords, RunsOfWhitespaceSeparateAndEndsAreIgnored) {
  EXPECT_EQ(words_of("  a  b\t\tc \n"), (V{"a", "b", "c"}));
  EXPECT_EQ(words_of(""), V{});
  EXPECT_EQ(words_of(" \t\r\n "), V{});
  EXPECT_EQ(words_of("one"), V{"one"});
}

TEST(SplitWords, PythonIsspaceSet) {
  // Every code point str.isspace() accepts separates words.
  const std::vector<std::string> spaces = {
      "\t",           "\n",           "\v",           "\f",           "\r",
      "\x1c",         "\x1d",         "\x1e",         "\x1f",         " ",
      "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x8A",
      "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80"};
  for (const std::string& sp : spaces) {
    EXPECT_EQ(words_of("a" + sp + "b"), (V{"a", "b"})) << "separator bytes " << sp.size();
  }
  // ... and these do not: zero-width space, word joiner, BOM, U+180E (not space since 6.3).
  for (const char* other : {"\xE2\x80\x8B", "\xE2\x81\xA0", "\xEF\xBB\xBF", "\xE1\xA0\x8E"}) {
    EXPECT_EQ(words_of(std::string("a") + other + "b").size(), 1u);
  }
}

TEST(SplitWords, OffsetsPointIntoTheText) {
  const std::string s = "  h\xC3\xA9llo\xE3\x80\x80w";
  const auto split = text::split_words(s);
  ASSERT_EQ(split.words.size(), 2u);
  EXPECT_EQ(split.words[0].begin, 2u);
  EXPECT_EQ(split.words[0].end, 8u);
  EXPECT_EQ(split.words[1].begin, 11u);
}

TEST(SplitWords, LinesAndFirstWords) {
  const std::string s = "a b\r\n  c\n\n\td e\n";
  const auto split = text::split_words(s);
  ASSERT_EQ(split.words.size(), 5u);
  ASSERT_EQ(split.lines.size(), 5u);  // "a b", "  c", "", "\td e", ""
  EXPECT_EQ(s.substr(split.lines[0].end, split.lines[0].next - split.lines[0].end), "\r\n");
  EXPECT_EQ(split.words[0].line, 0u);
  EXPECT_TRUE(split.words[0].first_on_line);
  EXPECT_FALSE(split.words[1].first_on_line);
  EXPECT_EQ(split.words[2].line, 1u);
  EXPECT_TRUE(split.words[2].first_on_line);
  EXPECT_EQ(split.lines[1].begin, 5u);
  EXPECT_EQ(split.words[3].line, 3u);
  EXPECT_EQ(s.substr(split.lines[3].begin, split.words[3].begin - split.lines[3].begin), "\t");
  EXPECT_FALSE(split.words[4].first_on_line);
}

TEST(SplitWords, LoneCarriageReturnAndUnicodeSeparatorsEndLines) {
  const auto split = text::split_words(
      "a\rb\xE2\x80\xA8"
      "c\x0b"
      "d");
  ASSERT_EQ(split.words.size(), 4u);
  EXPECT_EQ(split.words[1].line, 1u);
  EXPECT_EQ(split.words[2].line, 2u);
  EXPECT_EQ(split.words[3].line, 3u);
}

}  // namespace
}  // namespace kompress
