// The public Tokenizer: the GPT-2-style tiny tokenizer (expectations from Hugging Face
// tokenizers 0.22.2 via tools/reference/tokenizer), ModernBERT examples of the spec, errors,
// truncation and concurrent use.
#include "kompress/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "kompress/error.h"
#include "test_paths.h"

namespace kompress {
namespace {

using Ids = std::vector<int32_t>;
constexpr int32_t N = kNoWord;

Tokenizer tiny() {
  return Tokenizer::from_file(testing::test_data("tokenizer/gpt2_tiny.json").string());
}

struct Case {
  const char* text;
  Ids ids;
  Ids word_ids;
};

// add_prefix_space applies to each piece between added tokens; lstrip/rstrip take Unicode
// whitespace; single_word tokens need word boundaries; RobertaProcessing adds <s> ... </s>.
TEST(Tokenizer, TinyGpt2MatchesHuggingFace) {
  const Tokenizer tok = tiny();
  const std::vector<Case> cases = {
      {"hello world", {272, 32, 257, 259, 111, 267, 273}, {N, 0, 0, 0, 0, 1, N}},
      {"the<s>the", {272, 258, 272, 258, 273}, {N, 0, 1, 2, N}},
      {"a <mask> b", {272, 32, 97, 274, 32, 98, 273}, {N, 0, 0, 1, 2, 2, N}},
      {"a<mask>b", {272, 32, 97, 274, 32, 98, 273}, {N, 0, 0, 1, 2, 2, N}},
      {"word words sword word",
       {272, 275, 265, 100, 115, 32, 115, 119, 264, 100, 32, 275, 273},
       {N, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3, 4, N}},
      {"  hello", {272, 32, 32, 257, 259, 111, 273}, {N, 0, 1, 1, 1, 1, N}},
      {"x\xC2\xA0<mask>\xE3\x80\x80y", {272, 32, 120, 274, 32, 121, 273}, {N, 0, 0, 1, 2, 2, N}},
      {"caf\xC3\xA9's", {272, 32, 99, 97, 102, 271, 270, 273}, {N, 0, 0, 0, 0, 0, 1, N}},
      {"word\xC3\xA9", {272, 265, 100, 271, 273}, {N, 0, 0, 0, N}},
      {"\xC3\xA9 word_", {272, 32, 271, 265, 100, 95, 273}, {N, 0, 0, 1, 1, 2, N}},
      {"", {272, 273}, {N, N}},
  };
  for (const Case& c : cases) {
    const Encoding e = tok.encode(c.text);
    EXPECT_EQ(e.ids, c.ids) << c.text;
    EXPECT_EQ(e.word_ids, c.word_ids) << c.text;
  }
  EXPECT_EQ(tok.token_to_id("<mask>"), 274);
  EXPECT_EQ(tok.token_to_id("\xC4\xA0the"), 258);
  EXPECT_EQ(tok.token_to_id("missing"), -1);
  EXPECT_EQ(tok.vocab_size(), 276u);
  EXPECT_EQ(tok.num_special_tokens(), 2u);
}

TEST(Tokenizer, InvalidUtf8NamesTheOffset) {
  const Tokenizer tok = tiny();
  try {
    tok.encode("ok \xC3\x28");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tokenizer input: invalid UTF-8 at byte offset 3");
  }
  const std::vector<std::string_view> words = {"fine", "also fine", "b\xED\xA0\x80"};
  try {
    tok.encode_words(words);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tokenizer input: word 2: invalid UTF-8 at byte offset 1");
  }
}

TEST(Tokenizer, TruncationCountsTheSpecials) {
  const Tokenizer tok = tiny();
  const std::string text = "hello world hello world";
  const Encoding full = tok.encode(text);
  ASSERT_GT(full.ids.size(), 6u);
  const Encoding cut = tok.encode(text, {.add_special_tokens = true, .max_tokens = 5});
  EXPECT_EQ(cut.ids, (Ids{272, full.ids[1], full.ids[2], full.ids[3], 273}));
  EXPECT_EQ(cut.word_ids, (Ids{N, 0, 0, 0, N}));
  EXPECT_EQ(tok.encode(text, {.add_special_tokens = true, .max_tokens = 2}).ids, (Ids{272, 273}));
  EXPECT_EQ(tok.encode(text, {.add_special_tokens = false, .max_tokens = 1}).ids, (Ids{32}));
  EXPECT_EQ(tok.encode(text, {.add_special_tokens = true, .max_tokens = 1000}).ids, full.ids);
  EXPECT_THROW(tok.encode(text, {.add_special_tokens = true, .max_tokens = 1}), Error);
}

TEST(Tokenizer, EncodeWordsEncodesEachWordAlone) {
  const Tokenizer tok = tiny();
  const std::vector<std::string_view> words = {"hello", "", "world"};
  const Encoding e = tok.encode_words(words);
  // Each word alone gets this tokenizer's prefix space, as Hugging Face does per call.
  EXPECT_EQ(e.ids, (Ids{272, 32, 257, 259, 111, 267, 273}));
  EXPECT_EQ(e.word_ids, (Ids{N, 0, 0, 0, 0, 2, N}));
  EXPECT_EQ(tok.encode_words({}).ids, (Ids{272, 273}));
}

TEST(Tokenizer, ModernBertExamplesOfTheSpec) {
  KOMPRESS_REQUIRE_MODERNBERT(dir);
  const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
  EXPECT_EQ(tok.encode("Hello world").ids, (Ids{50281, 12092, 1533, 50282}));
  const std::vector<std::string_view> words = {"Hello", "world"};
  const Encoding w = tok.encode_words(words);
  EXPECT_EQ(w.ids, (Ids{50281, 12092, 10186, 50282}));
  EXPECT_EQ(w.word_ids, (Ids{N, 0, 1, N}));
  const Encoding spaces = tok.encode("a  b", {.add_special_tokens = false});
  EXPECT_EQ(spaces.ids, (Ids{66, 50276, 67}));
  EXPECT_EQ(spaces.word_ids, (Ids{0, 1, 2}));
  EXPECT_EQ(tok.token_to_id("[MASK]"), 50284);
  EXPECT_EQ(tok.vocab_size(), 50368u);
  EXPECT_EQ(tok.num_special_tokens(), 2u);
}

TEST(Tokenizer, IsThreadSafe) {
  const Tokenizer tok = tiny();
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    texts.push_back("hello world " + std::to_string(i) + " the<s>word caf\xC3\xA9 " +
                    std::string(static_cast<std::size_t>(i % 7), ' ') + "x");
  }
  std::vector<Ids> expected;
  for (const auto& t : texts) expected.push_back(tok.encode(t).ids);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
          if (tok.encode(texts[i]).ids != expected[i]) ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, (std::vector<int>(4, 0)));
}

}  // namespace
}  // namespace kompress
