// What only the SQLite backend promises: persistence, file modes, several processes, clear
// errors for files that are not databases.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "ccr/store_backends.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress {
namespace {

using testing::entry;
using testing::TempDir;

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

TEST(SqliteStore, EntriesSurviveReopening) {
  TempDir dir;
  const std::string path = (dir.path() / "ccr.sqlite3").string();
  std::string key;
  {
    auto store = ccr::open_sqlite_store(path);
    key = store->put(entry("persisted"));
    store->get(key);
  }
  auto again = ccr::open_sqlite_store(path);
  ccr::Lookup hit = again->get(key);
  ASSERT_EQ(hit.status, ccr::Status::kOk);
  EXPECT_EQ(hit.entry.original, "persisted");
  EXPECT_EQ(hit.entry.retrieval_count, 2);
  EXPECT_EQ(again->describe(), "sqlite:" + path);
}

TEST(SqliteStore, CreatesPrivateFolderAndFile) {
  TempDir dir;
  const auto folder = dir.path() / "nested" / "kompress";
  const auto path = folder / "ccr.sqlite3";
  auto store = ccr::open_sqlite_store(path.string());
  store->put(entry("secret"));
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(mode_of(folder), 0700u);
  // SQLite gives the WAL file the database's mode.
  const auto wal = folder / "ccr.sqlite3-wal";
  if (std::filesystem::exists(wal)) {
    EXPECT_EQ(mode_of(wal), 0600u);
  }
}

TEST(SqliteStore, UsesTheWalJournal) {
  TempDir dir;
  const auto path = dir.path() / "ccr.sqlite3";
  auto store = ccr::open_sqlite_store(path.string());
  store->put(entry("x"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ccr.sqlite3-wal"));
}

TEST(SqliteStore, AFileThatIsNotADatabaseIsAClearError) {
  TempDir dir;
  const auto path = dir.path() / "ccr.sqlite3";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(4096, 'x');
  }
  try {
    ccr::open_sqlite_store(path.string());
    FAIL() << "expected kompress::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("not a database"), std::string::npos) << what;
  }
}

TEST(SqliteStore, AnUncreatablePathIsAClearError) {
  TempDir dir;
  const auto blocker = dir.path() / "file";
  std::ofstream(blocker) << "x";
  EXPECT_THROW(ccr::open_sqlite_store((blocker / "ccr.sqlite3").string()), Error);
}

TEST(SqliteStore, SeveralProcessesShareOneFile) {
  TempDir dir;
  const std::string path = (dir.path() / "ccr.sqlite3").string();
  ccr::open_sqlite_store(path);  // create the schema first
  constexpr int kProcs = 4;
  constexpr int kPuts = 40;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int failures = 0;
      try {
        auto store = ccr::open_sqlite_store(path);
        for (int i = 0; i < kPuts; ++i) {
          const std::string key = store->put(entry(std::to_string(p) + "/" + std::to_string(i)));
          if (store->get(key).status != ccr::Status::kOk) ++failures;
        }
      } catch (...) {
        ++failures;
      }
      std::_Exit(failures == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(ccr::open_sqlite_store(path)->size(), static_cast<std::size_t>(kProcs * kPuts));
}

class DefaultPath : public ::testing::Test {
 protected:
  void SetUp() override {
    save("XDG_DATA_HOME", xdg_);
    save("HOME", home_);
  }
  void TearDown() override {
    restore("XDG_DATA_HOME", xdg_);
    restore("HOME", home_);
  }

 private:
  static void save(const char* name, std::optional<std::string>& slot) {
    if (const char* v = std::getenv(name)) slot = v;
  }
  static void restore(const char* name, const std::optional<std::string>& slot) {
    if (slot) {
      ::setenv(name, slot->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  std::optional<std::string> xdg_, home_;
};

TEST_F(DefaultPath, PrefersXdgDataHome) {
  ::setenv("XDG_DATA_HOME", "/data/u", 1);
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(ccr::default_sqlite_path(), "/data/u/kompress/ccr.sqlite3");
}

TEST_F(DefaultPath, FallsBackToLocalShareForUnsetOrRelativeXdg) {
  ::setenv("HOME", "/home/u", 1);
  ::unsetenv("XDG_DATA_HOME");
  EXPECT_EQ(ccr::default_sqlite_path(), "/home/u/.local/share/kompress/ccr.sqlite3");
  ::setenv("XDG_DATA_HOME", "relative/dir", 1);
  EXPECT_EQ(ccr::default_sqlite_path(), "/home/u/.local/share/kompress/ccr.sqlite3");
}

TEST_F(DefaultPath, NoHomeIsAnError) {
  ::unsetenv("XDG_DATA_HOME");
  ::unsetenv("HOME");
  EXPECT_THROW(ccr::default_sqlite_path(), Error);
}

}  // namespace
}  // namespace kompress
