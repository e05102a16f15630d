// The byte-bounded LRU of results.
#include <gtest/gtest.h>

#include "compress/result_cache.h"

namespace kompress {
namespace {

std::shared_ptr<const Result> result_of(std::size_t bytes) {
  auto r = std::make_shared<Result>();
  r->compressed.assign(bytes, 'x');
  return r;
}

TEST(ResultCache, FindsWhatWasInserted) {
  compress::ResultCache cache(1 << 20);
  cache.insert("k", result_of(10));
  ASSERT_NE(cache.find("k"), nullptr);
  EXPECT_EQ(cache.find("k")->compressed.size(), 10u);
  EXPECT_EQ(cache.find("other"), nullptr);
}

TEST(ResultCache, EvictsLeastRecentlyUsedBeyondTheByteBound) {
  const std::size_t one = compress::ResultCache::footprint("a", *result_of(1000));
  compress::ResultCache cache(3 * one);
  cache.insert("a", result_of(1000));
  cache.insert("b", result_of(1000));
  cache.insert("c", result_of(1000));
  ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recent
  cache.insert("d", result_of(1000));   // evicts b
  EXPECT_NE(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_NE(cache.find("c"), nullptr);
  EXPECT_NE(cache.find("d"), nullptr);
  EXPECT_LE(cache.bytes(), 3 * one);
  EXPECT_EQ(cache.entries(), 3u);
}

TEST(ResultCache, AResultBiggerThanTheBoundIsNotKept) {
  compress::ResultCache cache(100);
  cache.insert("big", result_of(1000));
  EXPECT_EQ(cache.find("big"), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ResultCache, ReplacingAKeyAccountsBytesOnce) {
  compress::ResultCache cache(1 << 20);
  cache.insert("k", result_of(10));
  cache.insert("k", result_of(20));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.bytes(), compress::ResultCache::footprint("k", *result_of(20)));
  cache.erase("k");
  EXPECT_EQ(cache.bytes(), 0u);
}

}  // namespace
}  // namespace kompress
