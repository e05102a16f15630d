#include "tokenizer/byte_level.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "test_paths.h"
#include "text/utf8.h"

namespace kompress::tokenizer {
namespace {

std::vector<std::string> split(std::string_view text, bool use_regex = true) {
  ByteLevelPreTokenizer pre(false, use_regex);
  std::vector<Span> spans;
  pre.split(text, spans);
  std::vector<std::string> out;
  for (const Span& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using Pieces = std::vector<std::string>;

TEST(ByteLevel, ByteToUnicodeIsGpt2s) {
  const auto& table = byte_to_unicode();
  EXPECT_EQ(table['a'], U'a');
  EXPECT_EQ(table['!'], U'!');
  EXPECT_EQ(table[0xE9], U'\u00E9');
  EXPECT_EQ(table[0x00], U'\u0100');
  EXPECT_EQ(table[' '], U'\u0120');   // Ġ
  EXPECT_EQ(table['\n'], U'\u010A');  // Ċ
  EXPECT_EQ(table[0xAD], U'\u0143');  // the last of the remapped bytes
  EXPECT_EQ(byte_level_encode(" world"), "\xC4\xA0world");
}

TEST(ByteLevel, DecodeInvertsEncode) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(byte_level_decode(byte_level_encode(all)), all);
  EXPECT_EQ(byte_level_decode("\xC4\xA0world"), " world");
  EXPECT_FALSE(byte_level_decode("\xE2\x82\xAC"));  // U+20AC is not in the alphabet
  EXPECT_FALSE(byte_level_decode("\xFF"));          // not UTF-8
}

TEST(ByteLevel, SplitsLikeGpt2) {
  EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(split("I'm don't THEY'RE"), (Pieces{"I", "'m", " don", "'t", " THEY", "'", "RE"}));
  EXPECT_EQ(split("abc123 456!!"), (Pieces{"abc", "123", " 456", "!!"}));
  // Whitespace before a word leaves its last space to the word.
  EXPECT_EQ(split("a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(split("a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(split("end   "), (Pieces{"end", "   "}));
  EXPECT_EQ(split("x\r\n\r\ny"), (Pieces{"x", "\r\n\r", "\n", "y"}));
  EXPECT_EQ(split(""), Pieces{});
  EXPECT_EQ(split("no regex here", false), Pieces{"no regex here"});
}

TEST(ByteLevel, WhitespaceIsUnicodeWhiteSpace) {
  // U+3000 IDEOGRAPHIC SPACE and U+0085 NEL are White_Space; U+180E and U+200B are not.
  EXPECT_EQ(split("a\xE3\x80\x80"
                  "b"),
            (Pieces{"a", "\xE3\x80\x80", "b"}));
  EXPECT_EQ(split("a\xC2\x85"
                  "b"),
            (Pieces{"a", "\xC2\x85", "b"}));
  EXPECT_EQ(split("\xE1\xA0\x8E\xE1\xA0\x8Ex"), (Pieces{"\xE1\xA0\x8E\xE1\xA0\x8E", "x"}));
  EXPECT_EQ(split("a\xE2\x80\x8B"
                  "b"),
            (Pieces{"a", "\xE2\x80\x8B", "b"}));
}

TEST(ByteLevel, KnowsLettersNewerThanPcre2sTables) {
  // U+16D40 KIRAT RAI SIGN ANUSVARA (Unicode 16, Lm) and U+1E4F0 NAG MUNDARI DIGIT ZERO
  // (Unicode 15, Nd): Hugging Face's Oniguruma classes them, so must we.
  EXPECT_EQ(split("ab\xF0\x96\xB5\x80"), (Pieces{"ab\xF0\x96\xB5\x80"}));
  EXPECT_EQ(split("1\xF0\x9E\x93\xB0"), (Pieces{"1\xF0\x9E\x93\xB0"}));
}

// Every code point is classed as Hugging Face classes it (letter, number, whitespace, other):
// tests/data/tokenizer/oracle_pretokenizer_classes.txt comes from
// tools/reference/tokenizer/sweep_unicode_classes.mjs with the same probe.
TEST(ByteLevel, ClassesEveryCodePointLikeTheOracle) {
  std::ifstream in(kompress::testing::test_data("tokenizer/oracle_pretokenizer_classes.txt"));
  ASSERT_TRUE(in) << "missing oracle_pretokenizer_classes.txt";
  std::vector<std::pair<char32_t, char>> runs;
  std::string hex;
  char cls = 0;
  while (in >> hex >> cls)
    runs.emplace_back(static_cast<char32_t>(std::stoul(hex, nullptr, 16)), cls);
  ASSERT_GT(runs.size(), 1000u);

  const ByteLevelPreTokenizer pre(false, true);
  std::vector<Span> spans;
  std::size_t mismatches = 0;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const char32_t end = r + 1 < runs.size() ? runs[r + 1].first : 0x110000;
    if (runs[r].second == '-') continue;
    for (char32_t c = runs[r].first; c < end; ++c) {
      std::string probe = "x";
      text::append_utf8(probe, c);
      text::append_utf8(probe, c);
      probe += "1";
      spans.clear();
      pre.split(probe, spans);
      const char got = spans.size() == 4   ? 'S'
                       : spans.size() == 3 ? 'O'
                       : spans[0].end == 1 ? 'N'
                                           : 'L';
      if (got != runs[r].second && ++mismatches <= 10) {
        ADD_FAILURE() << "U+" << std::hex << static_cast<uint32_t>(c) << ": oracle class "
                      << runs[r].second << ", kompress " << got;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

}  // namespace
}  // namespace kompress::tokenizer
