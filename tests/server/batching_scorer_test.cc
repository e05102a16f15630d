// BatchingScorer on its own: each caller gets its own scores back, passes respect the token
// budget, and errors, deadlines and a full queue reach the callers.
#include "server/batching_scorer.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <future>
#include <mutex>

#include "compress/fake_scorer.h"
#include "server/server_test_env.h"

namespace kompress::server {
namespace {

using testing::CountingScorer;
using testing::FakeScorer;
using testing::Gate;
using testing::OpenAtExit;

// A chunk whose ids read back as `word` through the byte-level fake scorer.
Encoding chunk(const std::string& word) {
  Encoding e;
  e.ids.push_back(1);
  e.word_ids.push_back(kNoWord);
  for (const char c : word) {
    e.ids.push_back(static_cast<unsigned char>(c));
    e.word_ids.push_back(0);
  }
  e.ids.push_back(2);
  e.word_ids.push_back(kNoWord);
  return e;
}

// Scores every token of a word by its length, so callers' results are told apart.
std::shared_ptr<FakeScorer> by_length() {
  return std::make_shared<FakeScorer>(
      [](const std::string& w, std::size_t) { return static_cast<float>(w.size()) / 100.0f; });
}

TEST(BatchingScorer, PoolsCallsIntoOnePassAndHandsEachCallerItsOwnScores) {
  Gate gate;
  auto counting = std::make_shared<CountingScorer>(by_length(), &gate);
  BatchingScorer batched(counting, {});
  OpenAtExit release(gate);
  // The first call's pass is held; three more calls queue meanwhile and share the next pass.
  const std::vector<std::vector<Encoding>> calls = {
      {chunk("a")}, {chunk("bb"), chunk("ccc")}, {chunk("dddd")}, {chunk("eeeee"), chunk("f")}};
  std::vector<std::future<std::vector<SequenceScores>>> results;
  results.push_back(std::async(std::launch::async, [&] { return batched.score(calls[0]); }));
  gate.wait_arrived(1);
  for (std::size_t i = 1; i < calls.size(); ++i) {
    results.push_back(std::async(std::launch::async, [&, i] { return batched.score(calls[i]); }));
  }
  while (batched.queued_chunks() < 5) std::this_thread::yield();
  gate.open();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto got = results[i].get();
    const auto want = by_length()->score(calls[i]);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < got.size(); ++k)
      EXPECT_EQ(got[k].final_scores, want[k].final_scores);
  }
  EXPECT_EQ(counting->passes(), 2);
  EXPECT_EQ(counting->sequences(), 6u);
}

TEST(BatchingScorer, TwoWorkersRunASecondPassWhileTheFirstIsHeld) {
  Gate gate;
  auto counting = std::make_shared<CountingScorer>(by_length(), &gate);
  BatchingOptions o;
  o.workers = 2;
  o.window = std::chrono::microseconds(0);
  BatchingScorer batched(counting, o);
  OpenAtExit release(gate);
  const std::vector<Encoding> first = {chunk("a")}, second = {chunk("bb")};
  auto a = std::async(std::launch::async, [&] { return batched.score(first); });
  gate.wait_arrived(1);
  auto b = std::async(std::launch::async, [&] { return batched.score(second); });
  gate.wait_arrived(2);  // with one worker the second call would wait for the first pass
  gate.open();
  EXPECT_EQ(a.get()[0].final_scores, by_length()->score(first)[0].final_scores);
  EXPECT_EQ(b.get()[0].final_scores, by_length()->score(second)[0].final_scores);
  EXPECT_EQ(counting->passes(), 2);
  BatchingOptions none;
  none.workers = 0;
  EXPECT_THROW(BatchingScorer(counting, none), Error);
}

// Notes the OpenMP threads each pass would run on, then scores with `inner`.
class ThreadNotingScorer final : public Scorer {
 public:
  explicit ThreadNotingScorer(std::shared_ptr<const Scorer> inner) : inner_(std::move(inner)) {}
  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override {
    {
      std::lock_guard lock(mutex_);
      threads_.push_back(omp_get_max_threads());
    }
    return inner_->score(chunks);
  }
  std::size_t max_tokens() const override { return inner_->max_tokens(); }
  std::string name() const override { return inner_->name(); }
  std::vector<int> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::shared_ptr<const Scorer> inner_;
  mutable std::mutex mutex_;
  mutable std::vector<int> threads_;
};

TEST(BatchingScorer, APassGetsEveryCoreAloneUnderALightLoadAndItsShareOtherwise) {
  Gate gate;
  auto noting =
      std::make_shared<ThreadNotingScorer>(std::make_shared<CountingScorer>(by_length(), &gate));
  BatchingOptions o;
  o.workers = 3;
  o.window = std::chrono::microseconds(0);
  o.threads_alone = 3;
  o.threads_beside = 1;
  BatchingScorer batched(noting, o);
  OpenAtExit release(gate);
  const std::vector<std::vector<Encoding>> calls = {{chunk("a")}, {chunk("bb")}, {chunk("c")}};
  // Rounds of three passes at once: the first of each starts alone, the others beside it.
  int arrived = 0;
  const auto overlapping_round = [&] {
    gate.close();
    std::vector<std::future<std::vector<SequenceScores>>> running;
    for (const auto& call : calls) {
      running.push_back(std::async(std::launch::async, [&] { return batched.score(call); }));
      gate.wait_arrived(++arrived);
    }
    gate.open();
    for (auto& r : running) (void)r.get();
  };
  const auto lone_pass = [&] {
    (void)batched.score(calls[0]);
    ++arrived;
    return noting->threads().back();
  };
  overlapping_round();
  EXPECT_EQ(noting->threads(), (std::vector<int>{3, 1, 1}));
  for (int i = 0; i < 10; ++i) overlapping_round();
  // Passes have been overlapping: one that starts alone now would soon have company.
  EXPECT_EQ(lone_pass(), 1);
  // Once the load is light again, a lone pass takes every core.
  int lone = 0;
  while (lone < 30 && lone_pass() == 1) ++lone;
  EXPECT_GT(lone, 0);
  EXPECT_LT(lone, 30);
  EXPECT_EQ(noting->threads().back(), 3);
}

// Waits until `n` chunks are queued (fails the test after a minute).
void wait_queued(const BatchingScorer& batched, std::size_t n) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (batched.queued_chunks() < n) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << batched.queued_chunks() << " of " << n;
    std::this_thread::yield();
  }
}

TEST(BatchingScorer, UnderALightLoadAPassStartsAtOnceAndUnderLoadItWaitsForCompany) {
  Gate gate(/*open=*/true);
  auto counting = std::make_shared<CountingScorer>(by_length(), &gate);
  BatchingOptions o;
  o.workers = 2;
  o.window = std::chrono::seconds(2);
  // A pass waits no longer once two chunks are queued: the rounds below never wait the window.
  const std::vector<Encoding> call = {chunk("a")}, pair = {chunk("a"), chunk("b")};
  o.max_batch_tokens = pair[0].ids.size() + pair[1].ids.size();
  BatchingScorer batched(counting, o);
  OpenAtExit release(gate);
  const auto score = [&](const std::vector<Encoding>& chunks) {
    return std::async(std::launch::async, [&] { return batched.score(chunks); });
  };
  // Nothing else going on: no company to wait for, so not the window either.
  auto lone = score(call);
  ASSERT_EQ(lone.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  // Rounds of a load: two passes at once, then one that pools two calls.
  int arrived = 1;
  for (int round = 0; round < 10; ++round) {
    gate.close();
    auto x = score(pair);
    gate.wait_arrived(++arrived);
    auto y = score(pair);
    gate.wait_arrived(++arrived);
    auto b = score(call);
    auto c = score(call);
    wait_queued(batched, 2);
    gate.open();
    for (auto* f : {&x, &y, &b, &c}) (void)f->get();
    gate.wait_arrived(++arrived);  // b and c's pass (or passes)
  }
  // Now a call waits the window, and one that comes meanwhile shares its pass.
  const int passes = counting->passes();
  auto first = score(call);
  wait_queued(batched, 1);
  auto second = score(call);
  (void)first.get();
  (void)second.get();
  EXPECT_EQ(counting->passes(), passes + 1);
}

TEST(BatchingScorer, APassHoldsNoMoreThanTheTokenBudget) {
  auto fake = by_length();
  std::vector<BatchRecord> passes;
  std::mutex m;
  BatchingOptions o;
  o.max_batch_tokens = 12;  // two 6-token chunks
  BatchingScorer batched(fake, o, [&](const BatchRecord& r) {
    std::lock_guard lock(m);
    passes.push_back(r);
  });
  const std::vector<Encoding> chunks = {chunk("aaaa"), chunk("bbbb"), chunk("cccc"), chunk("dddd"),
                                        chunk("e" + std::string(20, 'e'))};
  const auto got = batched.score(chunks);
  ASSERT_EQ(got.size(), chunks.size());
  EXPECT_EQ(got[4].final_scores, fake->score(std::span(&chunks[4], 1))[0].final_scores);
  std::lock_guard lock(m);
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[0].sequences, 2u);
  EXPECT_EQ(passes[0].tokens, 12u);
  EXPECT_EQ(passes[1].sequences, 2u);
  EXPECT_EQ(passes[2].sequences, 1u);  // alone over the budget, still scored
  EXPECT_EQ(passes[2].tokens, 23u);
  EXPECT_EQ(passes[0].calls, 1u);
}

// A scorer that fails every pass.
class FailingScorer final : public Scorer {
 public:
  std::vector<SequenceScores> score(std::span<const Encoding>) const override {
    throw Error("model exploded");
  }
  std::size_t max_tokens() const override { return 512; }
  std::string name() const override { return "failing"; }
};

TEST(BatchingScorer, AnInnerErrorReachesTheCaller) {
  BatchingScorer batched(std::make_shared<FailingScorer>(), {});
  const std::vector<Encoding> chunks = {chunk("a"), chunk("b")};
  EXPECT_THROW(batched.score(chunks), Error);
  EXPECT_EQ(batched.queued_chunks(), 0u);
}

TEST(BatchingScorer, ACallPastItsDeadlineGivesUpAndWithdrawsItsChunks) {
  Gate gate;
  auto counting = std::make_shared<CountingScorer>(by_length(), &gate);
  BatchingScorer batched(counting, {});
  OpenAtExit release(gate);
  const std::vector<Encoding> first = {chunk("a")};
  auto held = std::async(std::launch::async, [&] { return batched.score(first); });
  gate.wait_arrived(1);
  const std::vector<Encoding> late = {chunk("bb"), chunk("cc")};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  EXPECT_FALSE(batched.score_until(late, deadline).has_value());
  EXPECT_EQ(batched.queued_chunks(), 0u);
  // A deadline already past gives up at once.
  EXPECT_FALSE(batched.score_until(late, std::chrono::steady_clock::now()).has_value());
  gate.open();
  EXPECT_EQ(held.get().size(), 1u);
  EXPECT_EQ(counting->sequences(), 1u);  // the late chunks were never scored
  // In time, score_until scores.
  const auto in_time =
      batched.score_until(late, std::chrono::steady_clock::now() + std::chrono::minutes(1));
  ASSERT_TRUE(in_time.has_value());
  EXPECT_EQ(in_time->size(), 2u);
}

TEST(BatchingScorer, AFullQueueRefusesNewCallsButAnEmptyOneTakesAnySize) {
  Gate gate;
  auto counting = std::make_shared<CountingScorer>(by_length(), &gate);
  BatchingOptions o;
  o.max_queued_chunks = 2;
  BatchingScorer batched(counting, o);
  OpenAtExit release(gate);
  const std::vector<Encoding> three = {chunk("a"), chunk("b"), chunk("c")};
  auto held = std::async(std::launch::async, [&] { return batched.score(three); });
  gate.wait_arrived(1);
  const std::vector<Encoding> two = {chunk("d"), chunk("e")};
  auto queued = std::async(std::launch::async, [&] { return batched.score(two); });
  while (batched.queued_chunks() < 2) std::this_thread::yield();
  const std::vector<Encoding> one = {chunk("f")};
  EXPECT_THROW(batched.score(one), QueueFull);
  gate.open();
  EXPECT_EQ(held.get().size(), 3u);
  EXPECT_EQ(queued.get().size(), 2u);
}

}  // namespace
}  // namespace kompress::server
