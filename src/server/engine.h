// The compressor behind the routes, loaded and warmed on a background thread so that the
// server answers /healthz (and 503s) while a model loads or downloads.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"
#include "server/batching_scorer.h"
#include "server/metrics.h"

namespace kompress::server {

// What a model loader hands the server: the tokenizer and the model's own (unbatched) scorer.
struct LoadedModel {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const Scorer> scorer;
};

// Loads the model; may take long (a download), and should give up when `stop` is requested
// (the server is shutting down). Throws kompress::Error when it cannot load.
using ModelLoader = std::function<LoadedModel(std::stop_token stop)>;

struct EngineOptions {
  bool batching = true;  // off: each request thread runs its own forward passes
  BatchingOptions batching_options;
  std::size_t cache_bytes = std::size_t{64} << 20;  // the compressor's result cache
  // Told when the model is ready (with its load time) or failed to load; may be empty.
  std::function<void(const std::string&)> log;
};

class Engine {
 public:
  enum class State { kLoading, kReady, kFailed };

  struct Status {
    State state = State::kLoading;
    std::string model;  // Scorer::name() once ready
    std::string error;  // why loading failed
  };

  Engine(ModelLoader loader, std::shared_ptr<ccr::Store> store, EngineOptions options,
         std::shared_ptr<Metrics> metrics);
  // Asks the loader to stop and waits for it.
  ~Engine() = default;

  // Starts loading on a background thread: load, wrap in the batcher, one warm-up pass.
  void start();

  // The compressor once ready; null before (or after a failed load).
  std::shared_ptr<const Compressor> compressor() const;
  Status status() const;
  std::size_t queued_chunks() const;

 private:
  void load(std::stop_token stop);

  ModelLoader loader_;
  std::shared_ptr<ccr::Store> store_;
  EngineOptions options_;
  std::shared_ptr<Metrics> metrics_;
  mutable std::mutex mutex_;
  Status status_;
  std::shared_ptr<const Compressor> compressor_;
  std::shared_ptr<const BatchingScorer> batcher_;
  std::jthread thread_;  // last: stopped and joined before the members it uses go
};

}  // namespace kompress::server
