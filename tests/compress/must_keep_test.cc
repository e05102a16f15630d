// The must-keep patterns, with Python `re` semantics.
#include <gtest/gtest.h>

#include "kompress/error.h"
#include "text/must_keep.h"

namespace kompress {
namespace {

class MustKeepDefaults : public ::testing::TestWithParam<std::pair<const char*, bool>> {};

TEST_P(MustKeepDefaults, MatchesLikeTheReference) {
  const auto [word, expected] = GetParam();
  EXPECT_EQ(text::MustKeep::defaults().matches(word), expected) << word;
}

INSTANTIATE_TEST_SUITE_P(
    Words, MustKeepDefaults,
    ::testing::Values(
        // Kept: one example per class.
        std::pair{"0x7fff2038", true}, std::pair{"SIGILL", true},
        std::pair{"libsystem_kernel.dylib", true}, std::pair{"/usr/lib/python3", true},
        std::pair{"model.py", true}, std::pair{"--verbose", true}, std::pair{"-n", true},
        std::pair{"IndexError", true}, std::pair{"42", true}, std::pair{"3.14", true},
        std::pair{"(42)", true}, std::pair{"EXC_BAD_INSTRUCTION", true}, std::pair{"not", true},
        std::pair{"or", true}, std::pair{"NOT", true}, std::pair{"Never", true},
        std::pair{"can't", true}, std::pair{"without,", true}, std::pair{"and", true},
        std::pair{"XOR", true}, std::pair{"mandatory.", true},
        // Unicode-aware \d, as Python's: Arabic-Indic digits are a standalone number.
        std::pair{"\xD9\xA3\xD9\xA4", true},
        // Not forced.
        std::pair{"the", false}, std::pair{"process", false}, std::pair{"raised", false},
        std::pair{"word0", false}, std::pair{"v1.2.3x", true}, std::pair{"notable", false},
        std::pair{"order", false}, std::pair{"Hello", false}, std::pair{"A", false},
        std::pair{"x42", false}, std::pair{"42abc", false},
        // Unicode \w: a letter before "or" is a word character, so no \b inside.
        std::pair{"\xC3\xA9or", false},
        std::pair{"\xC3\xA9\xC3\xA9"
                  "42",
                  false}));

TEST(MustKeep, CustomPatternsReplaceTheDefaults) {
  const std::vector<std::string> patterns = {R"(^foo\d$)", "(?i:bar)"};
  text::MustKeep mk(patterns);
  EXPECT_TRUE(mk.matches("foo7"));
  EXPECT_TRUE(mk.matches("xBARx"));
  EXPECT_FALSE(mk.matches("SIGILL"));
  EXPECT_FALSE(mk.matches("foo77"));
}

TEST(MustKeep, AnEmptySetMatchesNothing) {
  text::MustKeep mk(std::span<const std::string>{});
  EXPECT_FALSE(mk.matches("SIGILL"));
}

TEST(MustKeep, ABadPatternNamesItself) {
  const std::vector<std::string> patterns = {"ok", "(unclosed"};
  try {
    text::MustKeep mk(patterns);
    FAIL() << "expected kompress::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kompress
