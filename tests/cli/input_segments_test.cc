// Cutting inputs into segments at line breaks, and the checks for binary and invalid text.
#include "cli/input_segments.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kompress/error.h"
#include "test_paths.h"

namespace kompress::cli {
namespace {

TEST(SegmentCut, TextThatFitsIsOneSegment) {
  EXPECT_EQ(segment_cut("one\ntwo\n", 8), 8u);
  EXPECT_EQ(segment_cut("", 8), 0u);
}

TEST(SegmentCut, CutsAfterTheLastLineBreakWithinTheLimit) {
  EXPECT_EQ(segment_cut("one\ntwo\nthree\n", 10), 8u);
  EXPECT_EQ(segment_cut("one\rtwo three", 10), 4u) << "a lone CR ends a line too";
  // A CRLF that straddles the limit stays whole.
  EXPECT_EQ(segment_cut("one two\r\nthree", 8), 9u);
}

TEST(SegmentCut, WithoutLineBreaksCutsAfterASpaceThenAtACharacter) {
  EXPECT_EQ(segment_cut("one two three", 9), 8u);
  EXPECT_EQ(segment_cut("one\ttwo three", 5), 4u);
  EXPECT_EQ(segment_cut("abcdefghij", 4), 4u);
  // "é" is two bytes at offsets 3-4: a cut at 4 would split it.
  EXPECT_EQ(segment_cut("abc\xC3\xA9xyz", 4), 3u);
  EXPECT_EQ(segment_cut("\xE6\x97\xA5\xE6\x9C\xAC", 5), 3u);
}

TEST(CheckText, NamesTheFileAndTheOffsetFromTheInputStart) {
  EXPECT_NO_THROW(check_text("fine text \xC3\xA9", "f.txt", 0, false));
  try {
    check_text("ab\xFF", "f.txt", 100, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "f.txt: invalid UTF-8 at byte offset 102 (--lossy replaces bad bytes with "
                 "U+FFFD)");
  }
  EXPECT_NO_THROW(check_text("ab\xFF", "f.txt", 100, true)) << "lossy";
  try {
    check_text(std::string("a\xFF\0b", 4), "f.bin", 10, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "f.bin: binary file (NUL byte at byte offset 12)");
  }
}

class SegmentReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("segments"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& content) {
    const auto p = dir_ / "input.txt";
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p.string();
  }

  std::filesystem::path dir_;
};

TEST_F(SegmentReaderTest, SegmentsCoverTheInputAtLineBreaks) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "line " + std::to_string(i) + " of the input\n";
  text += "last line without a break";
  SegmentReader reader(write(text), 1000, false);
  EXPECT_EQ(reader.size(), text.size());
  std::string joined;
  int segments = 0;
  while (auto s = reader.next()) {
    ++segments;
    EXPECT_LE(s->size(), 1000u);
    EXPECT_FALSE(s->empty());
    joined += *s;
    if (joined.size() < text.size()) {
      EXPECT_EQ(s->back(), '\n');
    }
  }
  EXPECT_EQ(joined, text);
  EXPECT_GT(segments, 10);
}

TEST_F(SegmentReaderTest, AnEmptyInputIsOneEmptySegment) {
  SegmentReader reader(write(""), 1000, false);
  const auto first = reader.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, "");
  EXPECT_FALSE(reader.next().has_value());
}

TEST_F(SegmentReaderTest, OffsetsOfLaterSegmentsCountFromTheStart) {
  std::string text(3000, 'a');
  for (std::size_t i = 99; i < text.size(); i += 100) text[i] = '\n';
  text[2500] = '\xC0';
  SegmentReader reader(write(text), 1000, false);
  EXPECT_NO_THROW(reader.next());
  EXPECT_NO_THROW(reader.next());
  try {
    reader.next();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 2500"), std::string::npos) << e.what();
  }
}

TEST_F(SegmentReaderTest, MissingFilesAndFoldersAreErrors) {
  EXPECT_THROW(SegmentReader((dir_ / "absent.txt").string(), 1000, false), Error);
  try {
    SegmentReader reader(dir_.string(), 1000, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir_.string() + ": is a directory");
  }
}

}  // namespace
}  // namespace kompress::cli
