#include "tokenizer/bpe.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kompress/error.h"

namespace kompress::tokenizer {
namespace {

using Vocab = std::unordered_map<std::string, int32_t>;
using Merges = std::vector<std::pair<std::string, std::string>>;
using Ids = std::vector<int32_t>;

Ids tokenize(const Bpe& bpe, std::string_view bytes) {
  Ids ids;
  bpe.tokenize(bytes, ids);
  return ids;
}

Vocab letters() { return {{"a", 0}, {"b", 1}, {"c", 2}, {"\xC4\xA0", 3}}; }  // Ġ is ' '

TEST(Bpe, MergesByRankThenLeftmost) {
  Vocab vocab = letters();
  vocab.insert({{"ab", 4},
                {"bc", 5},
                {"abc", 6},
                {"aa", 7},
                {"\xC4\xA0"
                 "a",
                 8}});
  const Bpe bpe(vocab, Merges{{"b", "c"}, {"a", "b"}, {"a", "bc"}, {"a", "a"}}, {}, "test");
  EXPECT_EQ(tokenize(bpe, "abc"), (Ids{6}));  // bc first (rank 0), then a+bc
  EXPECT_EQ(tokenize(bpe, "ab"), (Ids{4}));
  EXPECT_EQ(tokenize(bpe, "aaa"), (Ids{7, 0}));  // ties go to the leftmost pair
  EXPECT_EQ(tokenize(bpe, " a"), (Ids{3, 0}));   // no "Ġ a" merge
  EXPECT_EQ(tokenize(bpe, ""), Ids{});
  EXPECT_EQ(tokenize(bpe, "abc"), (Ids{6}));  // again, from the cache
}

TEST(Bpe, MergesGivenAsStringsOrPairsAgree) {
  // The loader turns "a b" into {"a","b"}; here: a later duplicate merge takes the new rank.
  Vocab vocab = letters();
  vocab.insert({{"ab", 4}, {"bc", 5}});
  const Bpe first(vocab, Merges{{"a", "b"}, {"b", "c"}}, {}, "test");
  const Bpe dup(vocab, Merges{{"a", "b"}, {"b", "c"}, {"a", "b"}}, {}, "test");
  EXPECT_EQ(tokenize(first, "abc"), (Ids{4, 2}));
  EXPECT_EQ(tokenize(dup, "abc"), (Ids{0, 5}));
}

TEST(Bpe, UnknownBytesVanishOrBecomeUnk) {
  const Bpe plain(letters(), {}, {}, "test");
  EXPECT_EQ(tokenize(plain, "axxb"), (Ids{0, 1}));

  Vocab vocab = letters();
  vocab["<unk>"] = 9;
  BpeOptions options;
  options.unk_token = "<unk>";
  const Bpe unk(vocab, {}, options, "test");
  EXPECT_EQ(tokenize(unk, "axxb"), (Ids{0, 9, 9, 1}));
  options.fuse_unk = true;
  const Bpe fused(vocab, {}, options, "test");
  EXPECT_EQ(tokenize(fused, "axxb"), (Ids{0, 9, 1}));
}

TEST(Bpe, ByteFallbackUsesHexTokens) {
  Vocab vocab = letters();
  vocab.insert({{"<unk>", 9}, {"<0x78>", 10}});
  BpeOptions options;
  options.unk_token = "<unk>";
  options.byte_fallback = true;
  const Bpe bpe(vocab, {}, options, "test");
  EXPECT_EQ(tokenize(bpe, "xyz"), (Ids{10, 9, 9}));  // 'x' -> <0x78>; 'y', 'z' -> <unk> each
}

TEST(Bpe, RejectsMergesOutsideTheVocabulary) {
  try {
    const Bpe bpe(letters(), Merges{{"a", "b"}}, {}, "tok.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "tok.json: merge 0 ('a', 'b') uses 'ab', which is not in the vocabulary");
  }
  BpeOptions options;
  options.unk_token = "<missing>";
  EXPECT_THROW(Bpe(letters(), {}, options, "tok.json"), Error);
}

}  // namespace
}  // namespace kompress::tokenizer
