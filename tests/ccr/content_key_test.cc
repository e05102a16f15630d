#include <gtest/gtest.h>

#include "kompress/ccr.h"

namespace kompress {
namespace {

TEST(ContentKey, IsTheFirst24HexDigitsOfSha256) {
  // sha256("") and sha256("abc") from FIPS 180-2.
  EXPECT_EQ(ccr::content_key(""), "e3b0c44298fc1c149afbf4c8");
  EXPECT_EQ(ccr::content_key("abc"), "ba7816bf8f01cfea414140de");
  EXPECT_EQ(ccr::content_key("abc").size(), ccr::kKeyLength);
}

TEST(ContentKey, NormalizeAcceptsOnlyKeyShapedStrings) {
  EXPECT_EQ(ccr::normalize_key("BA7816BF8F01CFEA414140DE").value_or(""),
            "ba7816bf8f01cfea414140de");
  EXPECT_EQ(ccr::normalize_key("ba7816bf8f01cfea414140d").value_or(""), "");
  EXPECT_EQ(ccr::normalize_key("ga7816bf8f01cfea414140de").value_or(""), "");
}

}  // namespace
}  // namespace kompress
