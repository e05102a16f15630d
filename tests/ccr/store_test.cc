// The CCR contract, run against every backend: keys, TTL, capacity, retrieval counts.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ccr/store_backends.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress {
namespace {

using testing::FakeClock;
using testing::TempDir;

template <typename Backend>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (requires { Backend::unavailable(); }) {
      if (const std::string why = Backend::unavailable(); !why.empty()) GTEST_SKIP() << why;
    }
  }

  std::unique_ptr<ccr::Store> make(double ttl = 1800, std::size_t capacity = 1000) {
    ccr::StoreOptions options;
    options.ttl_seconds = ttl;
    options.capacity = capacity;
    options.clock = clock_.fn();
    return Backend::make(dir_, options);
  }

  static ccr::Entry entry(const std::string& original, const std::string& compressed = "c") {
    ccr::Entry e;
    e.original = original;
    e.compressed = compressed;
    e.original_tokens = 12;
    e.compressed_tokens = 5;
    e.original_item_count = 3;
    e.compressed_item_count = 2;
    return e;
  }

  TempDir dir_;
  FakeClock clock_;
};

using Backends =
    ::testing::Types<testing::MemoryBackend, testing::SqliteBackend, testing::RedisBackend>;
TYPED_TEST_SUITE(StoreTest, Backends);

TYPED_TEST(StoreTest, PutReturnsTheContentKeyAndGetReturnsTheEntry) {
  auto store = this->make();
  const std::string original = "line one\n\tline two \xE2\x9C\x93";
  const std::string key = store->put(this->entry(original, "one two"));
  EXPECT_EQ(key, ccr::content_key(original));
  ccr::Lookup hit = store->get(key);
  ASSERT_EQ(hit.status, ccr::Status::kOk);
  EXPECT_EQ(hit.entry.key, key);
  EXPECT_EQ(hit.entry.original, original);
  EXPECT_EQ(hit.entry.compressed, "one two");
  EXPECT_EQ(hit.entry.original_tokens, 12);
  EXPECT_EQ(hit.entry.compressed_tokens, 5);
  EXPECT_EQ(hit.entry.original_item_count, 3);
  EXPECT_EQ(hit.entry.compressed_item_count, 2);
  EXPECT_EQ(hit.entry.strategy, "kompress");
  EXPECT_DOUBLE_EQ(hit.entry.created_at, *this->clock_.t);
  EXPECT_DOUBLE_EQ(hit.entry.ttl_seconds, 1800);
  EXPECT_EQ(hit.entry.retrieval_count, 1);
}

TYPED_TEST(StoreTest, OriginalsWithNulBytesRoundTrip) {
  auto store = this->make();
  const std::string original("a\0b", 3);
  const std::string key = store->put(this->entry(original));
  EXPECT_EQ(store->get(key).entry.original, original);
}

TYPED_TEST(StoreTest, GetCountsRetrievalsAndPeekDoesNot) {
  auto store = this->make();
  const std::string key = store->put(this->entry("text"));
  EXPECT_EQ(store->peek(key), ccr::Status::kOk);
  EXPECT_EQ(store->get(key).entry.retrieval_count, 1);
  EXPECT_EQ(store->peek(key), ccr::Status::kOk);
  EXPECT_EQ(store->get(key).entry.retrieval_count, 2);
}

TYPED_TEST(StoreTest, UppercaseKeysFindTheEntry) {
  auto store = this->make();
  std::string key = store->put(this->entry("text"));
  for (char& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(store->get(key).status, ccr::Status::kOk);
}

TYPED_TEST(StoreTest, UnknownAndMalformedKeysAreMissing) {
  auto store = this->make();
  store->put(this->entry("text"));
  EXPECT_EQ(store->get("0123456789abcdef01234567").status, ccr::Status::kMissing);
  EXPECT_EQ(store->get("").status, ccr::Status::kMissing);
  EXPECT_EQ(store->get("' OR 1=1 --").status, ccr::Status::kMissing);
  EXPECT_EQ(store->peek("zz"), ccr::Status::kMissing);
}

TYPED_TEST(StoreTest, EntriesExpireAfterTheirTtl) {
  auto store = this->make(/*ttl=*/60);
  const std::string key = store->put(this->entry("text"));
  this->clock_.advance(59);
  EXPECT_EQ(store->get(key).status, ccr::Status::kOk);
  this->clock_.advance(2);
  ccr::Lookup late = store->get(key);
  EXPECT_EQ(late.status, ccr::Status::kExpired);
  EXPECT_TRUE(late.entry.original.empty());
  EXPECT_EQ(store->peek(key), ccr::Status::kExpired);
  EXPECT_EQ(ccr::to_string(ccr::Status::kExpired), "expired");
  EXPECT_EQ(ccr::to_string(ccr::Status::kMissing), "missing");
}

TYPED_TEST(StoreTest, PuttingAgainRestartsTheTtlAndKeepsTheRetrievalCount) {
  auto store = this->make(/*ttl=*/60);
  const std::string key = store->put(this->entry("text", "old"));
  store->get(key);
  this->clock_.advance(50);
  EXPECT_EQ(store->put(this->entry("text", "new")), key);
  this->clock_.advance(50);
  ccr::Lookup hit = store->get(key);
  ASSERT_EQ(hit.status, ccr::Status::kOk);
  EXPECT_EQ(hit.entry.compressed, "new");
  EXPECT_EQ(hit.entry.retrieval_count, 2);
  EXPECT_EQ(store->size(), 1u);
}

TYPED_TEST(StoreTest, CapacityEvictsTheOldestFirst) {
  auto store = this->make(1800, /*capacity=*/3);
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back(store->put(this->entry("text " + std::to_string(i))));
    this->clock_.advance(1);
  }
  EXPECT_EQ(store->size(), 3u);
  EXPECT_EQ(store->peek(keys[0]), ccr::Status::kMissing);
  EXPECT_EQ(store->peek(keys[1]), ccr::Status::kMissing);
  for (int i = 2; i < 5; ++i) EXPECT_EQ(store->peek(keys[i]), ccr::Status::kOk) << i;
}

TYPED_TEST(StoreTest, EqualCreationTimesEvictInInsertionOrder) {
  auto store = this->make(1800, /*capacity=*/2);
  const std::string a = store->put(this->entry("a"));
  const std::string b = store->put(this->entry("b"));
  const std::string c = store->put(this->entry("c"));
  EXPECT_EQ(store->peek(a), ccr::Status::kMissing);
  EXPECT_EQ(store->peek(b), ccr::Status::kOk);
  EXPECT_EQ(store->peek(c), ccr::Status::kOk);
}

TYPED_TEST(StoreTest, RefreshedEntriesCountAsNew) {
  auto store = this->make(1800, /*capacity=*/2);
  const std::string a = store->put(this->entry("a"));
  this->clock_.advance(1);
  const std::string b = store->put(this->entry("b"));
  this->clock_.advance(1);
  store->put(this->entry("a"));  // a is now the newest
  this->clock_.advance(1);
  store->put(this->entry("c"));
  EXPECT_EQ(store->peek(a), ccr::Status::kOk);
  EXPECT_EQ(store->peek(b), ccr::Status::kMissing);
}

TYPED_TEST(StoreTest, ExpiredEntriesAreEvictedBeforeLiveOnes) {
  auto store = this->make(/*ttl=*/10, /*capacity=*/2);
  const std::string a = store->put(this->entry("a"));
  this->clock_.advance(5);
  const std::string b = store->put(this->entry("b"));
  this->clock_.advance(6);  // a expired, b live
  const std::string c = store->put(this->entry("c"));
  EXPECT_EQ(store->peek(a), ccr::Status::kMissing);
  EXPECT_EQ(store->peek(b), ccr::Status::kOk);
  EXPECT_EQ(store->peek(c), ccr::Status::kOk);
}

TYPED_TEST(StoreTest, ClearRemovesEverything) {
  auto store = this->make();
  const std::string key = store->put(this->entry("a"));
  store->put(this->entry("b"));
  store->clear();
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->peek(key), ccr::Status::kMissing);
}

TYPED_TEST(StoreTest, BadOptionsAreRejected) {
  EXPECT_THROW(this->make(1800, 0), Error);
  EXPECT_THROW(this->make(0, 10), Error);
  EXPECT_THROW(this->make(-5, 10), Error);
}

TYPED_TEST(StoreTest, ConcurrentPutsAndGetsFromThreads) {
  auto store = this->make(1800, 1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string key =
            store->put(this->entry(std::to_string(t) + ":" + std::to_string(i)));
        EXPECT_EQ(store->get(key).status, ccr::Status::kOk);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store->size(), 100u);
}

}  // namespace
}  // namespace kompress
