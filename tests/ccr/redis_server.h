// A real redis-server for tests: on a free loopback port, in a temp folder, no persistence,
// killed with this object (and with the test process, should that die first).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kompress/ccr.h"

namespace kompress::testing {

class RedisServer {
 public:
  // Why no server can be started here ("redis-server not found; install redis-server"), or
  // empty when one can. Tests skip with this message.
  static std::string unavailable();

  // Starts a server with `extra_args` (e.g. {"--requirepass", "x"}) on `port`, or on a free port
  // when 0, and waits until it answers. Throws std::runtime_error when it does not come up.
  static std::unique_ptr<RedisServer> start(const std::vector<std::string>& extra_args = {},
                                            int port = 0);

  // One server for every test of this process, started on first use, killed at exit.
  static RedisServer& shared();

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  int port() const { return port_; }

  // Options for a store on this server under `prefix`.
  ccr::RedisOptions options(const std::string& prefix) const;

  // "redis://127.0.0.1:PORT/0?prefix=PREFIX"
  std::string url(const std::string& prefix) const;

  // Kills the server at once (SIGKILL), as a crash would.
  void kill();
  // Freezes and thaws the process (SIGSTOP, SIGCONT): a server that stops answering.
  void pause();
  void resume();

 private:
  RedisServer() = default;
  // One attempt on `port`; false when the server exited (the port was taken meanwhile).
  bool launch(const std::string& binary, const std::vector<std::string>& extra_args, int port);

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

}  // namespace kompress::testing
