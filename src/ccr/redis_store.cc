// The networked CCR backend: entries in Redis hashes under a tenant prefix, ordered for
// eviction by sorted sets, changed only by Lua scripts so that several replicas stay consistent.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "ccr/eviction.h"
#include "ccr/redis_connection.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress::ccr {
namespace {

// The hash fields of an entry, in the order get() reads them back.
constexpr std::array<std::string_view, 10> kFields = {
    "original",    "compressed",          "original_tokens",       "compressed_tokens",
    "strategy",    "original_item_count", "compressed_item_count", "created_at",
    "ttl_seconds", "retrieval_count"};

// Drops the index members of entries that Redis has already removed (their `by_removal` time,
// on Redis's clock, has passed). KEYS: by_age, by_deadline, by_removal.
constexpr std::string_view kPruneLua = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local by_age, by_deadline, by_removal = KEYS[1], KEYS[2], KEYS[3]
local function forget(key)
  redis.call('ZREM', by_age, key)
  redis.call('ZREM', by_deadline, key)
  redis.call('ZREM', by_removal, key)
end
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for _, key in ipairs(redis.call('ZRANGEBYSCORE', by_removal, '-inf',
                                '(' .. string.format('%.0f', now_ms))) do
  forget(key)
end
)lua";

// KEYS: by_age, by_deadline, by_removal, seq counter, the entry's hash.
// ARGV: entry hash prefix, key, now (store clock), lifetime in Redis (ms), capacity,
//       created_at + ttl, then field/value pairs.
// A new key first makes room: expired entries go first (smallest deadline), then the oldest.
constexpr std::string_view kPutLua = R"lua(
local entry, now = KEYS[5], tonumber(ARGV[3])
if redis.call('EXISTS', entry) == 0 then
  while redis.call('ZCARD', by_age) >= tonumber(ARGV[5]) do
    local first = redis.call('ZRANGE', by_deadline, 0, 0, 'WITHSCORES')
    local victim = first[1]
    if tonumber(first[2]) >= now then victim = redis.call('ZRANGE', by_age, 0, 0)[1] end
    redis.call('DEL', ARGV[1] .. victim)
    forget(victim)
  end
  redis.call('HSET', entry, 'retrieval_count', 0)
end
redis.call('HSET', entry, unpack(ARGV, 7))
redis.call('PEXPIRE', entry, ARGV[4])
redis.call('ZADD', by_age, redis.call('INCR', KEYS[4]), ARGV[2])
redis.call('ZADD', by_deadline, ARGV[6], ARGV[2])
redis.call('ZADD', by_removal, now_ms + tonumber(ARGV[4]), ARGV[2])
return 1
)lua";

// KEYS: by_age, by_deadline, by_removal.
constexpr std::string_view kSizeLua = R"lua(
return redis.call('ZCARD', by_age)
)lua";

// KEYS: the entry's hash. ARGV: now (store clock), then the fields to return.
// Returns "missing", "expired", or the fields after counting one retrieval.
constexpr std::string_view kGetLua = R"lua(
local at = redis.call('HMGET', KEYS[1], 'created_at', 'ttl_seconds')
if not at[1] then return 'missing' end
if tonumber(ARGV[1]) - tonumber(at[1]) > tonumber(at[2]) then return 'expired' end
redis.call('HINCRBY', KEYS[1], 'retrieval_count', 1)
return redis.call('HMGET', KEYS[1], unpack(ARGV, 2))
)lua";

// KEYS: by_age, by_deadline, by_removal, seq counter. ARGV: entry hash prefix.
constexpr std::string_view kClearLua = R"lua(
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[1] .. key)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
)lua";

// The shortest text that reads back as the same double (Lua's tonumber parses it exactly).
std::string format_double(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

// Redis caps expiry times; a lifetime beyond about 3000 years is forever for us.
constexpr double kMaxLifetimeMs = 1e14;

void check_redis_options(const RedisOptions& r) {
  const auto fail = [](const std::string& why) { throw Error("ccr store redis: " + why); };
  if (r.host.empty()) fail("host is empty");
  if (r.port < 1 || r.port > 65535) fail("port " + std::to_string(r.port) + " is out of range");
  if (r.db < 0) fail("db must not be negative");
  if (r.prefix.empty()) fail("key prefix is empty");
  if (r.connect_timeout.count() <= 0 || r.command_timeout.count() <= 0) {
    fail("timeouts must be positive");
  }
  if (!(r.expired_grace_seconds >= 0) || !std::isfinite(r.expired_grace_seconds)) {
    fail("expired_grace_seconds must be a non-negative number");
  }
}

class RedisStore final : public Store {
 public:
  RedisStore(const RedisOptions& redis, const StoreOptions& options)
      : redis_(redis),
        options_(options),
        connection_((check(redis, options), redis)),
        entry_prefix_(redis.prefix + "entry:"),
        index_keys_{redis.prefix + "by_age", redis.prefix + "by_deadline",
                    redis.prefix + "by_removal", redis.prefix + "seq"} {
    // PEXPIRE takes an integer: never the exponent form format_double() may choose.
    const double ms = std::ceil((options.ttl_seconds + redis.expired_grace_seconds) * 1000);
    lifetime_ms_ = std::to_string(static_cast<int64_t>(std::clamp(ms, 1.0, kMaxLifetimeMs)));
  }

  std::string put(const Entry& entry) override {
    const std::string key = content_key(entry.original);
    const double now = detail::now(options_);
    const std::string created_at = format_double(now);
    const std::string deadline = format_double(now + options_.ttl_seconds);
    const std::string capacity = std::to_string(options_.capacity);
    const std::string numbers[] = {
        std::to_string(entry.original_tokens), std::to_string(entry.compressed_tokens),
        std::to_string(entry.original_item_count), std::to_string(entry.compressed_item_count),
        format_double(options_.ttl_seconds)};
    // Every field of kFields but the retrieval count, which the script keeps.
    const std::string_view values[] = {entry.original, entry.compressed, numbers[0],
                                       numbers[1],     entry.strategy,   numbers[2],
                                       numbers[3],     created_at,       numbers[4]};
    std::vector<std::string_view> args = {entry_prefix_, key,      created_at,
                                          lifetime_ms_,  capacity, deadline};
    for (std::size_t i = 0; i < std::size(values); ++i) {
      args.push_back(kFields[i]);
      args.push_back(values[i]);
    }
    const std::string hash = entry_hash(key);
    std::lock_guard lock(mutex_);
    connection_.eval(put_, {index_keys_[0], index_keys_[1], index_keys_[2], index_keys_[3], hash},
                     args);
    return key;
  }

  Lookup get(std::string_view raw_key) override {
    Lookup out;
    const std::string key = normalize_key(raw_key).value_or("");
    if (key.empty()) return out;
    const std::string now = format_double(detail::now(options_));
    std::vector<std::string_view> args = {now};
    args.insert(args.end(), kFields.begin(), kFields.end());
    std::lock_guard lock(mutex_);
    const detail::RedisReply reply = connection_.eval(get_, {entry_hash(key)}, args);
    if (reply->type == REDIS_REPLY_STRING) {
      out.status = status_named({reply->str, reply->len});
      return out;
    }
    out.status = Status::kOk;
    out.entry = entry_from(*reply, key);
    return out;
  }

  Status peek(std::string_view raw_key) override {
    const std::string key = normalize_key(raw_key).value_or("");
    if (key.empty()) return Status::kMissing;
    std::lock_guard lock(mutex_);
    const detail::RedisReply reply =
        connection_.command({"HMGET", entry_hash(key), kFields[7], kFields[8]});
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) bad_reply("HMGET");
    if (reply->element[0]->type != REDIS_REPLY_STRING) return Status::kMissing;
    const double created_at = parse<double>(*reply->element[0], kFields[7]);
    const double ttl = parse<double>(*reply->element[1], kFields[8]);
    return detail::is_expired(created_at, ttl, detail::now(options_)) ? Status::kExpired
                                                                      : Status::kOk;
  }

  std::size_t size() override {
    std::lock_guard lock(mutex_);
    const detail::RedisReply reply =
        connection_.eval(size_, {index_keys_[0], index_keys_[1], index_keys_[2]}, {});
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer < 0) bad_reply("size");
    return static_cast<std::size_t>(reply->integer);
  }

  void clear() override {
    std::lock_guard lock(mutex_);
    connection_.eval(clear_, {index_keys_[0], index_keys_[1], index_keys_[2], index_keys_[3]},
                     {entry_prefix_});
  }

  std::string describe() const override {
    return connection_.where() + "/" + std::to_string(redis_.db) + " prefix=" + redis_.prefix;
  }

 private:
  // Runs the option checks before connection_ connects (it is initialised through this).
  static void check(const RedisOptions& redis, const StoreOptions& options) {
    detail::check_options(options);
    check_redis_options(redis);
  }

  std::string entry_hash(const std::string& key) const { return entry_prefix_ + key; }

  Status status_named(std::string_view name) const {
    if (name == "expired") return Status::kExpired;
    if (name != "missing") bad_reply("get");
    return Status::kMissing;
  }

  [[noreturn]] void bad_reply(const std::string& command) const {
    connection_.fail("unexpected reply to " + command + " (keys under prefix " + redis_.prefix +
                     " written by something else?)");
  }

  template <typename T>
  T parse(const redisReply& field, std::string_view name) const {
    T value{};
    const bool ok =
        field.type == REDIS_REPLY_STRING &&
        std::from_chars(field.str, field.str + field.len, value).ptr == field.str + field.len;
    if (!ok) bad_reply("get (field " + std::string(name) + ")");
    return value;
  }

  Entry entry_from(const redisReply& reply, const std::string& key) const {
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != kFields.size()) bad_reply("get");
    const auto text = [&](std::size_t i) {
      const redisReply& f = *reply.element[i];
      if (f.type != REDIS_REPLY_STRING) bad_reply("get (field " + std::string(kFields[i]) + ")");
      return std::string(f.str, f.len);
    };
    const auto number = [&](std::size_t i) {
      return parse<int64_t>(*reply.element[i], kFields[i]);
    };
    Entry e;
    e.key = key;
    e.original = text(0);
    e.compressed = text(1);
    e.original_tokens = number(2);
    e.compressed_tokens = number(3);
    e.strategy = text(4);
    e.original_item_count = number(5);
    e.compressed_item_count = number(6);
    e.created_at = parse<double>(*reply.element[7], kFields[7]);
    e.ttl_seconds = parse<double>(*reply.element[8], kFields[8]);
    e.retrieval_count = number(9);
    return e;
  }

  const RedisOptions redis_;
  const StoreOptions options_;
  std::mutex mutex_;
  detail::RedisConnection connection_;
  const std::string entry_prefix_;               // + key: an entry's hash
  const std::array<std::string, 4> index_keys_;  // by_age, by_deadline, by_removal, seq
  std::string lifetime_ms_;                      // how long Redis keeps an entry
  detail::RedisScript put_{std::string(kPruneLua) + std::string(kPutLua), {}};
  detail::RedisScript get_{std::string(kGetLua), {}};
  detail::RedisScript size_{std::string(kPruneLua) + std::string(kSizeLua), {}};
  detail::RedisScript clear_{std::string(kClearLua), {}};
};

}  // namespace

std::unique_ptr<Store> open_redis_store(const RedisOptions& redis, const StoreOptions& options) {
  return std::make_unique<RedisStore>(redis, options);
}

}  // namespace kompress::ccr
