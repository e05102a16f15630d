// kompress/ccr.h: the CCR (compress-cache-retrieve) store of originals.
//
//   auto store = kompress::ccr::open_sqlite_store(kompress::ccr::default_sqlite_path());
//   kompress::ccr::Entry e;
//   e.original = text;
//   e.compressed = compressed_text;
//   std::string key = store->put(e);                   // first 24 hex of sha256(original)
//   kompress::ccr::Lookup hit = store->get(key);        // hit.status == Status::kOk
//   std::cout << hit.entry.original;                    // hit.entry.retrieval_count == 1
//
// Keys are content addresses: the same original always gets the same key. Entries live
// `ttl_seconds` from their creation and then read as kExpired; at most `capacity` entries are
// kept, the oldest evicted first. Every store is thread-safe; the SQLite store is also safe for
// several processes sharing one file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace kompress::ccr {

// Length of a key: the first 24 hex digits of sha256(original).
inline constexpr std::size_t kKeyLength = 24;

// The key of `original`: the first 24 lowercase hex digits of its sha256.
std::string content_key(std::string_view original);

struct Entry {
  std::string key;  // filled by put(); ignored on input
  std::string original;
  std::string compressed;
  int64_t original_tokens = 0;
  int64_t compressed_tokens = 0;
  int64_t original_item_count = 0;
  int64_t compressed_item_count = 0;
  std::string strategy = "kompress";
  double created_at = 0;        // seconds since the Unix epoch; filled by put()
  double ttl_seconds = 0;       // filled by put() from StoreOptions
  int64_t retrieval_count = 0;  // get() calls that returned this entry, this one included
};

enum class Status { kOk, kMissing, kExpired };

// "ok", "missing" or "expired".
std::string_view to_string(Status status);

struct Lookup {
  Status status = Status::kMissing;
  Entry entry;  // meaningful only when status == kOk
};

struct StoreOptions {
  double ttl_seconds = 1800;    // lifetime of an entry from its creation
  std::size_t capacity = 1000;  // most entries kept; the oldest go first
  // Clock in seconds since the epoch; empty means the system clock. Tests inject one.
  std::function<double()> clock;
};

// The store interface. A networked backend (Redis) implements the same calls. Backends throw
// kompress::Error with a one-line message when their storage fails (read-only or corrupt
// database, lost connection); they never abort.
class Store {
 public:
  virtual ~Store() = default;

  // Stores `entry` under content_key(entry.original) and returns the key. Storing an original
  // that is already present replaces its compressed text and counts and restarts its TTL; the
  // retrieval count is kept. Evicts the oldest entries (expired ones first) beyond capacity.
  virtual std::string put(const Entry& entry) = 0;

  // The entry under `key`, counting one retrieval; kExpired past its TTL, kMissing when the key
  // is unknown (or was evicted).
  virtual Lookup get(std::string_view key) = 0;

  // The status of `key` without counting a retrieval.
  virtual Status peek(std::string_view key) = 0;

  // Number of entries held, expired ones included.
  virtual std::size_t size() = 0;

  // Removes every entry.
  virtual void clear() = 0;

  // Short name for messages: "memory", "sqlite:<path>".
  virtual std::string describe() const = 0;
};

// An in-process store, for tests and embedding.
std::unique_ptr<Store> make_memory_store(const StoreOptions& options = {});

// The embedded default: a SQLite database at `path` (WAL journal, busy timeout), created with
// mode 0600 (its folder 0700) when absent. Throws kompress::Error naming the path when the file
// cannot be created or opened, is not a SQLite database, or is corrupt.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options = {});

// $XDG_DATA_HOME/kompress/ccr.sqlite3, or ~/.local/share/kompress/ccr.sqlite3 when
// XDG_DATA_HOME is unset or not absolute. Throws kompress::Error when neither XDG_DATA_HOME nor
// HOME is usable.
std::string default_sqlite_path();

}  // namespace kompress::ccr
