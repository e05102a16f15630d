#include "tokenizer/added_vocabulary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kompress::tokenizer {
namespace {

AddedToken token(std::string content, int32_t id, bool normalized = false) {
  AddedToken t;
  t.content = std::move(content);
  t.id = id;
  t.normalized = normalized;
  return t;
}

// "text|id" per segment, id -1 for plain text.
std::vector<std::string> segments(const AddedVocabulary& v, std::string_view text,
                                  bool normalized = false) {
  std::vector<Segment> out;
  v.split(text, normalized, out);
  std::vector<std::string> result;
  for (const Segment& s : out) {
    result.push_back(std::string(text.substr(s.span.begin, s.span.end - s.span.begin)) + "|" +
                     std::to_string(s.id));
  }
  return result;
}

using Segs = std::vector<std::string>;

TEST(AddedVocabulary, LongestMatchFirstAndLeftmostWins) {
  const AddedVocabulary v({token("  ", 1), token("   ", 2), token("ab", 3), token("abc", 4)},
                          Normalizer());
  EXPECT_EQ(segments(v, "x     y"), (Segs{"x|-1", "   |2", "  |1", "y|-1"}));
  EXPECT_EQ(segments(v, "abcab"), (Segs{"abc|4", "ab|3"}));
  EXPECT_EQ(segments(v, "none"), (Segs{"none|-1"}));
  EXPECT_EQ(segments(v, ""), Segs{});
}

TEST(AddedVocabulary, RawAndNormalizedSetsAreSeparate) {
  const Normalizer nfc({NormalForm::kNFC});
  // The normalized token is stored in NFC: "é" spelled e + U+0301 still matches "é".
  const AddedVocabulary v({token("[CLS]", 1), token("e\xCC\x81t\xC3\xA9", 2, true)}, nfc);
  EXPECT_EQ(segments(v, "a[CLS]\xC3\xA9t\xC3\xA9"),
            (Segs{"a|-1", "[CLS]|1", "\xC3\xA9t\xC3\xA9|-1"}));
  EXPECT_EQ(segments(v, "a[CLS]\xC3\xA9t\xC3\xA9", true),
            (Segs{"a[CLS]|-1", "\xC3\xA9t\xC3\xA9|2"}));
}

TEST(AddedVocabulary, StripsWhitespaceAroundTokens) {
  AddedToken mask = token("[MASK]", 7);
  mask.lstrip = true;
  AddedToken sep = token("<sep>", 8);
  sep.rstrip = true;
  const AddedVocabulary v({mask, sep}, Normalizer());
  // U+00A0 and U+3000 are White_Space too.
  EXPECT_EQ(segments(v, "a \xC2\xA0[MASK] b"), (Segs{"a|-1", " \xC2\xA0[MASK]|7", " b|-1"}));
  EXPECT_EQ(segments(v, "a<sep>\xE3\x80\x80 b"), (Segs{"a|-1", "<sep>\xE3\x80\x80 |8", "b|-1"}));
  // lstrip never reaches into the previous token.
  EXPECT_EQ(segments(v, "<sep>  [MASK]"), (Segs{"<sep>  |8", "[MASK]|7"}));
}

TEST(AddedVocabulary, SingleWordTokensOnlyMatchWholeWords) {
  AddedToken word = token("word", 5);
  word.single_word = true;
  const AddedVocabulary v({word}, Normalizer());
  EXPECT_EQ(segments(v, "word words sword word."),
            (Segs{"word|5", " words sword |-1", "word|5", ".|-1"}));
  EXPECT_EQ(segments(v, "\xC3\xA9word"), (Segs{"\xC3\xA9word|-1"}));
}

}  // namespace
}  // namespace kompress::tokenizer
