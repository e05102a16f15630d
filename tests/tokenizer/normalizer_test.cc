#include "tokenizer/normalizer.h"

#include <gtest/gtest.h>

#include <string>

namespace kompress::tokenizer {
namespace {

std::string normalize(const Normalizer& n, std::string_view in) {
  std::string scratch;
  return std::string(n.apply(in, scratch));
}

TEST(Normalizer, IdentityReturnsTheInput) {
  const Normalizer none;
  std::string scratch;
  const std::string_view in = "e\xCC\x81";
  EXPECT_EQ(none.apply(in, scratch).data(), in.data());
}

TEST(Normalizer, NfcComposesAndReorders) {
  const Normalizer nfc({NormalForm::kNFC});
  EXPECT_EQ(normalize(nfc, "e\xCC\x81"), "\xC3\xA9");  // e + U+0301 -> é
  // a + U+0323 (ccc 220) + U+0302 (ccc 230) in either order: ậ
  EXPECT_EQ(normalize(nfc, "a\xCC\x82\xCC\xA3"), "\xE1\xBA\xAD");
  EXPECT_EQ(normalize(nfc, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");  // Hangul jamo
  EXPECT_EQ(normalize(nfc, "\xEF\xAC\x81"), "\xEF\xAC\x81");  // ﬁ stays under NFC
  EXPECT_EQ(normalize(nfc, std::string("a\0b\xC3\xA9", 5)), std::string("a\0b\xC3\xA9", 5));
}

TEST(Normalizer, AsciiAndLatin1NeedNoWorkUnderNfc) {
  const Normalizer nfc({NormalForm::kNFC});
  std::string scratch;
  const std::string_view in = "plain caf\xC3\xA9 \xC7\xBF";
  EXPECT_EQ(nfc.apply(in, scratch).data(), in.data());
}

TEST(Normalizer, OtherFormsAndSequences) {
  EXPECT_EQ(normalize(Normalizer({NormalForm::kNFD}), "\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(normalize(Normalizer({NormalForm::kNFKC}), "\xEF\xAC\x81"), "fi");
  EXPECT_EQ(normalize(Normalizer({NormalForm::kNFKD}), "\xC2\xA0"), " ");
  EXPECT_EQ(normalize(Normalizer({NormalForm::kNFD, NormalForm::kNFC}), "e\xCC\x81"), "\xC3\xA9");
}

}  // namespace
}  // namespace kompress::tokenizer
