// `kompress serve`: the HTTP service (src/server) with the model, CCR store and signals of the
// command line.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cli/compress_args.h"
#include "cli/model_location.h"
#include "cli/precision_option.h"
#include "server/server.h"

namespace kompress::cli {
namespace {

struct ServeArgs {
  std::string model;
  std::string precision;  // --precision; empty: the checkpoint's own
  std::string ccr_db;
  server::ServerOptions server;
  double max_body_mb = 16;
  double batch_window_ms = 0.5;
  bool no_batching = false;
  int64_t deadline_ms = 15'000;
  double cache_mb = 64;
};

void log_line(const std::string& line) {
  std::fprintf(stderr, "kompress serve: %s\n", line.c_str());
  std::fflush(stderr);
}

// Says on stderr when each file of a hub model starts and ends downloading (a server's stderr
// is a log, not a terminal); stops the download when the server shuts down.
hub::ProgressFn download_log(std::stop_token stop) {
  auto current = std::make_shared<std::string>();
  return [stop, current](const hub::Progress& p) {
    const std::string file = std::string(p.repo) + " " + std::string(p.file);
    if (file != *current) {
      *current = file;
      log_line("downloading " + file + " (" + std::to_string(p.total >> 20) + " MB)");
    }
    if (p.done == p.total) log_line("downloaded " + file);
    return !stop.stop_requested();
  };
}

server::LoadedModel load_model(const std::string& flag, const LoadOptions& options,
                               std::stop_token stop) {
  ModelParts parts = load_model_parts(fetch_model(flag, download_log(stop)), options);
  return {std::move(parts.tokenizer), std::move(parts.scorer)};
}

// Threads per forward pass with batching: under a light load a pass takes every core, else
// cores / workers (a lone request's pass on one of two cores took twice as long). Without
// batching each request's pass may use them all, as the reference's does.
void set_pass_threads(server::BatchingOptions& o) {
  const auto cores = static_cast<std::size_t>(std::max(1u, std::thread::hardware_concurrency()));
  o.threads_alone = static_cast<int>(cores);
  o.threads_beside = static_cast<int>(std::max<std::size_t>(1, cores / o.workers));
}

// The store of --ccr-db; when it cannot be opened the server runs without CCR and says why.
std::shared_ptr<ccr::Store> open_store(const std::string& flag, std::string& why_not) {
  try {
    return ccr::open_store(ccr_store_location(flag));
  } catch (const Error& e) {
    why_not = e.what();
    log_line(std::string("warning: ") + e.what() +
             "; serving without CCR (/v1/compress stores nothing, retrieval answers 503)");
    return nullptr;
  }
}

void run_serve(ServeArgs& a) {
  // Blocked in every thread (they inherit the mask), taken by sigwait below: shutdown runs on a
  // normal thread, not in a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::ServerOptions& o = a.server;
  o.max_body_bytes = static_cast<std::size_t>(a.max_body_mb * (1 << 20));
  o.deadline = std::chrono::milliseconds(a.deadline_ms);
  o.engine.batching = !a.no_batching;
  set_pass_threads(o.engine.batching_options);
  o.engine.batching_options.window =
      std::chrono::microseconds(static_cast<int64_t>(a.batch_window_ms * 1000));
  o.engine.cache_bytes = static_cast<std::size_t>(a.cache_mb * (1 << 20));
  o.engine.log = log_line;
  std::string no_store_reason;
  auto store = open_store(a.ccr_db, no_store_reason);
  server::Server srv(
      o,
      [flag = a.model, options = load_options(a.precision)](std::stop_token stop) {
        return load_model(flag, options, stop);
      },
      std::move(store), "--ccr-db could not be opened: " + no_store_reason);
  srv.start();
  log_line("listening on http://" + o.host + ":" + std::to_string(srv.port()) +
           " (loading the model; /readyz says when it is ready)");

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    log_line("stopping: finishing the requests in flight");
    srv.stop();
  });
  srv.serve();
  // serve() also returns when listening fails: wake the waiter if no signal did.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  log_line("stopped");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve compression and retrieval over HTTP");
  cmd->footer(
      "Routes (docs/serving.md): POST /compress (Headroom's remote Kompress contract: point\n"
      "HEADROOM_KOMPRESS_ENDPOINT at http://HOST:PORT), POST /v1/compress, GET /v1/retrieve/HASH,\n"
      "POST /v1/retrieve, GET /healthz, /readyz, /metrics (Prometheus).\n"
      "Listens at once and loads the model in the background (a hub model downloads first):\n"
      "/readyz answers 503, and compression 503, until it is loaded and warmed.\n"
      "Concurrent requests are scored together: chunks queued within --batch-window-ms share\n"
      "one scoring call of up to --max-batch-tokens. SIGINT or SIGTERM stops accepting,\n"
      "finishes the requests in flight and exits 0.");
  server::ServerOptions& o = args->server;
  // Two passes in flight keep the cores busy between passes (docs/serving.md, Batching).
  o.engine.batching_options.workers = 2;
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port to listen on (0: any free port, logged)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--model", args->model,
                  "Model folder or Hugging Face repository ORG/NAME[@REVISION]; default: "
                  "$KOMPRESS_MODEL, else the embedded kompress-mini");
  add_load_precision_option(*cmd, args->precision);
  add_ccr_db_option(*cmd, args->ccr_db);
  cmd->add_option("--token", o.token,
                  "Require \"Authorization: Bearer TOKEN\" on every route but /healthz and "
                  "/readyz; without it, retrieval answers loopback clients only")
      ->envname("KOMPRESS_TOKEN");
  cmd->add_option("--max-body-mb", args->max_body_mb, "Largest request body (413 beyond)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--batch-window-ms", args->batch_window_ms,
                  "How long the first queued chunk waits for others to share its forward pass, "
                  "under a load (under a light one it does not wait; 0: never, chunks queued "
                  "meanwhile still share it)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-batching", args->no_batching,
                "Score each request on its own thread, as the reference does");
  cmd->add_option("--batch-workers", o.engine.batching_options.workers,
                  "Forward passes that may run at once (two keep the cores busy while the "
                  "requests of the last pass send their next); under a light load a pass "
                  "uses every core, else cores / N")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-batch-tokens", o.engine.batching_options.max_batch_tokens,
                  "Tokens per batched scoring call (the model runs it in passes of at most 1,024)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--queue", o.engine.batching_options.max_queued_chunks,
                  "Chunks that may wait for a forward pass; beyond, texts pass through "
                  "unchanged (503 on /compress)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--deadline-ms", args->deadline_ms,
                  "Time budget per request; chunks not scored in time are kept verbatim and the "
                  "response says so (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", o.threads,
                  "Connections served at once (each keep-alive client holds one)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--cache-mb", args->cache_mb, "Result cache for repeated texts (0: off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] { run_serve(*args); });
}

}  // namespace kompress::cli
