// Download progress: one line per file with the bar and the megabytes, erased when done.
#include "cli/download_progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "test_fixtures.h"

namespace kompress::cli {
namespace {

TEST(DownloadProgress, DrawsTheFileTheBarAndTheMegabytes) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    DownloadProgress progress(f, true);
    const hub::ProgressFn report = progress.callback();
    EXPECT_TRUE(report({"acme/tiny", "model.safetensors", 150'000'000, 300'000'000}));
    EXPECT_EQ(testing::file_contents(f),
              "\rkompress: acme/tiny model.safetensors [###############---------------] 50%  "
              "150.0 of 300.0 MB\033[K");
  }
  const std::string all = testing::file_contents(f);
  EXPECT_EQ(all.substr(all.size() - 4), "\r\033[K") << "erased at the end";
  std::fclose(f);
}

TEST(DownloadProgress, DisabledDrawsNothingAndNeverStops) {
  std::FILE* f = std::tmpfile();
  {
    DownloadProgress progress(f, false);
    EXPECT_TRUE(progress.callback()({"acme/tiny", "config.json", 0, 0}));
  }
  EXPECT_EQ(testing::file_contents(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace kompress::cli
