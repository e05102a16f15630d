#include "ccr/redis_connection.h"

#include <pthread.h>
#include <sys/time.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "kompress/error.h"

namespace kompress::ccr::detail {
namespace {

// hiredis writes with write(): on a socket the server closed that raises SIGPIPE, which would
// kill the host process. This blocks SIGPIPE on the calling thread for one exchange and
// swallows the signal that exchange raised (not one that was already pending).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
    already_pending_ = pending();
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;
  ~SigpipeBlock() {
    const int saved_errno = errno;
    if (!already_pending_ && pending()) {
      const timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
    errno = saved_errno;
  }

 private:
  static bool pending() {
    sigset_t set;
    sigpending(&set);
    return sigismember(&set, SIGPIPE) == 1;
  }

  sigset_t pipe_{};
  sigset_t saved_{};
  bool already_pending_ = false;
};

timeval to_timeval(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  return timeval{static_cast<time_t>(count / 1000), static_cast<suseconds_t>(count % 1000 * 1000)};
}

std::string address(const RedisOptions& options) {
  const bool ipv6 = options.host.find(':') != std::string::npos;
  return "redis://" + (ipv6 ? "[" + options.host + "]" : options.host) + ":" +
         std::to_string(options.port);
}

bool is_error(const RedisReply& reply) { return reply->type == REDIS_REPLY_ERROR; }

std::string error_text(const RedisReply& reply) { return std::string(reply->str, reply->len); }

}  // namespace

RedisConnection::RedisConnection(const RedisOptions& options)
    : options_(options), where_(address(options)) {
  connect();
}

RedisConnection::~RedisConnection() { drop(); }

void RedisConnection::fail(const std::string& why) const {
  throw Error("ccr store " + where_ + ": " + why);
}

void RedisConnection::drop() {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
}

void RedisConnection::connect() {
  {
    SigpipeBlock guard;
    context_ = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                       to_timeval(options_.connect_timeout));
  }
  if (context_ == nullptr) fail("cannot connect: out of memory");
  if (context_->err != 0 || redisSetTimeout(context_, to_timeval(options_.command_timeout)) != 0) {
    const std::string why = context_->errstr;
    drop();
    fail("cannot connect: " + why);
  }
  // AUTH and SELECT on every connection: a reconnect must land in the same place.
  if (!options_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!options_.username.empty()) auth.push_back(options_.username);
    auth.push_back(options_.password);
    handshake(auth, "AUTH");
  }
  handshake({"SELECT", std::to_string(options_.db)}, "SELECT");
}

void RedisConnection::handshake(const std::vector<std::string_view>& args, const char* what) {
  const RedisReply reply = send(args);
  if (!is_error(reply)) return;
  std::string why = error_text(reply);
  drop();
  if (why.starts_with("NOAUTH")) why += " (give the password: redis://:PASSWORD@host)";
  fail(std::string(what) + " failed: " + why);
}

RedisReply RedisConnection::send(const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  void* raw = nullptr;
  int saved_errno = 0;
  {
    SigpipeBlock guard;
    raw = redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data());
    saved_errno = errno;
  }
  if (raw != nullptr) return RedisReply(static_cast<redisReply*>(raw));
  // The connection is now in an unknown state (a reply may still arrive): never reuse it.
  const bool timed_out =
      context_->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
  const std::string why = timed_out ? "no reply within " +
                                          std::to_string(options_.command_timeout.count()) +
                                          " ms (command timeout)"
                                    : std::string(context_->errstr);
  drop();
  fail(why);
}

RedisReply RedisConnection::exchange(const std::vector<std::string_view>& args) {
  if (context_ == nullptr) connect();
  return send(args);
}

RedisReply RedisConnection::command(const std::vector<std::string_view>& args) {
  RedisReply reply = exchange(args);
  if (is_error(reply)) fail(error_text(reply));
  return reply;
}

RedisReply RedisConnection::eval(RedisScript& script, const std::vector<std::string_view>& keys,
                                 const std::vector<std::string_view>& args) {
  const auto load = [&] {
    const RedisReply sha = command({"SCRIPT", "LOAD", script.text});
    if (sha->type != REDIS_REPLY_STRING) fail("SCRIPT LOAD gave no hash");
    script.sha.assign(sha->str, sha->len);
  };
  if (script.sha.empty()) load();
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> argv = {"EVALSHA", script.sha, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  RedisReply reply = exchange(argv);
  // A restarted or flushed server forgets scripts: load it again, once.
  if (is_error(reply) && error_text(reply).starts_with("NOSCRIPT")) {
    load();
    argv[1] = script.sha;
    reply = exchange(argv);
  }
  if (is_error(reply)) fail(error_text(reply));
  return reply;
}

}  // namespace kompress::ccr::detail
