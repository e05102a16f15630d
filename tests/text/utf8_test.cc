#include "text/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace kompress::text {
namespace {

using namespace std::string_literals;

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_FALSE(find_invalid_utf8(""));
  EXPECT_FALSE(find_invalid_utf8("plain ASCII, longer than eight bytes"));
  EXPECT_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(find_invalid_utf8("\x00 nul inside"s));
  EXPECT_FALSE(find_invalid_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF"));  // U+FFFF, U+10FFFF
}

TEST(Utf8, ReportsTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("abc\xFF"), 3u);
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);                   // lone continuation
  EXPECT_EQ(find_invalid_utf8("ok \xC3"), 3u);                // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\xC3\x28"), 0u);               // bad continuation
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);               // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);           // overlong, 3 bytes
  EXPECT_EQ(find_invalid_utf8("\xF0\x80\x80\xAF"), 0u);       // overlong, 4 bytes
  EXPECT_EQ(find_invalid_utf8("a\xED\xA0\x80"), 1u);          // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);       // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xF8\x88\x80\x80\x80"), 0u);   // 5-byte form
  EXPECT_EQ(find_invalid_utf8("0123456789abcdef\xFE"), 16u);  // after the ASCII fast path
}

TEST(Utf8, DecodesAndEncodes) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  std::size_t pos = 0;
  EXPECT_EQ(decode_valid(s, pos), U'a');
  EXPECT_EQ(decode_valid(s, pos), U'\u00E9');
  EXPECT_EQ(decode_valid(s, pos), U'\u20AC');
  EXPECT_EQ(decode_valid(s, pos), U'\U0001F600');
  EXPECT_EQ(pos, s.size());

  std::string out;
  for (char32_t c : {U'a', U'\u00E9', U'\u20AC', U'\U0001F600'}) append_utf8(out, c);
  EXPECT_EQ(out, s);
  out.clear();
  append_utf8(out, 0xD800);
  EXPECT_EQ(out, "\xEF\xBF\xBD");
}

TEST(Utf8, LenientDecodingReplacesBadBytes) {
  const std::string s =
      "\xFF"
      "a\xC3";
  std::size_t pos = 0;
  EXPECT_EQ(decode_lenient(s, pos), kReplacementChar);
  EXPECT_EQ(decode_lenient(s, pos), U'a');
  EXPECT_EQ(decode_lenient(s, pos), kReplacementChar);
  EXPECT_EQ(pos, s.size());
}

TEST(Utf8, IsAscii) {
  EXPECT_TRUE(is_ascii("hello world, this is long"));
  EXPECT_FALSE(is_ascii("hello world, this is long\xC3\xA9"));
  EXPECT_FALSE(is_ascii("\x80"));
}

TEST(Utf8, ReplacesLoneSurrogateEscapes) {
  EXPECT_EQ(replace_lone_surrogate_escapes(R"({"text": "x\ud800y"})"), R"({"text": "x\ufffdy"})");
  EXPECT_EQ(replace_lone_surrogate_escapes(R"(["\uDC00\uD800"])"), R"(["\ufffd\ufffd"])");
  EXPECT_EQ(replace_lone_surrogate_escapes(R"(["\ud83d\ude00"])"), R"(["\ud83d\ude00"])");
  EXPECT_EQ(replace_lone_surrogate_escapes(R"(["\ud83d"])"), R"(["\ufffd"])");
  // An escaped backslash followed by "ud800" is text, not an escape.
  EXPECT_EQ(replace_lone_surrogate_escapes(R"(["\\ud800"])"), R"(["\\ud800"])");
  // Outside strings nothing changes; truncated escapes are left for the parser to reject.
  EXPECT_EQ(replace_lone_surrogate_escapes(R"({"a": 1} \ud800)"), R"({"a": 1} \ud800)");
  EXPECT_EQ(replace_lone_surrogate_escapes(R"(["\ud8)"), R"(["\ud8)");
}

}  // namespace
}  // namespace kompress::text
