// A Scorer that reports every forward pass of the one it wraps (sequences, tokens, seconds) to
// the server's metrics, batched or not.
#pragma once

#include <memory>

#include "kompress/scorer.h"
#include "server/metrics.h"

namespace kompress::server {

class MeteredScorer final : public Scorer {
 public:
  MeteredScorer(std::shared_ptr<const Scorer> inner, std::shared_ptr<Metrics> metrics);

  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override;
  std::size_t max_tokens() const override { return inner_->max_tokens(); }
  std::string name() const override { return inner_->name(); }

 private:
  std::shared_ptr<const Scorer> inner_;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace kompress::server
