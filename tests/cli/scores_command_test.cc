// `kompress scores`: per-word decisions equal to the library's, and the exact --json shape with
// every token the model scored.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "cli/cli_test_env.h"

namespace kompress {
namespace {

using nlohmann::json;
using testing::CliTest;
using testing::kTraceback;
using testing::run_kompress;

using ScoresCommand = CliTest;

constexpr int kCls = 256;  // specials of the byte-level test tokenizer
constexpr int kSep = 257;

json scores_json(const std::vector<std::string>& flags, const std::string& input) {
  std::vector<std::string> args = flags;
  args.push_back("--json");
  const auto r = CliTest::run_with_model("scores", args, input);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return json::parse(r.out);
}

// Checks the shape and the invariants between words and chunks; returns the word count.
void expect_consistent(const json& j) {
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["words"].is_array());
  ASSERT_TRUE(j["chunks"].is_array());
  const std::size_t n = j["words"].size();
  std::vector<float> max_score(n, -1.0f);
  for (const json& c : j["chunks"]) {
    ASSERT_TRUE(c["first_word"].is_number_unsigned());
    const auto& tokens = c["tokens"];
    ASSERT_GE(tokens.size(), 3u);
    EXPECT_EQ(tokens.front()["id"], kCls);
    EXPECT_TRUE(tokens.front()["word_id"].is_null());
    EXPECT_EQ(tokens.back()["id"], kSep);
    EXPECT_TRUE(tokens.back()["word_id"].is_null());
    EXPECT_EQ(tokens[1]["word_id"], c["first_word"]);
    for (const json& t : tokens) {
      for (const char* key : {"id", "word_id", "final_score", "p_keep", "span"}) {
        EXPECT_TRUE(t.contains(key)) << key;
      }
      if (t["word_id"].is_null()) continue;
      const auto w = t["word_id"].get<std::size_t>();
      ASSERT_LT(w, n);
      max_score[w] = std::max(max_score[w], t["final_score"].get<float>());
      // Token id == byte: the token is a byte of its word.
      const std::string word = j["words"][w]["word"];
      EXPECT_NE(word.find(static_cast<char>(t["id"].get<int>())), std::string::npos);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const json& w = j["words"][i];
    for (const char* key : {"word", "score", "kept", "reason"}) EXPECT_TRUE(w.contains(key));
    if (max_score[i] < 0) {
      EXPECT_TRUE(w["score"].is_null()) << i;
    } else {
      EXPECT_EQ(w["score"].get<float>(), max_score[i]) << "max over the word's tokens, " << i;
    }
  }
}

TEST_F(ScoresCommand, JsonShapeAndDecisionsMatchTheLibrary) {
  const json j = scores_json({"--ratio", "0.3", "--chunk-words", "10"}, kTraceback);
  expect_consistent(j);
  CompressOptions o;
  o.ccr = false;
  o.ratio = 0.3;
  o.chunk_words = 10;
  const Result r = library().compress(kTraceback, o);
  ASSERT_FALSE(r.passthrough);
  ASSERT_EQ(j["words"].size(), r.words.size());
  for (std::size_t i = 0; i < r.words.size(); ++i) {
    const WordDecision& d = r.words[i];
    EXPECT_EQ(j["words"][i]["word"], kTraceback.substr(d.begin, d.end - d.begin));
    EXPECT_EQ(j["words"][i]["kept"], d.kept);
    EXPECT_EQ(j["words"][i]["reason"], std::string(to_string(d.reason)));
    EXPECT_EQ(j["words"][i]["score"].get<float>(), d.score);
  }
  // Chunks of ten words: word ids index the whole text, not the chunk.
  const std::size_t chunks = (r.words.size() + 9) / 10;
  ASSERT_EQ(j["chunks"].size(), chunks);
  for (std::size_t c = 0; c < chunks; ++c) {
    EXPECT_EQ(j["chunks"][c]["first_word"], c * 10);
    EXPECT_EQ(j["chunks"][c]["chunk"], c);
  }
  std::set<std::string> reasons;
  for (const json& w : j["words"]) reasons.insert(w["reason"].get<std::string>());
  EXPECT_TRUE(reasons.count("ratio") && reasons.count("dropped") && reasons.count("must_keep"))
      << ::testing::PrintToString(reasons);
}

TEST_F(ScoresCommand, TextHasOneLinePerWord) {
  const json j = scores_json({"--ratio", "0.3"}, kTraceback);
  const auto r = run_with_model("scores", {"--ratio", "0.3"}, kTraceback);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::size_t i = 0;
  for (std::string line; std::getline(lines, line); ++i) {
    ASSERT_LT(i, j["words"].size());
    const json& w = j["words"][i];
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", w["score"].get<double>());
    EXPECT_EQ(line, std::string(score) + "\t" + (w["kept"].get<bool>() ? "keep" : "drop") + "\t" +
                        w["reason"].get<std::string>() + "\t" + w["word"].get<std::string>());
  }
  EXPECT_EQ(i, j["words"].size());
}

TEST_F(ScoresCommand, FewWordsPassThroughUnscored) {
  const json j = scores_json({}, "just five words here now\n");
  ASSERT_EQ(j["words"].size(), 5u);
  EXPECT_TRUE(j["chunks"].empty());
  for (const json& w : j["words"]) {
    EXPECT_TRUE(w["score"].is_null());
    EXPECT_EQ(w["kept"], true);
    EXPECT_EQ(w["reason"], "passthrough");
  }
  const auto text = run_with_model("scores", {}, "just five words here now\n");
  EXPECT_EQ(text.out.substr(0, 22), "-\tkeep\tpassthrough\tjus");
}

TEST_F(ScoresCommand, SegmentsKeepWholeInputIndices) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += kTraceback;
  const json whole = scores_json({}, text);
  const json segmented = scores_json({"--segment-bytes", "400"}, text);
  expect_consistent(segmented);
  ASSERT_EQ(segmented["words"].size(), whole["words"].size());
  for (std::size_t i = 0; i < whole["words"].size(); ++i) {
    EXPECT_EQ(segmented["words"][i]["word"], whole["words"][i]["word"]);
  }
  ASSERT_GT(segmented["chunks"].size(), 3u) << "one chunk per segment at least";
  for (std::size_t c = 1; c < segmented["chunks"].size(); ++c) {
    const json& before = segmented["chunks"][c - 1];
    const json& chunk = segmented["chunks"][c];
    EXPECT_GT(chunk["first_word"].get<std::size_t>(), before["first_word"].get<std::size_t>());
    EXPECT_GE(chunk["chunk"].get<std::size_t>(), before["chunk"].get<std::size_t>());
  }
}

// --precision quantizes a plain checkpoint at load: int8 scores move, a little; a quantized
// checkpoint refuses another precision.
TEST_F(ScoresCommand, PrecisionIsChosenAtLoad) {
  const json fp32 = scores_json({"--precision", "fp32"}, kTraceback);
  const json int8 = scores_json({"--precision", "int8"}, kTraceback);
  ASSERT_EQ(fp32["words"].size(), int8["words"].size());
  double max_diff = 0;
  for (std::size_t i = 0; i < fp32["words"].size(); ++i) {
    if (fp32["words"][i]["score"].is_null()) continue;
    max_diff = std::max(max_diff, std::abs(fp32["words"][i]["score"].get<double>() -
                                           int8["words"][i]["score"].get<double>()));
  }
  EXPECT_GT(max_diff, 0.0) << "int8 ran";
  EXPECT_LT(max_diff, 0.05);

  const std::string quantized = write_file("int8", "") + ".d";
  ASSERT_EQ(run_kompress({"quantize", model_dir(), quantized, "--precision", "int8"}).exit_code, 0);
  const auto refused =
      run_kompress({"scores", "--model", quantized, "--precision", "fp32"}, kTraceback);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("quantized to int8 and cannot run at fp32"), std::string::npos)
      << refused.err;
  EXPECT_EQ(run_with_model("scores", {"--precision", "int4"}).exit_code, 2);
}

TEST_F(ScoresCommand, BadInputAndUsage) {
  const auto bad = run_with_model("scores", {}, "ten words and then \xc3\x28 a bad byte in it\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("stdin: invalid UTF-8 at byte offset 19"), std::string::npos) << bad.err;
  EXPECT_EQ(run_with_model("scores", {"a", "b"}).exit_code, 2) << "one input at most";
  EXPECT_EQ(run_with_model("scores", {"--ratio", "-1"}).exit_code, 2);
}

}  // namespace
}  // namespace kompress
