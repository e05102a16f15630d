#include "server/metered_scorer.h"

#include <chrono>

#include "kompress/error.h"

namespace kompress::server {

MeteredScorer::MeteredScorer(std::shared_ptr<const Scorer> inner, std::shared_ptr<Metrics> metrics)
    : inner_(std::move(inner)), metrics_(std::move(metrics)) {
  if (inner_ == nullptr) throw Error("metered scorer: no inner scorer");
}

std::vector<SequenceScores> MeteredScorer::score(std::span<const Encoding> chunks) const {
  const auto start = std::chrono::steady_clock::now();
  auto scores = inner_->score(chunks);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::size_t tokens = 0;
  for (const Encoding& e : chunks) tokens += e.ids.size();
  metrics_->record_pass(chunks.size(), tokens, took.count());
  return scores;
}

}  // namespace kompress::server
