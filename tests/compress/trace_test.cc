// CompressOptions::trace (every scored token in Result::trace) and CompressOptions::progress.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>

#include "compress/fake_scorer.h"
#include "kompress/compressor.h"

namespace kompress {
namespace {

using testing::byte_tokenizer;
using testing::FakeScorer;

constexpr int32_t kCls = 256;  // the byte tokenizer's specials
constexpr int32_t kSep = 257;

CompressOptions traced() {
  CompressOptions o;
  o.ccr = false;
  o.trace = true;
  return o;
}

// Words "aa", "bb", ... "ll": twelve words of two bytes each.
const std::string kTwelve = "aa bb cc dd ee ff gg hh ii jj kk ll";

TEST(Trace, OffByDefault) {
  Compressor c(byte_tokenizer(), FakeScorer::by_word({{"aa", 0.9f}}));
  CompressOptions o;
  o.ccr = false;
  EXPECT_TRUE(c.compress(kTwelve, o).trace.empty());
}

TEST(Trace, ListsEveryTokenWithSpecialsAndWholeTextWordIndices) {
  auto scorer = FakeScorer::by_word({{"cc", 0.8f}, {"kk", 0.7f}}, 0.1f);
  scorer->set_span(0.25f);
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = traced();
  o.chunk_words = 5;  // chunks of words 0-4, 5-9, 10-11
  const Result r = c.compress(kTwelve, o);
  ASSERT_EQ(r.trace.size(), 3u);
  ASSERT_EQ(r.words.size(), 12u);
  std::size_t word_tokens = 0;
  for (std::size_t s = 0; s < r.trace.size(); ++s) {
    const SequenceTrace& seq = r.trace[s];
    EXPECT_EQ(seq.chunk, s);
    EXPECT_EQ(seq.first_word, s * 5);
    ASSERT_GE(seq.tokens.size(), 2u);
    EXPECT_EQ(seq.tokens.front().id, kCls);
    EXPECT_EQ(seq.tokens.front().word, -1);
    EXPECT_EQ(seq.tokens.back().id, kSep);
    EXPECT_EQ(seq.tokens.back().word, -1);
    for (const TokenTrace& t : seq.tokens) {
      if (t.word < 0) continue;
      ++word_tokens;
      const WordDecision& w = r.words[static_cast<std::size_t>(t.word)];
      // Token id == byte: the token is one of its word's bytes.
      EXPECT_NE(r.original.substr(w.begin, w.end - w.begin).find(static_cast<char>(t.id)),
                std::string::npos);
      EXPECT_FLOAT_EQ(t.final_score, w.score);
      EXPECT_FLOAT_EQ(t.p_keep, t.final_score);
      EXPECT_FLOAT_EQ(t.span, 0.25f);
    }
  }
  EXPECT_EQ(word_tokens, 24u) << "two byte tokens for each of twelve words";
  EXPECT_EQ(r.compressed, "cc kk");
}

TEST(Trace, AChunkOverTheBudgetIsTracedAsSeveralSequences) {
  // 8 tokens per sequence: [CLS] + three two-byte words + [SEP].
  Compressor c(byte_tokenizer(), FakeScorer::by_word({{"aa", 0.9f}}, 0.0f, 8));
  const Result r = c.compress(kTwelve, traced());
  ASSERT_EQ(r.trace.size(), 4u);
  for (std::size_t s = 0; s < r.trace.size(); ++s) {
    EXPECT_EQ(r.trace[s].chunk, 0u);
    EXPECT_EQ(r.trace[s].first_word, s * 3);
    EXPECT_EQ(r.trace[s].tokens.size(), 8u);
  }
}

TEST(Trace, KeptWhenTheResultPassesThrough) {
  // Nothing scores above the threshold: the text passes through, yet it was scored.
  Compressor c(byte_tokenizer(), FakeScorer::by_word({}, 0.0f));
  const Result r = c.compress(kTwelve, traced());
  EXPECT_TRUE(r.passthrough);
  ASSERT_EQ(r.trace.size(), 1u);
  EXPECT_EQ(r.trace[0].tokens.size(), 26u);
}

TEST(Trace, ScorerWithoutHeadOutputsReportsNan) {
  class FinalOnly : public FakeScorer {
   public:
    FinalOnly() : FakeScorer([](const std::string&, std::size_t) { return 0.9f; }) {}
    std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override {
      auto out = FakeScorer::score(chunks);
      for (auto& s : out) {
        s.p_keep.clear();
        s.span.clear();
      }
      return out;
    }
  };
  Compressor c(byte_tokenizer(), std::make_shared<FinalOnly>());
  const Result r = c.compress(kTwelve, traced());
  ASSERT_FALSE(r.trace.empty());
  EXPECT_TRUE(std::isnan(r.trace[0].tokens[1].p_keep));
  EXPECT_TRUE(std::isnan(r.trace[0].tokens[1].span));
  EXPECT_FLOAT_EQ(r.trace[0].tokens[1].final_score, 0.9f);
}

TEST(Trace, BypassesTheResultCache) {
  auto scorer = FakeScorer::by_word({{"aa", 0.9f}});
  Compressor c(byte_tokenizer(), scorer);
  const Result first = c.compress(kTwelve, traced());
  const Result second = c.compress(kTwelve, traced());
  EXPECT_FALSE(second.from_cache);
  EXPECT_EQ(second.trace.size(), first.trace.size());
  EXPECT_EQ(scorer->calls(), 2);
  EXPECT_EQ(c.cache_entries(), 0u);
}

TEST(Progress, ReportsEveryBatchUpToTheTotal) {
  Compressor c(byte_tokenizer(), FakeScorer::by_word({{"aa", 0.9f}}));
  CompressOptions o;
  o.ccr = false;
  o.chunk_words = 2;  // six chunks
  o.batch_size = 4;   // two scoring batches
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  o.progress = [&calls](std::size_t done, std::size_t total) { calls.emplace_back(done, total); };
  c.compress(kTwelve, o);
  const std::vector<std::pair<std::size_t, std::size_t>> expected = {{0, 6}, {4, 6}, {6, 6}};
  EXPECT_EQ(calls, expected);

  calls.clear();
  c.compress("too few words", o);
  EXPECT_TRUE(calls.empty()) << "no model call, no progress";
}

}  // namespace
}  // namespace kompress
