// The pipeline driven by given scores: floor, threshold and ratio paths, must-keep, layouts,
// CCR, the result cache, the deadline and bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "compress/fake_scorer.h"
#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/error.h"

namespace kompress {
namespace {

using testing::byte_tokenizer;
using testing::FakeScorer;

// "w0 w1 ... w{n-1}"
std::string numbered_words(std::size_t n, const std::string& prefix = "w") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s += (i ? " " : "") + prefix + std::string(1, char('a' + i % 26)) +
         std::string(1, char('a' + i / 26));
  return s;
}

CompressOptions no_ccr() {
  CompressOptions o;
  o.ccr = false;
  return o;
}

TEST(Compress, FewerThanTheFloorPassesThroughWithoutTheModel) {
  auto scorer = FakeScorer::by_word({}, 0.9f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string nine = "one two three four five six seven eight nine";
  const Result r = c.compress(nine, no_ccr());
  EXPECT_TRUE(r.passthrough);
  EXPECT_EQ(r.compressed, nine);
  EXPECT_EQ(r.original_tokens, 9);
  EXPECT_EQ(r.compressed_tokens, 9);
  EXPECT_DOUBLE_EQ(r.compression_ratio, 1.0);
  EXPECT_EQ(scorer->calls(), 0);

  CompressOptions o = no_ccr();
  o.min_words = 3;
  auto low = FakeScorer::by_word({{"one", 0.9f}}, 0.0f);
  Compressor c2(byte_tokenizer(), low);
  EXPECT_EQ(c2.compress("one two three", o).compressed, "one");
}

TEST(Compress, TenWordsAreCompressed) {
  auto scorer = FakeScorer::by_word({{"alpha", 0.9f}, {"gamma", 0.6f}}, 0.1f);
  Compressor c(byte_tokenizer(), scorer);
  const Result r = c.compress("alpha beta gamma delta epsilon zeta eta theta iota kappa", no_ccr());
  EXPECT_FALSE(r.passthrough);
  EXPECT_EQ(r.compressed, "alpha gamma");
  EXPECT_EQ(r.original_tokens, 10);
  EXPECT_EQ(r.compressed_tokens, 2);
  EXPECT_DOUBLE_EQ(r.compression_ratio, 0.2);
  EXPECT_EQ(r.tokens_saved(), 8);
  EXPECT_DOUBLE_EQ(r.savings_percentage(), 80.0);
  EXPECT_EQ(r.model_used, "fake-model");
  EXPECT_EQ(r.original, "alpha beta gamma delta epsilon zeta eta theta iota kappa");
  ASSERT_EQ(r.words.size(), 10u);
  EXPECT_EQ(r.words[0].reason, Reason::kScore);
  EXPECT_FLOAT_EQ(r.words[0].score, 0.9f);
  EXPECT_EQ(r.words[1].reason, Reason::kDropped);
  EXPECT_FALSE(r.words[1].kept);
  EXPECT_EQ(r.words[2].begin, 11u);
  EXPECT_EQ(r.words[2].end, 16u);
}

TEST(Compress, ThresholdIsStrictlyGreaterAndConfigurable) {
  auto scorer = FakeScorer::by_word({{"half", 0.5f}, {"above", 0.5001f}, {"third", 0.35f}}, 0.0f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string text = "half above third a b c d e f g";
  EXPECT_EQ(c.compress(text, no_ccr()).compressed, "above");
  CompressOptions o = no_ccr();
  o.threshold = 0.3f;
  EXPECT_EQ(c.compress(text, o).compressed, "half above third");
}

TEST(Compress, AWordScoresTheMaxOverItsTokens) {
  // "spiky" has one high token among low ones; "flat" has none above the threshold.
  auto scorer = std::make_shared<FakeScorer>([](const std::string& w, std::size_t t) {
    if (w == "spiky") return t == 3 ? 0.8f : 0.1f;
    if (w == "flat") return 0.45f;
    return 0.0f;
  });
  Compressor c(byte_tokenizer(), scorer);
  EXPECT_EQ(c.compress("flat spiky a b c d e f g h", no_ccr()).compressed, "spiky");
}

TEST(Compress, NothingKeptPassesThrough) {
  auto scorer = FakeScorer::by_word({}, 0.1f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string text = "the cat sat on the mat and\n  then it went away again";
  CompressOptions o = no_ccr();
  o.must_keep = false;
  const Result r = c.compress(text, o);
  EXPECT_TRUE(r.passthrough);
  EXPECT_EQ(r.compressed, text);
  EXPECT_DOUBLE_EQ(r.compression_ratio, 1.0);
  EXPECT_EQ(scorer->calls(), 1);
}

TEST(Compress, RatioPathKeepsTheTopWordsOfEachChunk) {
  // Chunks of 5: the high scores all sit in the first chunk, yet the second keeps its own 2.
  auto scorer = FakeScorer::by_word(
      {{"a1", 0.9f}, {"a2", 0.8f}, {"a3", 0.7f}, {"b4", 0.3f}, {"b2", 0.2f}}, 0.1f);
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = no_ccr();
  o.chunk_words = 5;
  o.ratio = 0.4;
  o.must_keep = false;
  const Result r = c.compress("a1 a2 a3 a4 a5 b1 b2 b3 b4 b5", o);
  EXPECT_EQ(r.compressed, "a1 a2 b2 b4");
  EXPECT_EQ(r.words[0].reason, Reason::kRatio);
}

TEST(Compress, RatioTiesGoToTheLowerIndexAndKeepAtLeastOne) {
  auto scorer = FakeScorer::by_word({}, 0.5f);
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = no_ccr();
  o.must_keep = false;
  o.ratio = 0.3;  // int(10 * 0.3) = 3
  const std::string text = "k0 k1 k2 k3 k4 k5 k6 k7 k8 k9";
  EXPECT_EQ(c.compress(text, o).compressed, "k0 k1 k2");
  o.ratio = 0.05;  // max(1, 0)
  EXPECT_EQ(c.compress(text, o).compressed, "k0");
}

TEST(Compress, MustKeepOverridesLowScores) {
  auto scorer = FakeScorer::by_word({}, 0.0f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string text =
      "the process raised 0x7fff2038 SIGILL in libsystem_kernel.dylib from /usr/lib/python3 "
      "model.py --verbose -n IndexError not or word0";
  const Result r = c.compress(text, no_ccr());
  EXPECT_EQ(r.compressed,
            "0x7fff2038 SIGILL libsystem_kernel.dylib /usr/lib/python3 model.py --verbose -n "
            "IndexError not or");
  EXPECT_EQ(r.words[3].reason, Reason::kMustKeep);

  CompressOptions off = no_ccr();
  off.must_keep = false;
  EXPECT_TRUE(c.compress(text, off).passthrough);  // nothing kept

  CompressOptions custom = no_ccr();
  custom.must_keep_patterns = {"^proc", "^word\\d$"};
  EXPECT_EQ(c.compress(text, custom).compressed, "process word0");

  custom.must_keep_patterns = {"(bad"};
  EXPECT_THROW(c.compress(text, custom), Error);
}

TEST(Compress, LayoutKeepsLinesAndSpaceJoinIsTheReference) {
  auto drop = FakeScorer::by_word({{"drop", 0.0f}}, 0.9f);
  Compressor c(byte_tokenizer(), drop);
  const std::string text =
      "  first line drop\r\n\tsecond\tline here\r\ndrop drop\r\n    last drop line   \r\n";
  CompressOptions o = no_ccr();
  EXPECT_EQ(c.compress(text, o).compressed, "  first line\r\n\tsecond line here\r\n    last line");
  o.join = Join::kSpace;
  EXPECT_EQ(c.compress(text, o).compressed, "first line second line here last line");
}

TEST(Compress, AllKeptInLayoutModeReturnsTheOriginal) {
  auto scorer = FakeScorer::by_word({}, 0.9f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string text = "a  b\tc\n\nd e f g h i j  \n";
  CompressOptions o = no_ccr();
  EXPECT_EQ(c.compress(text, o).compressed, text);
  o.join = Join::kSpace;  // the reference re-spaces even when it keeps every word
  EXPECT_EQ(c.compress(text, o).compressed, "a b c d e f g h i j");
}

class CompressCcr : public ::testing::Test {
 protected:
  std::shared_ptr<ccr::Store> store_ = ccr::make_memory_store();
  std::shared_ptr<FakeScorer> scorer_ = FakeScorer::by_word({{"keep", 0.9f}}, 0.0f);
  Compressor compressor_{byte_tokenizer(), scorer_, store_};
};

TEST_F(CompressCcr, StoresTheOriginalAndAppendsTheCurrentMarker) {
  const std::string text = "keep a b c\nd e f g h keep";
  const Result r = compressor_.compress(text);
  const std::string key = ccr::content_key(text);
  EXPECT_EQ(r.cache_key, key);
  EXPECT_EQ(r.compressed,
            "keep\nkeep\n[10 words compressed to 2 (from 2 source lines). Original "
            "content preserved. Retrieve more: hash=" +
                key + "]");
  EXPECT_DOUBLE_EQ(r.compression_ratio, 0.2);
  ccr::Lookup hit = store_->get(key);
  ASSERT_EQ(hit.status, ccr::Status::kOk);
  EXPECT_EQ(hit.entry.original, text);
  EXPECT_EQ(hit.entry.compressed, "keep\nkeep");
  EXPECT_EQ(hit.entry.original_tokens, 10);
  EXPECT_EQ(hit.entry.compressed_tokens, 2);
}

TEST_F(CompressCcr, OneSourceLineIsSingularAndOtherMarkersWork) {
  const std::string text = "keep a b c d e f g h keep";
  EXPECT_NE(compressor_.compress(text).compressed.find("(from 1 source line)."), std::string::npos);
  CompressOptions o;
  o.marker = Marker::kLegacy;
  EXPECT_EQ(
      compressor_.compress(text, o).compressed,
      "keep keep\n[10 items compressed to 2. Retrieve more: hash=" + ccr::content_key(text) + "]");
  o.marker = Marker::kNone;
  const Result none = compressor_.compress(text, o);
  EXPECT_EQ(none.compressed, "keep keep");
  EXPECT_EQ(none.cache_key, ccr::content_key(text));
}

TEST_F(CompressCcr, RatioOfPointEightOrMoreIsNotStored) {
  // 8 of 10 kept: ratio 0.8 is not below 0.8.
  auto scorer = FakeScorer::by_word({{"x", 0.0f}}, 0.9f);
  Compressor c(byte_tokenizer(), scorer, store_);
  const Result r = c.compress("a b c d x e f x g h");
  EXPECT_DOUBLE_EQ(r.compression_ratio, 0.8);
  EXPECT_TRUE(r.cache_key.empty());
  EXPECT_EQ(r.compressed, "a b c d e f g h");
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(CompressCcr, CcrOffOrNoStoreMeansNoMarker) {
  const Result r = compressor_.compress("keep a b c d e f g h i", no_ccr());
  EXPECT_EQ(r.compressed, "keep");
  Compressor without(byte_tokenizer(), scorer_);
  EXPECT_EQ(without.compress("keep a b c d e f g h i").compressed, "keep");
  EXPECT_EQ(store_->size(), 0u);
}

// A store whose writes fail, as a read-only or corrupt database does.
class BrokenStore : public ccr::Store {
 public:
  std::string put(const ccr::Entry&) override {
    throw Error("attempt to write a readonly database");
  }
  ccr::Lookup get(std::string_view) override { throw Error("broken"); }
  ccr::Status peek(std::string_view) override { throw Error("broken"); }
  std::size_t size() override { return 0; }
  void clear() override {}
  std::string describe() const override { return "broken"; }
};

TEST(Compress, AFailingStoreLeavesCompressionWithoutCcrAndSaysSo) {
  auto scorer = FakeScorer::by_word({{"keep", 0.9f}}, 0.0f);
  Compressor c(byte_tokenizer(), scorer, std::make_shared<BrokenStore>());
  const Result r = c.compress("keep a b c d e f g h i");
  EXPECT_EQ(r.compressed, "keep");
  EXPECT_TRUE(r.cache_key.empty());
  EXPECT_NE(r.ccr_error.find("readonly"), std::string::npos) << r.ccr_error;
  // Not cached: the next call tries the store again.
  c.compress("keep a b c d e f g h i");
  EXPECT_EQ(scorer->calls(), 2);
}

TEST(Compress, TheResultCacheAnswersRepeatsWithoutTheModel) {
  auto scorer = FakeScorer::by_word({{"keep", 0.9f}}, 0.0f);
  auto store = std::shared_ptr<ccr::Store>(ccr::make_memory_store());
  Compressor c(byte_tokenizer(), scorer, store);
  const std::string text = "keep a b c d e f g h i";
  const Result first = c.compress(text);
  EXPECT_FALSE(first.from_cache);
  const Result again = c.compress(text);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.compressed, first.compressed);
  EXPECT_EQ(scorer->calls(), 1);
  EXPECT_EQ(c.cache_entries(), 1u);
  EXPECT_GT(c.cache_bytes(), text.size());

  CompressOptions other;
  other.threshold = 0.95f;  // changes the output: not the same key
  c.compress(text, other);
  EXPECT_EQ(scorer->calls(), 2);
  CompressOptions uncached;
  uncached.use_cache = false;
  c.compress(text, uncached);
  EXPECT_EQ(scorer->calls(), 3);
  CompressOptions later;
  later.deadline = std::chrono::milliseconds(5000);  // does not change a complete result
  EXPECT_TRUE(c.compress(text, later).from_cache);

  // The stored original is gone: compress again so that the marker is backed.
  store->clear();
  const Result redone = c.compress(text);
  EXPECT_FALSE(redone.from_cache);
  EXPECT_EQ(store->peek(redone.cache_key), ccr::Status::kOk);
}

TEST(Compress, InvalidUtf8NamesTheByteOffsetOrIsReplacedWhenLossy) {
  auto scorer = FakeScorer::by_word({{"keep", 0.9f}}, 0.0f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string bad = "keep a b\xFF c d e f g h i";
  try {
    c.compress(bad, no_ccr());
    FAIL() << "expected kompress::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 8"), std::string::npos) << e.what();
  }
  CompressOptions o = no_ccr();
  o.lossy = true;
  const Result r = c.compress(bad, o);
  EXPECT_EQ(r.original, "keep a b\xEF\xBF\xBD c d e f g h i");
  EXPECT_EQ(r.compressed, "keep");
  const std::vector<std::string_view> texts = {"fine", bad};
  try {
    c.compress_batch(texts, no_ccr());
    FAIL() << "expected kompress::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text 1"), std::string::npos) << e.what();
  }
}

TEST(Compress, BadOptionsAreErrors) {
  Compressor c(byte_tokenizer(), FakeScorer::by_word({}, 0.9f));
  const std::string text = "a b c d e f g h i j";
  CompressOptions o = no_ccr();
  o.ratio = 1.5;
  EXPECT_THROW(c.compress(text, o), Error);
  o.ratio.reset();
  o.chunk_words = 0;
  EXPECT_THROW(c.compress(text, o), Error);
}

TEST(CompressBatch, ScoresAllTextsTogetherWithPerTextRatios) {
  auto scorer = FakeScorer::by_word({{"hi", 0.9f}, {"mid", 0.6f}}, 0.1f);
  Compressor c(byte_tokenizer(), scorer);
  const std::string a = "hi mid lo lo lo lo lo lo lo lo";
  const std::string b = "lo lo lo lo lo lo lo lo mid hi";
  const std::string short_text = "too short";
  const std::vector<std::string_view> texts = {a, b, short_text};
  CompressOptions o = no_ccr();
  o.must_keep = false;
  const std::vector<std::optional<double>> ratios = {0.1, std::nullopt, 0.5};
  const auto results = c.compress_batch(texts, o, ratios);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].compressed, "hi");      // ratio 0.1: one word
  EXPECT_EQ(results[1].compressed, "mid hi");  // threshold path
  EXPECT_TRUE(results[2].passthrough);
  EXPECT_EQ(scorer->calls(), 1);  // both texts' chunks in one scorer call

  const std::vector<std::optional<double>> wrong = {0.1};
  EXPECT_THROW(c.compress_batch(texts, o, wrong), Error);
  EXPECT_TRUE(c.compress_batch({}, o).empty());
}

TEST(CompressBatch, BatchSizeBoundsChunksPerScorerCall) {
  auto scorer = FakeScorer::by_word({}, 0.9f);
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = no_ccr();
  o.chunk_words = 10;
  o.batch_size = 2;
  o.use_cache = false;
  c.compress(numbered_words(50), o);  // 5 chunks
  EXPECT_EQ(scorer->calls(), 3);
}

TEST(Compress, ChunksNotReachedBeforeTheDeadlineAreKeptVerbatim) {
  auto scorer = FakeScorer::by_word({}, 0.0f);
  scorer->set_delay(std::chrono::milliseconds(400));
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = no_ccr();
  o.must_keep = false;
  o.chunk_words = 10;
  o.batch_size = 1;
  o.deadline = std::chrono::milliseconds(150);
  const std::string text = numbered_words(30);
  const Result r = c.compress(text, o);
  EXPECT_EQ(scorer->calls(), 1);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.chunks_skipped, 2u);
  EXPECT_EQ(r.compressed_tokens, 20);
  EXPECT_EQ(r.compressed, text.substr(text.find("wka")));  // words 10..29
  EXPECT_EQ(r.words[0].reason, Reason::kDropped);
  EXPECT_EQ(r.words[10].reason, Reason::kDeadline);
  // A partial result is not cached.
  EXPECT_EQ(c.cache_entries(), 0u);
}

// A scorer that gives up at the deadline on its second call, as a batching server's does when
// its queue is too slow.
class GivingUpScorer : public FakeScorer {
 public:
  GivingUpScorer() : FakeScorer([](const std::string&, std::size_t) { return 0.0f; }) {}
  std::optional<std::vector<SequenceScores>> score_until(
      std::span<const Encoding> chunks,
      std::chrono::steady_clock::time_point deadline) const override {
    deadlines.push_back(deadline);
    if (deadlines.size() > 1) return std::nullopt;
    return score(chunks);
  }
  mutable std::vector<std::chrono::steady_clock::time_point> deadlines;
};

TEST(Compress, AScorerThatGivesUpAtTheDeadlineLeavesTheRestVerbatim) {
  auto scorer = std::make_shared<GivingUpScorer>();
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = no_ccr();
  o.must_keep = false;
  o.chunk_words = 10;
  o.batch_size = 1;
  o.deadline = std::chrono::milliseconds(60'000);
  const auto before = std::chrono::steady_clock::now();
  const std::string text = numbered_words(30);
  const Result r = c.compress(text, o);
  ASSERT_EQ(scorer->deadlines.size(), 2u);  // no third call after it gave up
  EXPECT_GE(scorer->deadlines[0], before + o.deadline);
  EXPECT_EQ(scorer->deadlines[0], scorer->deadlines[1]);  // one deadline for the whole call
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.chunks_skipped, 2u);
  EXPECT_EQ(r.compressed, text.substr(text.find("wka")));
  // Without a deadline the plain score() is used.
  o.deadline = std::chrono::milliseconds(0);
  o.use_cache = false;
  EXPECT_FALSE(c.compress(text, o).deadline_hit);
  EXPECT_EQ(scorer->deadlines.size(), 2u);
}

TEST(Compress, TextWithoutSpacesIsScoredPerCharacter) {
  // 二十个汉字 repeated: one Python word, twenty units; 的 is dropped.
  const std::string de = "\xE7\x9A\x84";
  const std::string han = "\xE6\x88\x91";
  std::string text;
  for (int i = 0; i < 10; ++i) text += han + de;
  auto scorer = FakeScorer::by_word({{han, 0.9f}}, 0.1f);
  Compressor c(byte_tokenizer(), scorer);
  const Result r = c.compress(text, no_ccr());
  std::string expected;
  for (int i = 0; i < 10; ++i) expected += han;
  EXPECT_EQ(r.compressed, expected);
  EXPECT_EQ(r.original_tokens, 20);
  EXPECT_DOUBLE_EQ(r.compression_ratio, 0.5);
  CompressOptions whole = no_ccr();
  whole.split_cjk = false;
  EXPECT_TRUE(c.compress(text, whole).passthrough);  // one word: under the floor
}

}  // namespace
}  // namespace kompress

namespace kompress {
namespace {

TEST(Compress, OneCompressorServesManyThreads) {
  auto scorer = testing::FakeScorer::by_word({{"keep", 0.9f}}, 0.0f);
  auto store = std::shared_ptr<ccr::Store>(ccr::make_memory_store());
  Compressor c(testing::byte_tokenizer(), scorer, store);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string text =
            "keep t" + std::to_string(t) + " n" + std::to_string(i % 5) + " a b c d e f g h";
        const Result r = c.compress(text);
        if (r.cache_key != ccr::content_key(text)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(store->size(), 20u);
  EXPECT_EQ(c.cache_entries(), 20u);
}

TEST(ModelScorer, NeedsAModel) { EXPECT_THROW(make_model_scorer(nullptr, "m"), Error); }

}  // namespace
}  // namespace kompress
