// The progress bar draws only for many chunks and when enabled (stderr a terminal), and
// erases itself.
#include "cli/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "test_fixtures.h"

namespace kompress::cli {
namespace {

TEST(ProgressBar, DrawsForManyChunksAndErasesItself) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar(1000, f, true);
    bar.begin_batch(1000);
    bar.update(0, ProgressBar::kMinChunks - 1);
    EXPECT_EQ(testing::file_contents(f), "") << "few chunks: no bar";
    bar.update(0, 2 * ProgressBar::kMinChunks);
    const std::string drawn = testing::file_contents(f);
    EXPECT_NE(drawn.find("kompress: [------------------------------] 0%"), std::string::npos)
        << drawn;
  }
  const std::string all = testing::file_contents(f);
  EXPECT_EQ(all.substr(all.size() - 4), "\r\033[K") << "erased at the end";
  std::fclose(f);
}

TEST(ProgressBar, CountsTheRunningCallInProportion) {
  std::FILE* f = std::tmpfile();
  {
    ProgressBar bar(2000, f, true);
    bar.begin_batch(1000);
    bar.update(100, 100);
    bar.end_batch();
    bar.clear();
    bar.begin_batch(1000);
    bar.update(50, 100);  // half of the second half
    const std::string drawn = testing::file_contents(f);
    EXPECT_NE(drawn.find("75%"), std::string::npos) << drawn;
    EXPECT_NE(drawn.find("150 chunks"), std::string::npos) << drawn;
  }
  std::fclose(f);
}

TEST(ProgressBar, DisabledDrawsNothing) {
  std::FILE* f = std::tmpfile();
  {
    ProgressBar bar(0, f, false);
    bar.begin_batch(10);
    bar.update(500, 1000);
    bar.end_batch();
  }
  EXPECT_EQ(testing::file_contents(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace kompress::cli
