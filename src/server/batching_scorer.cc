#include "server/batching_scorer.h"

#include <omp.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace kompress::server {
namespace {

using Clock = std::chrono::steady_clock;

// One score() call waiting for its chunks.
struct Call {
  std::vector<Encoding> chunks;  // a copy: a caller may leave at its deadline mid-pass
  std::vector<SequenceScores> results;
  std::size_t next = 0;  // first chunk the worker has not taken yet
  std::size_t done = 0;  // chunks scored
  bool withdrawn = false;
  std::exception_ptr error;
  Clock::time_point queued_at;
  std::condition_variable finished;

  bool over() const { return done == chunks.size() || error != nullptr; }
};

std::size_t tokens_of(std::span<const Encoding> chunks) {
  std::size_t n = 0;
  for (const Encoding& e : chunks) n += e.ids.size();
  return n;
}

// A chunk of a pass and the call it belongs to.
struct Part {
  std::shared_ptr<Call> call;
  std::size_t index;
};

// The calls whose chunks `parts` holds (a call's chunks are consecutive).
std::size_t calls_in(const std::vector<Part>& parts) {
  std::size_t calls = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    calls += k == 0 || parts[k].call != parts[k - 1].call;
  }
  return calls;
}

}  // namespace

struct BatchingScorer::State {
  BatchingOptions options;
  std::function<void(const BatchRecord&)> on_batch;
  std::mutex mutex;
  std::condition_variable work;  // the worker waits here for chunks
  std::deque<std::shared_ptr<Call>> queue;
  std::size_t queued_chunks = 0;
  std::size_t queued_tokens = 0;
  std::size_t running = 0;  // passes in progress
  // Moving average over recent passes of "it had company": another pass was running when it
  // started, or it scored the chunks of more than one call.
  double company = 0.0;
  bool stopping = false;
  std::vector<std::thread> workers;

  void run(const Scorer& inner);
  // A light load: no pass runs, and recent passes mostly had no company.
  bool light_load() const { return running == 0 && company < 0.5; }
  void note_company(bool had_company);
  void take(std::vector<Encoding>& batch, std::vector<Part>& parts);
  void deliver(std::vector<Part>& parts, std::vector<SequenceScores>& scores,
               const std::exception_ptr& error);
  void withdraw(Call& call);
};

void BatchingScorer::State::run(const Scorer& inner) {
  std::vector<Encoding> batch;
  std::vector<Part> parts;
  std::unique_lock lock(mutex);
  for (;;) {
    work.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty()) return;  // stopping, and nothing left to score
    // Under a light load there is no company to wait for: the window would only add latency
    // (one client's short texts: 170 -> 230 requests/s without it).
    if (!stopping && !light_load()) {
      work.wait_until(lock, queue.front()->queued_at + options.window, [&] {
        return stopping || queue.empty() || queued_tokens >= options.max_batch_tokens;
      });
      if (queue.empty()) continue;  // its callers withdrew
    }
    take(batch, parts);
    const std::size_t calls = calls_in(parts);
    note_company(running > 0 || calls > 1);
    // Under a light load a pass takes every core. Otherwise it soon has company, and three
    // threads on two cores slowed every pass (8 clients: 7% fewer requests/s).
    const int threads = light_load() ? options.threads_alone : options.threads_beside;
    ++running;
    lock.unlock();
    if (threads > 0) omp_set_num_threads(threads);
    std::vector<SequenceScores> scores;
    std::exception_ptr error;
    try {
      scores = inner.score(batch);
      if (scores.size() != batch.size()) {
        throw Error("scorer returned " + std::to_string(scores.size()) + " results for " +
                    std::to_string(batch.size()) + " chunks");
      }
    } catch (...) {
      error = std::current_exception();
    }
    if (on_batch) {
      BatchRecord r;
      r.sequences = batch.size();
      r.tokens = tokens_of(batch);
      r.calls = calls;
      on_batch(r);
    }
    lock.lock();
    --running;
    deliver(parts, scores, error);
  }
}

void BatchingScorer::State::note_company(bool had_company) {
  constexpr double kWeight = 0.1;  // of the newest pass: the average spans the last ten or so
  company += kWeight * ((had_company ? 1.0 : 0.0) - company);
}

// Moves queued chunks, oldest first, into `batch` up to the token budget (at least one).
void BatchingScorer::State::take(std::vector<Encoding>& batch, std::vector<Part>& parts) {
  batch.clear();
  parts.clear();
  std::size_t tokens = 0;
  while (!queue.empty()) {
    const std::shared_ptr<Call>& call = queue.front();
    while (call->next < call->chunks.size()) {
      const std::size_t n = call->chunks[call->next].ids.size();
      if (!batch.empty() && tokens + n > options.max_batch_tokens) {
        queued_chunks -= batch.size();
        queued_tokens -= tokens;
        return;
      }
      tokens += n;
      batch.push_back(std::move(call->chunks[call->next]));
      parts.push_back({call, call->next});
      ++call->next;
    }
    queue.pop_front();
  }
  queued_chunks -= batch.size();
  queued_tokens -= tokens;
}

void BatchingScorer::State::deliver(std::vector<Part>& parts, std::vector<SequenceScores>& scores,
                                    const std::exception_ptr& error) {
  for (std::size_t k = 0; k < parts.size(); ++k) {
    Call& call = *parts[k].call;
    if (call.withdrawn) continue;
    if (error) {
      if (!call.error) call.error = error;
    } else {
      call.results[parts[k].index] = std::move(scores[k]);
      ++call.done;
    }
    if (k + 1 == parts.size() || parts[k + 1].call != parts[k].call) call.finished.notify_one();
  }
  parts.clear();
}

// Takes a call's chunks that are still queued out of the queue (its caller is leaving).
void BatchingScorer::State::withdraw(Call& call) {
  call.withdrawn = true;
  if (call.next == call.chunks.size()) return;
  const std::span<const Encoding> waiting(call.chunks.data() + call.next,
                                          call.chunks.size() - call.next);
  queued_chunks -= waiting.size();
  queued_tokens -= tokens_of(waiting);
  call.next = call.chunks.size();
  std::erase_if(queue, [&](const std::shared_ptr<Call>& c) { return c.get() == &call; });
}

BatchingScorer::BatchingScorer(std::shared_ptr<const Scorer> inner, BatchingOptions options,
                               std::function<void(const BatchRecord&)> on_batch)
    : inner_(std::move(inner)), state_(std::make_unique<State>()) {
  if (inner_ == nullptr) throw Error("batching scorer: no inner scorer");
  state_->options = options;
  state_->on_batch = std::move(on_batch);
  if (options.workers == 0) throw Error("batching scorer: no workers");
  for (std::size_t i = 0; i < options.workers; ++i) {
    state_->workers.emplace_back([this] { state_->run(*inner_); });
  }
}

BatchingScorer::~BatchingScorer() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->work.notify_all();
  for (std::thread& worker : state_->workers) worker.join();
}

std::vector<SequenceScores> BatchingScorer::score(std::span<const Encoding> chunks) const {
  return *wait_for(chunks, std::nullopt);
}

std::optional<std::vector<SequenceScores>> BatchingScorer::score_until(
    std::span<const Encoding> chunks, Clock::time_point deadline) const {
  return wait_for(chunks, deadline);
}

std::optional<std::vector<SequenceScores>> BatchingScorer::wait_for(
    std::span<const Encoding> chunks, std::optional<Clock::time_point> deadline) const {
  if (chunks.empty()) return std::vector<SequenceScores>{};
  State& st = *state_;
  auto call = std::make_shared<Call>();
  call->chunks.assign(chunks.begin(), chunks.end());
  call->results.resize(chunks.size());
  std::unique_lock lock(st.mutex);
  if (st.queued_chunks > 0 && st.queued_chunks + chunks.size() > st.options.max_queued_chunks) {
    throw QueueFull("scoring queue full (" + std::to_string(st.queued_chunks) + " chunks waiting)");
  }
  call->queued_at = Clock::now();
  st.queue.push_back(call);
  st.queued_chunks += chunks.size();
  st.queued_tokens += tokens_of(chunks);
  st.work.notify_one();
  const auto over = [&] { return call->over(); };
  if (deadline) {
    if (!call->finished.wait_until(lock, *deadline, over)) {
      st.withdraw(*call);
      return std::nullopt;
    }
  } else {
    call->finished.wait(lock, over);
  }
  if (call->error) {
    st.withdraw(*call);
    std::rethrow_exception(call->error);
  }
  return std::move(call->results);
}

std::size_t BatchingScorer::max_tokens() const { return inner_->max_tokens(); }
std::string BatchingScorer::name() const { return inner_->name(); }

std::size_t BatchingScorer::queued_chunks() const {
  std::lock_guard lock(state_->mutex);
  return state_->queued_chunks;
}

}  // namespace kompress::server
