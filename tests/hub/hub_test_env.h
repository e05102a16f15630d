// A fixture for hub tests: a fake hub serving acme/tiny (a small config.json kept in git, LFS
// weights, a nested LFS file), an empty cache folder, and options that point at both.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>

#include "fake_hub.h"
#include "kompress/error.h"
#include "kompress/hub.h"
#include "test_paths.h"

namespace kompress::testing {

// `n` bytes of seeded noise.
inline std::string noise(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xFF);
  return s;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// The kompress::Error message of `f`, "" when it throws none.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Sets an environment variable for a scope, restoring the old value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = make_temp_dir(std::string("hub_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    repo_.commit = FakeHub::commit_id("acme/tiny 1");
    repo_.files["config.json"] = {"{\"hidden_size\": 64}\n", false};
    repo_.files["model.safetensors"] = {noise(300'000, 1), true};
    repo_.files["onnx/model.onnx"] = {noise(5'000, 2), true};
    hub_.add_repo("acme/tiny", repo_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path cache() const { return root_ / "hub"; }
  std::filesystem::path repo_folder(const std::string& name = "models--acme--tiny") const {
    return cache() / name;
  }
  std::string etag(const std::string& file) const { return FakeHub::etag_of(repo_.files.at(file)); }

  hub::Options options() const {
    hub::Options o;
    o.endpoint = hub_.endpoint();
    o.cache_dir = cache().string();
    o.connect_timeout_s = 5;
    o.stall_timeout_s = 5;
    return o;
  }

  FakeHub hub_;
  FakeRepo repo_;
  std::filesystem::path root_;
};

}  // namespace kompress::testing
