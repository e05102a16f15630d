// Paths the tests read, and skipping when ../shared is absent.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace kompress::testing {

inline std::filesystem::path test_data(const std::string& rel) {
  return std::filesystem::path(KOMPRESS_TEST_DATA_DIR) / rel;
}

inline std::filesystem::path shared_dir() { return std::filesystem::path(KOMPRESS_SHARED_DIR); }

// ../shared/models/modernbert-base, or empty when the shared folder is absent.
inline std::filesystem::path modernbert_dir() {
  auto dir = shared_dir() / "models" / "modernbert-base";
  return std::filesystem::exists(dir / "tokenizer.json") ? dir : std::filesystem::path{};
}

// A fresh directory under the test temp dir, unique per name and process; callers remove it.
inline std::filesystem::path make_temp_dir(const std::string& name) {
  auto dir = std::filesystem::path(::testing::TempDir()) /
             ("kompress_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace kompress::testing

// Skips the current test when ../shared/models/modernbert-base is missing.
#define KOMPRESS_REQUIRE_MODERNBERT(dir_var)                                                \
  const std::filesystem::path dir_var = ::kompress::testing::modernbert_dir();              \
  if (dir_var.empty()) {                                                                    \
    GTEST_SKIP() << "../shared/models/modernbert-base is absent (set KOMPRESS_SHARED_DIR)"; \
  }
