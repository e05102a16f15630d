// No word goes unscored: chunks over the token budget are split, never truncated.
#include <gtest/gtest.h>

#include "compress/chunker.h"
#include "compress/fake_scorer.h"
#include "kompress/compressor.h"

namespace kompress {
namespace {

using testing::byte_tokenizer;
using testing::FakeScorer;

CompressOptions plain() {
  CompressOptions o;
  o.ccr = false;
  o.must_keep = false;
  o.use_cache = false;
  return o;
}

TEST(Chunker, SplitsAChunkByTokensAndCoversEveryWord) {
  // Budget 20 with 2 specials: 18 content tokens; 5-byte words fit 3 to a piece.
  std::vector<std::string_view> words(10, "abcde");
  const auto chunks = compress::make_chunks(words, 350, *byte_tokenizer(), 20);
  ASSERT_EQ(chunks.size(), 1u);
  std::size_t next = 0;
  for (const auto& p : chunks[0].pieces) {
    EXPECT_EQ(p.first, next);
    EXPECT_LE(p.encoding.ids.size(), 20u);
    EXPECT_EQ(p.encoding.ids.size(), 5 * p.count + 2);
    next += p.count;
  }
  EXPECT_EQ(next, 10u);
  EXPECT_EQ(chunks[0].pieces.size(), 4u);  // 3 + 3 + 3 + 1
}

TEST(Chunker, ChunksOfChunkWordsFirst) {
  std::vector<std::string_view> words(7, "a");
  const auto chunks = compress::make_chunks(words, 3, *byte_tokenizer(), 512);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].first, 6u);
  EXPECT_EQ(chunks[2].count, 1u);
  EXPECT_EQ(chunks[1].pieces.size(), 1u);
}

TEST(Budget, EveryWordOfAnOversizedChunkIsScored) {
  // 40 words of 9 bytes: 360 tokens in one chunk, budget 64.
  std::string text;
  for (int i = 0; i < 40; ++i)
    text +=
        (i % 4 == 3 ? "keepword" + std::to_string(i % 10) : "dropword" + std::to_string(i % 10)) +
        " ";
  auto scorer = std::make_shared<FakeScorer>(
      [](const std::string& w, std::size_t) { return w.rfind("keep", 0) == 0 ? 0.9f : 0.1f; }, 64);
  Compressor c(byte_tokenizer(), scorer);
  const Result r = c.compress(text, plain());
  for (std::size_t size : scorer->chunk_sizes()) EXPECT_LE(size, 64u);
  EXPECT_GT(scorer->chunk_sizes().size(), 1u);
  for (const auto& d : r.words) EXPECT_NE(d.reason, Reason::kUnscored);
  EXPECT_EQ(r.compressed_tokens, 10);  // the reference would have dropped words past the budget
  EXPECT_EQ(r.compressed.find("dropword"), std::string::npos);
}

TEST(Budget, AWordLongerThanTheWholeBudgetIsKeptVerbatim) {
  const std::string huge(100, 'z');
  const std::string text = "a b c " + huge + " d e f g h i";
  auto scorer = FakeScorer::by_word({{"a", 0.9f}}, 0.0f, 32);
  Compressor c(byte_tokenizer(), scorer);
  const Result r = c.compress(text, plain());
  EXPECT_EQ(r.compressed, "a " + huge);
  EXPECT_EQ(r.words[3].reason, Reason::kUnscored);
  EXPECT_TRUE(r.words[3].kept);
  for (std::size_t size : scorer->chunk_sizes()) EXPECT_LE(size, 32u);
}

TEST(Budget, TheRatioPathCountsTheWholeChunkAcrossPieces) {
  // 20 words in one chunk split into pieces; ratio 0.1 keeps 2 of the chunk, not 2 per piece.
  std::string text;
  for (int i = 0; i < 20; ++i) text += "word" + std::string(1, char('a' + i)) + " ";
  auto scorer = FakeScorer::by_word({{"worda", 0.9f}, {"wordt", 0.8f}}, 0.1f, 16);
  Compressor c(byte_tokenizer(), scorer);
  CompressOptions o = plain();
  o.ratio = 0.1;
  const Result r = c.compress(text, o);
  EXPECT_GT(scorer->chunk_sizes().size(), 1u);
  EXPECT_EQ(r.compressed, "worda wordt");
}

TEST(Budget, TheRealTokenizerNeverTruncates) {
  KOMPRESS_REQUIRE_MODERNBERT(dir);
  auto tok =
      std::make_shared<const Tokenizer>(Tokenizer::from_file((dir / "tokenizer.json").string()));
  // 350 hex runs tokenize to far more than 512 tokens.
  std::string text;
  for (int i = 0; i < 350; ++i) text += "0x" + std::to_string(1000003 * (i + 7)) + "deadbeefcafe ";
  auto scorer = FakeScorer::by_word({}, 0.9f, 512);
  Compressor c(tok, scorer);
  CompressOptions o = plain();
  o.join = Join::kSpace;
  const Result r = c.compress(text, o);
  std::size_t total = 0;
  for (std::size_t size : scorer->chunk_sizes()) {
    EXPECT_LE(size, 512u);
    total += size;
  }
  EXPECT_GT(total, 512u);
  ASSERT_EQ(r.words.size(), 350u);
  for (const auto& d : r.words) EXPECT_EQ(d.reason, Reason::kScore);
}

}  // namespace
}  // namespace kompress
