#include "server/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <thread>

#include "kompress/error.h"
#include "server/access.h"
#include "server/compress_routes.h"
#include "server/metrics.h"
#include "server/retrieve_routes.h"

namespace kompress::server {
namespace {

using nlohmann::json;

// Who may call a route.
enum class Access {
  kOpen,       // anyone (probes)
  kToken,      // the bearer token, when the server has one
  kRetrieval,  // the token when there is one, else loopback clients only
};

// The route an unrouted request (404, 413) is counted under in the metrics: a route template
// or "other" (paths themselves would let clients create unbounded label values).
std::string route_label(const std::string& path) {
  static const char* const kRoutes[] = {"/compress", "/v1/compress", "/v1/retrieve",
                                        "/healthz",  "/readyz",      "/metrics"};
  for (const char* r : kRoutes) {
    if (path == r) return r;
  }
  return path.starts_with("/v1/retrieve/") ? "/v1/retrieve/{hash}" : "other";
}

bool wants_lossy(const httplib::Request& req) {
  const std::string v = req.get_param_value("lossy");
  return v == "1" || v == "true";
}

void send(const Reply& reply, httplib::Response& res) {
  res.status = reply.status;
  for (const auto& [k, v] : reply.headers) res.set_header(k, v);
  res.set_content(reply.body, reply.content_type);
}

}  // namespace

struct Server::Impl {
  using Route = std::function<Reply(const httplib::Request&)>;

  ServerOptions options;
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::shared_ptr<ccr::Store> store;
  std::string no_store_reason;
  Engine engine;
  httplib::Server http;
  int port = -1;
  socket_t listen_socket = INVALID_SOCKET;  // the bound socket, set by the socket-options hook
  std::atomic<bool> serving{false};
  std::atomic<bool> stopping{false};

  Impl(ServerOptions o, ModelLoader loader, std::shared_ptr<ccr::Store> s, std::string why)
      : options(std::move(o)),
        store(std::move(s)),
        no_store_reason(store ? "" : std::move(why)),
        engine(std::move(loader), store, options.engine, metrics) {
    configure();
    add_routes();
  }

  void configure();
  void add_routes();
  httplib::Server::Handler wrap(std::string route, Access access, Route fn);
  void check_access(Access access, const httplib::Request& req) const;
  CompressContext compress_context() const {
    return {engine, *metrics, options.deadline, no_store_reason};
  }
  Reply retrieve(std::string_view hash) const {
    return handle_retrieve({store.get(), no_store_reason, options.ccr_ttl_seconds, *metrics}, hash);
  }
  Reply readiness() const;
};

void Server::Impl::configure() {
  // httplib's default adds SO_REUSEPORT, which lets a second server bind a port in use and
  // silently take half its connections; SO_REUSEADDR alone still allows a quick restart.
  http.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket = sock;
  });
  // Accepted sockets inherit it: without it a response written in two parts waits for the
  // client's delayed ACK (40 ms on Linux), which dwarfs the model time of a short request.
  http.set_tcp_nodelay(true);
  http.new_task_queue = [n = options.threads] { return new httplib::ThreadPool(n); };
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(options.io_timeout);
  http.set_write_timeout(options.io_timeout);
  http.set_keep_alive_timeout(options.keep_alive_timeout.count());
  http.set_keep_alive_max_count(options.keep_alive_max_requests);
  // httplib's own errors (no route, body too large, unparsable request) get a JSON body too, and
  // are counted here (routed requests are counted by wrap()); both before the response is sent.
  http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a route's own error
    metrics->count_request(route_label(req.path), res.status);
    std::string message = "HTTP error " + std::to_string(res.status);
    if (res.status == 404) message = "no route " + req.method + " " + req.path;
    if (res.status == 413) {
      message = "request body larger than " + std::to_string(options.max_body_bytes) +
                " bytes (--max-body-mb)";
    }
    if (res.status == 400) message = "malformed HTTP request";
    send(error_reply(res.status, message), res);
  });
}

void Server::Impl::add_routes() {
  http.Post("/compress", wrap("/compress", Access::kToken, [this](const httplib::Request& req) {
              return handle_compress(compress_context(), req.body, wants_lossy(req));
            }));
  http.Post("/v1/compress",
            wrap("/v1/compress", Access::kToken, [this](const httplib::Request& req) {
              return handle_v1_compress(compress_context(), req.body, wants_lossy(req));
            }));
  http.Post("/v1/retrieve",
            wrap("/v1/retrieve", Access::kRetrieval, [this](const httplib::Request& req) {
              return retrieve(hash_from_body(req.body));
            }));
  http.Get(R"(/v1/retrieve/([^/]+))",
           wrap("/v1/retrieve/{hash}", Access::kRetrieval,
                [this](const httplib::Request& req) { return retrieve(req.matches[1].str()); }));
  http.Get("/healthz", wrap("/healthz", Access::kOpen, [](const httplib::Request&) {
             return json_reply(200, {{"status", "ok"}});
           }));
  http.Get("/readyz",
           wrap("/readyz", Access::kOpen, [this](const httplib::Request&) { return readiness(); }));
  http.Get("/metrics", wrap("/metrics", Access::kToken, [this](const httplib::Request&) {
             Gauges g;
             g.ready = engine.status().state == Engine::State::kReady;
             g.queued_chunks = engine.queued_chunks();
             Reply r;
             r.body = metrics->render(g);
             r.content_type = "text/plain; version=0.0.4; charset=utf-8";
             return r;
           }));
}

// Access, the route, and errors as JSON; its status and latency go to the metrics (before the
// response is written, so a client that reads /metrics next sees them).
httplib::Server::Handler Server::Impl::wrap(std::string route, Access access, Route fn) {
  return [this, route = std::move(route), access, fn = std::move(fn)](const httplib::Request& req,
                                                                      httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    Reply reply;
    try {
      check_access(access, req);
      reply = fn(req);
    } catch (const HttpError& e) {
      reply = error_reply(e.status(), e.what());
      if (e.status() == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
    } catch (const std::exception& e) {
      reply = error_reply(500, std::string("internal error: ") + e.what());
    }
    send(reply, res);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    metrics->observe_latency(route, took.count());
    metrics->count_request(route, reply.status);
  };
}

void Server::Impl::check_access(Access access, const httplib::Request& req) const {
  if (access == Access::kOpen) return;
  if (!options.token.empty()) {
    if (!bearer_matches(req.get_header_value("Authorization"), options.token)) {
      throw HttpError(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
    }
    return;
  }
  if (access == Access::kRetrieval &&
      !is_loopback_request(req.remote_addr, req.get_header_value("Host"))) {
    throw HttpError(403,
                    "retrieval answers loopback clients only unless the server has a token "
                    "(--token or KOMPRESS_TOKEN)");
  }
}

Reply Server::Impl::readiness() const {
  const Engine::Status s = engine.status();
  switch (s.state) {
    case Engine::State::kReady:
      return json_reply(200, {{"ready", true}, {"model", s.model}});
    case Engine::State::kFailed:
      return json_reply(503, {{"ready", false}, {"state", "failed"}, {"error", s.error}});
    case Engine::State::kLoading:
      break;
  }
  return json_reply(503, {{"ready", false}, {"state", "loading"}});
}

Server::Server(ServerOptions options, ModelLoader loader, std::shared_ptr<ccr::Store> store,
               std::string no_store_reason)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(loader), std::move(store),
                                   std::move(no_store_reason))) {}

Server::~Server() { stop(); }

void Server::start() {
  const ServerOptions& o = impl_->options;
  impl_->port = o.port == 0 ? impl_->http.bind_to_any_port(o.host)
                            : (impl_->http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (impl_->port < 0) {
    throw Error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                " (port in use, or not an address of this machine)");
  }
  // Debian's httplib listens with a backlog of 5: a burst of new connections (128 clients
  // connecting at once) overflows it and the kernel drops them. Listening again on the bound
  // socket raises the backlog.
  if (impl_->listen_socket != INVALID_SOCKET) ::listen(impl_->listen_socket, SOMAXCONN);
  impl_->engine.start();
}

int Server::port() const { return impl_->port; }

void Server::serve() {
  impl_->serving = true;
  if (!impl_->stopping) impl_->http.listen_after_bind();
  impl_->serving = false;
}

void Server::stop() {
  impl_->stopping = true;
  // httplib ignores stop() until its loop runs: wait for serve() to get there (or to leave).
  while (impl_->serving && !impl_->http.is_running()) std::this_thread::yield();
  impl_->http.stop();
}

}  // namespace kompress::server
