// kompress/scorer.h: what the compressor asks of a model: per-token scores for encoded chunks.
//
//   auto scorer = kompress::make_model_scorer(model, "chopratejas/kompress-v2-base");
//   std::vector<kompress::Encoding> chunks = {tok.encode_words(words)};
//   auto scores = scorer->score(chunks);   // scores[0].final_scores.size() == chunks[0].ids.size()
//
// Tests implement Scorer with given scores; a batching server can implement it to pool chunks
// of many requests into one forward pass.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kompress/model.h"
#include "kompress/tokenizer.h"

namespace kompress {

class Scorer {
 public:
  virtual ~Scorer() = default;

  // One SequenceScores per chunk, with final_scores (and p_keep, span when the KeepRule needs
  // them) of the same length as the chunk's ids, specials included. Throws kompress::Error.
  virtual std::vector<SequenceScores> score(std::span<const Encoding> chunks) const = 0;

  // score() that may give up at `deadline`: nullopt when the chunks could not be scored by then
  // (a batching scorer whose queue is too slow). The compressor calls it when a call has a
  // deadline and keeps the chunks it could not score verbatim. The default ignores the deadline.
  virtual std::optional<std::vector<SequenceScores>> score_until(
      std::span<const Encoding> chunks, std::chrono::steady_clock::time_point /*deadline*/) const {
    return score(chunks);
  }

  // Most tokens one chunk may have, specials included (512 for Kompress).
  virtual std::size_t max_tokens() const = 0;

  // Reported as Result::model_used, and part of the result cache's key.
  virtual std::string name() const = 0;
};

// Scores with `model`, whose budget is min(512, model->max_tokens()). Throws kompress::Error
// when the model has no Kompress heads.
std::shared_ptr<Scorer> make_model_scorer(std::shared_ptr<const Model> model, std::string name);

}  // namespace kompress
