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
// several processes sharing one file, the Redis store for several hosts sharing one server.
//
// open_store() picks a backend from a location string: "memory", "redis://...", or a SQLite
// path (optionally written "sqlite:PATH").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kompress::ccr {

// Length of a key: the first 24 hex digits of sha256(original).
inline constexpr std::size_t kKeyLength = 24;

// The key of `original`: the first 24 lowercase hex digits of its sha256.
std::string content_key(std::string_view original);

// `text` as a key (lowercased) when it is kKeyLength hex digits in either case, else nullopt:
// how retrieval checks a hash a user or a client typed (stores report other keys missing).
std::optional<std::string> normalize_key(std::string_view text);

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

// The store interface, implemented by every backend. Backends throw kompress::Error with a
// one-line message when their storage fails (read-only or corrupt database, lost connection);
// they never abort.
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

  // Short name for messages: "memory", "sqlite:<path>", "redis://host:port/db prefix=P".
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

// Where a Redis store lives. Only a standalone Redis (or one primary): the scripts touch keys
// they compute, which Redis Cluster forbids.
struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string username;  // a Redis 6 ACL user, sent with the password; empty: the default user
  std::string password;  // empty: no AUTH
  // Every key of the store starts with it; stores with different prefixes on one server are
  // independent tenants (size() and clear() see only their own prefix).
  std::string prefix = "kompress:ccr:";
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
  // How long past its TTL an entry stays in Redis, reading as kExpired; then Redis itself
  // removes it and it reads as kMissing.
  double expired_grace_seconds = 1800;
};

// A store on a Redis server, shared by every process that opens the same server, db and prefix.
// Layout under the prefix: one hash per entry (`entry:<key>`) and sorted sets that order them
// for eviction (`by_age`: insertion order as Redis counted it; `by_deadline`: created_at + ttl;
// `by_removal`: when Redis drops the hash). put, get, size and clear are Lua scripts, so
// retrieval counts and eviction are atomic across replicas. TTL: expiry is decided as in the
// other backends, `created_at + ttl` against StoreOptions::clock; in addition each entry gets a
// relative Redis expiry (PEXPIRE) of ttl + expired_grace_seconds, so Redis removes stale
// entries itself even when no replica runs. A relative expiry keeps Redis's own clock out of
// the TTL test, so a store clock that differs from it (an injected one) still works.
//
// Connects, authenticates and selects the db before returning. One connection per store,
// guarded by a mutex; a call that loses the connection throws and the next call reconnects.
// Every failure (refused, timed out, wrong password, server error) throws kompress::Error with a
// one-line message starting "ccr store redis://host:port: "; the password never appears in
// messages.
std::unique_ptr<Store> open_redis_store(const RedisOptions& redis,
                                        const StoreOptions& options = {});

// Parses "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME]" (HOST may be a bracketed
// IPv6 address; PASSWORD and NAME may be percent-encoded). Throws kompress::Error naming the
// problem when `url` is malformed.
RedisOptions parse_redis_url(std::string_view url);

// Opens the store at `location`: "memory" for an in-process store, "redis://..." (see
// parse_redis_url) for Redis, "sqlite:PATH" or any other string as the path of a SQLite file.
// Throws kompress::Error for an empty location, an unknown "scheme://", or what the backend
// throws.
std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options = {});

}  // namespace kompress::ccr
