// The embedded CCR backend: one SQLite file per user, shared safely by several processes (WAL
// journal, busy timeout, write transactions taken with BEGIN IMMEDIATE).
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "ccr/eviction.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress::ccr {
namespace {

constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries (
  key TEXT PRIMARY KEY,
  original TEXT NOT NULL,
  compressed TEXT NOT NULL,
  original_tokens INTEGER NOT NULL,
  compressed_tokens INTEGER NOT NULL,
  original_item_count INTEGER NOT NULL,
  compressed_item_count INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  created_at REAL NOT NULL,
  ttl REAL NOT NULL,
  retrieval_count INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_age ON entries (created_at, seq);
CREATE INDEX IF NOT EXISTS entries_seq ON entries (seq);
CREATE INDEX IF NOT EXISTS entries_expiry ON entries (created_at + ttl);
)sql";

// A connection's prepared statements, kept for reuse by SQL text: preparing a statement costs
// more than running the small ones a put or a get runs.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() {
    for (auto& [sql, stmt] : prepared_) sqlite3_finalize(stmt);
  }

  // The statement for `sql`, prepared on first use; null when it does not prepare.
  sqlite3_stmt* get(const std::string& sql) {
    if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return nullptr;
    prepared_.emplace(sql, stmt);
    return stmt;
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> prepared_;
};

// One use of a cached statement: bound, stepped, and reset for the next use when it goes.
class Statement {
 public:
  Statement(sqlite3* db, StatementCache& cache, const std::string& sql, const std::string& where)
      : db_(db), stmt_(cache.get(sql)), where_(where) {
    if (stmt_ == nullptr) fail();
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  void bind(int i, std::string_view text) {
    check(
        sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  }
  void bind(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, double v) { check(sqlite3_bind_double(stmt_, i, v)); }

  // Steps once; true when a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail();
    return false;
  }

  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p == nullptr
               ? std::string()
               : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail();
  }
  [[noreturn]] void fail() { throw Error("ccr store " + where_ + ": " + sqlite3_errmsg(db_)); }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const std::string& where_;
};

// Creates the database file with mode 0600 (and a missing parent folder with 0700), so that
// SQLite, which copies the file's mode onto its -wal and -shm files, never makes them readable
// by others.
void create_private_file(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) throw Error("ccr store " + path + ": cannot create folder: " + ec.message());
    fs::permissions(parent, fs::perms::owner_all, ec);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw Error("ccr store " + path + ": cannot create: " + std::strerror(errno));
  }
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, StoreOptions options)
      : path_(path), options_(std::move(options)) {
    detail::check_options(options_);
    create_private_file(path_);
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw Error("ccr store " + path_ + ": cannot open: " + why);
    }
    statements_ = std::make_unique<StatementCache>(db_);
    try {
      initialize();
    } catch (...) {
      statements_.reset();
      sqlite3_close(db_);
      throw;
    }
  }

  ~SqliteStore() override {
    statements_.reset();  // finalized before the connection closes
    sqlite3_close(db_);
  }

  std::string put(const Entry& entry) override {
    const std::string key = content_key(entry.original);
    std::lock_guard lock(mutex_);
    Transaction tx(*this);
    const double now = detail::now(options_);
    {
      Statement st(db_, *statements_, R"sql(
        INSERT INTO entries (key, original, compressed, original_tokens, compressed_tokens,
                             original_item_count, compressed_item_count, strategy, created_at,
                             ttl, retrieval_count, seq)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0,
                (SELECT coalesce(max(seq), 0) + 1 FROM entries))
        ON CONFLICT (key) DO UPDATE SET
          compressed = excluded.compressed, original_tokens = excluded.original_tokens,
          compressed_tokens = excluded.compressed_tokens,
          original_item_count = excluded.original_item_count,
          compressed_item_count = excluded.compressed_item_count, strategy = excluded.strategy,
          created_at = excluded.created_at, ttl = excluded.ttl, seq = excluded.seq
      )sql",
                   path_);
      st.bind(1, key);
      st.bind(2, entry.original);
      st.bind(3, entry.compressed);
      st.bind(4, entry.original_tokens);
      st.bind(5, entry.compressed_tokens);
      st.bind(6, entry.original_item_count);
      st.bind(7, entry.compressed_item_count);
      st.bind(8, entry.strategy);
      st.bind(9, now);
      st.bind(10, options_.ttl_seconds);
      st.step();
    }
    evict(now);
    tx.commit();
    return key;
  }

  Lookup get(std::string_view raw_key) override {
    Lookup out;
    const std::string key = normalize_key(raw_key).value_or("");
    if (key.empty()) return out;
    std::lock_guard lock(mutex_);
    Transaction tx(*this);
    out = read(key);
    if (out.status == Status::kOk) {
      Statement st(db_, *statements_,
                   "UPDATE entries SET retrieval_count = retrieval_count + 1 WHERE key = ?1",
                   path_);
      st.bind(1, key);
      st.step();
      ++out.entry.retrieval_count;
    }
    tx.commit();
    return out;
  }

  Status peek(std::string_view raw_key) override {
    const std::string key = normalize_key(raw_key).value_or("");
    if (key.empty()) return Status::kMissing;
    std::lock_guard lock(mutex_);
    return read(key).status;
  }

  std::size_t size() override {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(count_entries());
  }

  void clear() override {
    std::lock_guard lock(mutex_);
    exec("DELETE FROM entries");
  }

  std::string describe() const override { return "sqlite:" + path_; }

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so two processes never deadlock upgrading
  // read locks; the busy timeout makes the loser wait instead of failing.
  class Transaction {
   public:
    explicit Transaction(SqliteStore& store) : store_(store) { store_.run("BEGIN IMMEDIATE"); }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      if (!done_) sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      store_.run("COMMIT");
      done_ = true;
    }

   private:
    SqliteStore& store_;
    bool done_ = false;
  };

  void initialize() {
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (sqlite3_db_readonly(db_, "main") == 1) {
      throw Error("ccr store " + path_ + ": database is read-only");
    }
    // The first statements read the header: a file that is not a database fails here.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
    Statement check(db_, *statements_, "PRAGMA quick_check", path_);
    if (check.step() && check.text(0) != "ok") {
      throw Error("ccr store " + path_ + ": database is corrupt: " + check.text(0));
    }
  }

  // One statement without parameters or rows, prepared once.
  void run(const char* sql) { Statement(db_, *statements_, sql, path_).step(); }

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message != nullptr ? message : sqlite3_errmsg(db_);
      sqlite3_free(message);
      throw Error("ccr store " + path_ + ": " + why);
    }
  }

  Lookup read(const std::string& key) {
    Lookup out;
    Statement st(db_, *statements_, R"sql(
      SELECT original, compressed, original_tokens, compressed_tokens, original_item_count,
             compressed_item_count, strategy, created_at, ttl, retrieval_count
      FROM entries WHERE key = ?1
    )sql",
                 path_);
    st.bind(1, key);
    if (!st.step()) return out;
    Entry& e = out.entry;
    e.key = key;
    e.original = st.text(0);
    e.compressed = st.text(1);
    e.original_tokens = st.int64(2);
    e.compressed_tokens = st.int64(3);
    e.original_item_count = st.int64(4);
    e.compressed_item_count = st.int64(5);
    e.strategy = st.text(6);
    e.created_at = st.real(7);
    e.ttl_seconds = st.real(8);
    e.retrieval_count = st.int64(9);
    out.status = detail::is_expired(e.created_at, e.ttl_seconds, detail::now(options_))
                     ? Status::kExpired
                     : Status::kOk;
    if (out.status != Status::kOk) out.entry = Entry{};
    return out;
  }

  int64_t count_entries() {
    Statement st(db_, *statements_, "SELECT count(*) FROM entries", path_);
    st.step();
    return st.int64(0);
  }

  // Deletes the entries beyond capacity: expired ones first, then the oldest. Each DELETE walks
  // an index (expiry, then age) for just the rows it removes; a put at capacity costs a few
  // index lookups, not a sort of the table. Counting first skips both under capacity.
  void evict(double now) {
    int64_t over = count_entries() - static_cast<int64_t>(options_.capacity);
    if (over <= 0) return;
    // The index narrows to entries expiring up to a second after now (any rounding of the
    // sum); is_expired's own formula decides.
    over -= delete_oldest(
        "INDEXED BY entries_expiry WHERE created_at + ttl < ?1 + 1 AND "
        "?1 - created_at > ttl",
        now, over);
    if (over > 0) delete_oldest("", now, over);
  }

  // Deletes up to `limit` entries of `from` (an index hint and WHERE clause, may use ?1, bound
  // to `now`), oldest first; returns how many went. (Without the hint, SQLite walks the age
  // index to avoid a sort and tests every live entry.)
  int64_t delete_oldest(const std::string& from, double now, int64_t limit) {
    const std::string sql = "DELETE FROM entries WHERE key IN (SELECT key FROM entries " + from +
                            " ORDER BY created_at, seq LIMIT ?2)";
    Statement st(db_, *statements_, sql, path_);
    st.bind(1, now);
    st.bind(2, limit);
    st.step();
    return sqlite3_changes(db_);
  }

  const std::string path_;
  const StoreOptions options_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<StatementCache> statements_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace kompress::ccr
