// `kompress serve`: the HTTP service. Routes (docs/serving.md):
//
//   POST /compress             Headroom's remote Kompress contract (stateless, no CCR marker)
//   POST /v1/compress          many texts, per-text options, full results with CCR keys
//   GET  /v1/retrieve/{hash}   the original behind a marker (also POST /v1/retrieve {"hash"})
//   GET  /healthz /readyz      listening / model loaded and warmed
//   GET  /metrics              Prometheus text
//
//   kompress::server::Server server(options, loader, store);
//   server.start();                 // binds, starts loading the model in the background
//   std::thread t([&] { server.serve(); });
//   ...
//   server.stop();                  // stops accepting; serve() returns once in-flight
//   t.join();                       //   requests are answered
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "kompress/ccr.h"
#include "server/engine.h"

namespace kompress::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (port() says which)
  // Required as "Authorization: Bearer <token>" on every route but /healthz and /readyz. Empty:
  // no authentication, and the retrieval routes answer loopback clients only.
  std::string token;
  std::size_t max_body_bytes = std::size_t{16} << 20;  // larger bodies get 413
  // Connections served at once: each keep-alive client holds a thread while connected.
  std::size_t threads = 256;
  std::chrono::milliseconds deadline{15'000};  // per request; past it text passes through
  // A client slower than this to send a request (or to take a response) is dropped.
  std::chrono::seconds io_timeout{5};
  std::chrono::seconds keep_alive_timeout{5};  // idle keep-alive connections close after it
  std::size_t keep_alive_max_requests = 1000;
  EngineOptions engine;
  double ccr_ttl_seconds = 1800;  // the store's TTL, named in retrieval miss messages
};

class Server {
 public:
  // `store` may be null (no CCR): `no_store_reason` then says why, in results and 503s.
  Server(ServerOptions options, ModelLoader loader, std::shared_ptr<ccr::Store> store,
         std::string no_store_reason = "the server has no CCR store");
  // Stops; the caller must have joined the thread that ran serve().
  ~Server();

  // Binds host:port (throws kompress::Error naming them when it cannot) and starts loading the
  // model on a background thread.
  void start();
  // The bound port (after start()).
  int port() const;
  // Answers requests until stop(); returns once the in-flight ones are answered.
  void serve();
  // Stops accepting connections. Safe from any thread and before serve() runs; not from a
  // signal handler.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kompress::server
