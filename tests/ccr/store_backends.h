// The backends the shared CCR suite runs against, each with a controllable clock. A backend
// that needs something this machine may lack has unavailable(): the reason to skip, or empty.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "ccr/redis_server.h"
#include "kompress/ccr.h"

namespace kompress::testing {

// An entry to store: its original and compressed text, the counts left at their defaults.
inline ccr::Entry entry(const std::string& original, const std::string& compressed = "c") {
  ccr::Entry e;
  e.original = original;
  e.compressed = compressed;
  return e;
}

// A unique empty folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("kompress-ccr-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A clock the test moves by hand, shared with the store through StoreOptions::clock.
struct FakeClock {
  std::shared_ptr<double> t = std::make_shared<double>(1'700'000'000.0);
  void advance(double seconds) const { *t += seconds; }
  std::function<double()> fn() const {
    auto p = t;
    return [p] { return *p; };
  }
};

struct MemoryBackend {
  static std::unique_ptr<ccr::Store> make(const TempDir&, const ccr::StoreOptions& options) {
    return ccr::make_memory_store(options);
  }
};

struct SqliteBackend {
  static std::unique_ptr<ccr::Store> make(const TempDir& dir, const ccr::StoreOptions& options) {
    return ccr::open_sqlite_store((dir.path() / "ccr.sqlite3").string(), options);
  }
};

// The shared redis-server, each test under its own prefix (the TempDir's unique name).
struct RedisBackend {
  static std::string unavailable() { return RedisServer::unavailable(); }
  static std::unique_ptr<ccr::Store> make(const TempDir& dir, const ccr::StoreOptions& options) {
    return ccr::open_redis_store(
        RedisServer::shared().options(dir.path().filename().string() + ":"), options);
  }
};

}  // namespace kompress::testing
