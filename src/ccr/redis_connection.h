// One blocking connection to a Redis server for the Redis CCR backend: timeouts, AUTH and
// SELECT on (re)connect, Lua scripts by hash, and one-line kompress::Error messages that name
// the server.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kompress/ccr.h"

namespace kompress::ccr::detail {

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyFree>;

// A Lua script and its SHA1, learnt from the server on first use (SCRIPT LOAD).
struct RedisScript {
  std::string text;
  std::string sha;
};

// Not thread-safe: the store serialises calls. After a failure that leaves the connection in an
// unknown state (lost, timed out) it is dropped and the next call connects again.
class RedisConnection {
 public:
  // Connects now; throws kompress::Error when the server cannot be reached or refuses us.
  explicit RedisConnection(const RedisOptions& options);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;
  ~RedisConnection();

  // Runs one command; returns its reply, never an error reply (those throw).
  RedisReply command(const std::vector<std::string_view>& args);

  // Runs `script` with KEYS `keys` and ARGV `args` (EVALSHA, loading the script when the
  // server does not know it).
  RedisReply eval(RedisScript& script, const std::vector<std::string_view>& keys,
                  const std::vector<std::string_view>& args);

  // "redis://host:port", for messages.
  const std::string& where() const { return where_; }

  // Throws kompress::Error("ccr store <where>: <why>").
  [[noreturn]] void fail(const std::string& why) const;

 private:
  void connect();
  // Sends one step of connecting (AUTH, SELECT); an error reply drops the connection and throws.
  void handshake(const std::vector<std::string_view>& args, const char* what);
  void drop();
  // Sends `args` on the open connection and returns the reply, error replies included; a lost
  // or timed-out connection is dropped and throws.
  RedisReply send(const std::vector<std::string_view>& args);
  // send(), connecting first when there is no connection.
  RedisReply exchange(const std::vector<std::string_view>& args);

  const RedisOptions options_;
  const std::string where_;
  redisContext* context_ = nullptr;
};

}  // namespace kompress::ccr::detail
