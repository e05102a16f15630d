#include "server/engine.h"

#include <exception>

#include "kompress/error.h"
#include "server/metered_scorer.h"

namespace kompress::server {
namespace {

// Enough words to pass the compressor's floor, so that warming runs one real forward pass.
constexpr const char* kWarmUpText =
    "kompress warms up the model with one forward pass over these few words before it reports "
    "ready";

}  // namespace

Engine::Engine(ModelLoader loader, std::shared_ptr<ccr::Store> store, EngineOptions options,
               std::shared_ptr<Metrics> metrics)
    : loader_(std::move(loader)),
      store_(std::move(store)),
      options_(options),
      metrics_(std::move(metrics)) {}

void Engine::start() {
  thread_ = std::jthread([this](std::stop_token stop) { load(stop); });
}

void Engine::load(std::stop_token stop) {
  const auto start = std::chrono::steady_clock::now();
  try {
    LoadedModel m = loader_(stop);
    if (!m.tokenizer || !m.scorer) throw Error("model loader returned no model");
    std::shared_ptr<const Scorer> scorer = std::make_shared<MeteredScorer>(m.scorer, metrics_);
    std::shared_ptr<const BatchingScorer> batcher;
    if (options_.batching) {
      batcher = std::make_shared<BatchingScorer>(
          scorer, options_.batching_options,
          [metrics = metrics_](const BatchRecord& r) { metrics->record_pooling(r.calls); });
      scorer = batcher;
    }
    auto compressor =
        std::make_shared<const Compressor>(m.tokenizer, scorer, store_, options_.cache_bytes);
    CompressOptions warm;
    warm.ccr = false;
    warm.use_cache = false;
    warm.deadline = std::chrono::milliseconds(0);
    compressor->compress(kWarmUpText, warm);
    std::lock_guard lock(mutex_);
    compressor_ = std::move(compressor);
    batcher_ = std::move(batcher);
    status_.state = State::kReady;
    status_.model = scorer->name();
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    status_.state = State::kFailed;
    status_.error = e.what();
  }
  if (options_.log && !stop.stop_requested()) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    const Status s = status();
    options_.log(s.state == State::kReady
                     ? "model " + s.model + " ready (loaded and warmed in " +
                           std::to_string(took.count()) + " s)"
                     : "model failed to load: " + s.error + " (the server answers 503)");
  }
}

std::shared_ptr<const Compressor> Engine::compressor() const {
  std::lock_guard lock(mutex_);
  return compressor_;
}

Engine::Status Engine::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::size_t Engine::queued_chunks() const {
  std::lock_guard lock(mutex_);
  return batcher_ ? batcher_->queued_chunks() : 0;
}

}  // namespace kompress::server
