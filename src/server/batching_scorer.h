// A Scorer that pools the chunks of concurrent calls into one forward pass of the model.
//
//   auto batched = std::make_shared<BatchingScorer>(make_model_scorer(model, "kompress"),
//                                                   BatchingOptions{});
//   Compressor c(tokenizer, batched, store);   // every request thread shares `c`
//
// Each score() call queues its chunks and waits. A worker thread takes queued chunks, oldest
// first, once the oldest has waited `window` or `max_batch_tokens` are queued, and scores them
// with ONE call of the inner scorer; each caller gets its own results back. `workers` passes may
// run at once. The reference scores
// one request at a time; pooling lets a CPU's matrix kernels work on many rows at once and keeps
// concurrent requests from fighting over the cores.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kompress/error.h"
#include "kompress/scorer.h"

namespace kompress::server {

struct BatchingOptions {
  // How long the oldest queued chunk waits for company before its pass starts, under a load
  // (recent passes pooled calls or overlapped); under a light load a pass starts at once. Zero:
  // a pass starts as soon as the worker is free (calls that queued meanwhile still share it).
  std::chrono::microseconds window{500};
  // Tokens per call of the inner scorer (a "pass" here; the model splits a call of more than
  // 1,024 tokens into passes of its own); a pass always takes at least one chunk.
  std::size_t max_batch_tokens = 8192;
  // Chunks that may wait; a call that would queue more throws QueueFull (unless the queue is
  // empty, so that any call can be served).
  std::size_t max_queued_chunks = 1024;
  // Passes that may run at once, each on a worker thread of its own. Two keep the cores busy
  // while requests that just got their scores send their next chunks: with one, the cores idle
  // between passes.
  std::size_t workers = 1;
  // OpenMP threads of a pass under a light load (no other pass runs, and recent passes mostly
  // neither overlapped nor pooled calls: a lone request gets every core), and of any other pass
  // (cores / workers, say). Set on the worker thread before the pass (omp_set_num_threads), so
  // the inner scorer must not set its own (LoadOptions::threads = 0). 0: the worker's default.
  int threads_alone = 0;
  int threads_beside = 0;
};

// Thrown by score() when the queue is full: the caller should pass its text through.
class QueueFull : public Error {
 public:
  using Error::Error;
};

// What one forward pass held, for metrics.
struct BatchRecord {
  std::size_t sequences = 0;
  std::size_t tokens = 0;
  std::size_t calls = 0;  // score() calls whose chunks it scored
};

class BatchingScorer final : public Scorer {
 public:
  // `on_batch` is called by the worker after each pass (outside any lock).
  BatchingScorer(std::shared_ptr<const Scorer> inner, BatchingOptions options,
                 std::function<void(const BatchRecord&)> on_batch = {});
  // Stops the worker. No call may be in flight.
  ~BatchingScorer() override;

  // Waits for the chunks' pass. Throws QueueFull, or what the inner scorer threw.
  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override;
  // Same, but returns nullopt at `deadline` when the chunks are not scored by then; chunks still
  // queued are withdrawn, chunks in a running pass are scored for nobody.
  std::optional<std::vector<SequenceScores>> score_until(
      std::span<const Encoding> chunks,
      std::chrono::steady_clock::time_point deadline) const override;

  std::size_t max_tokens() const override;
  std::string name() const override;

  // Chunks waiting for a pass now.
  std::size_t queued_chunks() const;

 private:
  struct State;
  std::optional<std::vector<SequenceScores>> wait_for(
      std::span<const Encoding> chunks,
      std::optional<std::chrono::steady_clock::time_point> deadline) const;

  std::shared_ptr<const Scorer> inner_;
  std::unique_ptr<State> state_;
};

}  // namespace kompress::server
