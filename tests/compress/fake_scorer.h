// A Scorer driven by given scores, over the byte-level test tokenizer (token id == byte), so
// that it can read each word back from the ids it is handed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kompress/scorer.h"
#include "kompress/tokenizer.h"
#include "test_paths.h"

namespace kompress::testing {

inline std::shared_ptr<const Tokenizer> byte_tokenizer() {
  static const auto tok = std::make_shared<const Tokenizer>(
      Tokenizer::from_file(test_data("compress/byte_tokenizer.json").string()));
  return tok;
}

class FakeScorer : public Scorer {
 public:
  // Score of token `t` (0-based within the word) of `word`.
  using TokenScore = std::function<float(const std::string& word, std::size_t t)>;

  explicit FakeScorer(TokenScore fn, std::size_t max_tokens = 512)
      : fn_(std::move(fn)), max_tokens_(max_tokens) {}

  // Every token of a word scores the value in `scores`, or `other` for words not listed.
  static std::shared_ptr<FakeScorer> by_word(std::map<std::string, float> scores,
                                             float other = 0.0f, std::size_t max_tokens = 512) {
    return std::make_shared<FakeScorer>(
        [scores = std::move(scores), other](const std::string& w, std::size_t) {
          auto it = scores.find(w);
          return it == scores.end() ? other : it->second;
        },
        max_tokens);
  }

  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override {
    calls_++;
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    std::vector<SequenceScores> out;
    for (const Encoding& e : chunks) {
      {
        std::lock_guard lock(mutex_);
        chunk_sizes_.push_back(e.ids.size());
      }
      std::vector<std::string> words;
      for (std::size_t i = 0; i < e.ids.size(); ++i) {
        const int32_t w = e.word_ids[i];
        if (w == kNoWord) continue;
        if (words.size() <= static_cast<std::size_t>(w)) words.resize(w + 1);
        words[w].push_back(static_cast<char>(e.ids[i]));
      }
      SequenceScores s;
      std::vector<std::size_t> seen(words.size(), 0);
      for (std::size_t i = 0; i < e.ids.size(); ++i) {
        const int32_t w = e.word_ids[i];
        const float v = w == kNoWord ? special_score_ : fn_(words[w], seen[w]++);
        s.final_scores.push_back(v);
        s.p_keep.push_back(v);
        s.span.push_back(span_);
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  std::size_t max_tokens() const override { return max_tokens_; }
  std::string name() const override { return "fake-model"; }

  int calls() const { return calls_; }
  std::vector<std::size_t> chunk_sizes() const {
    std::lock_guard lock(mutex_);
    return chunk_sizes_;
  }
  void set_delay(std::chrono::milliseconds d) { delay_ = d; }
  void set_span(float s) { span_ = s; }
  void set_special_score(float s) { special_score_ = s; }

 private:
  TokenScore fn_;
  std::size_t max_tokens_;
  std::chrono::milliseconds delay_{0};
  float span_ = 0.0f;
  float special_score_ = 0.99f;  // specials score high: they must never keep a word
  mutable std::atomic<int> calls_{0};
  mutable std::mutex mutex_;
  mutable std::vector<std::size_t> chunk_sizes_;
};

}  // namespace kompress::testing
