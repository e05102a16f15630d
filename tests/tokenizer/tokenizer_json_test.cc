// Loading tokenizer.json: the spellings kompress accepts and the errors for the rest.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "kompress/error.h"
#include "kompress/tokenizer.h"
#include "test_paths.h"

namespace kompress {
namespace {

nlohmann::json tiny_json() {
  std::ifstream in(testing::test_data("tokenizer/gpt2_tiny.json"));
  return nlohmann::json::parse(in);
}

std::string load_error(const std::string& json) {
  try {
    Tokenizer::from_json(json, "tok.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TokenizerJson, RejectsOtherModelTypes) {
  nlohmann::json j = tiny_json();
  j["model"]["type"] = "WordPiece";
  EXPECT_EQ(
      load_error(j.dump()),
      "tok.json: unsupported tokenizer model type 'WordPiece' (kompress reads byte-level BPE)");
  j = tiny_json();
  j["pre_tokenizer"] = {{"type", "Whitespace"}};
  EXPECT_EQ(
      load_error(j.dump()),
      "tok.json: unsupported pre_tokenizer type 'Whitespace' (kompress reads byte-level BPE)");
  j["pre_tokenizer"] = nullptr;
  EXPECT_NE(load_error(j.dump()).find("no pre_tokenizer"), std::string::npos);
  j = tiny_json();
  j["normalizer"] = {{"type", "Lowercase"}};
  EXPECT_NE(load_error(j.dump()).find("unsupported normalizer type 'Lowercase'"),
            std::string::npos);
  j = tiny_json();
  j["model"]["dropout"] = 0.1;
  EXPECT_NE(load_error(j.dump()).find("dropout"), std::string::npos);
}

TEST(TokenizerJson, RejectsMalformedFiles) {
  EXPECT_EQ(load_error("{\"model\": ").rfind("tok.json: not valid JSON", 0), 0u);
  // nlohmann reports a number beyond double's range as out_of_range, not parse_error.
  EXPECT_EQ(load_error("{\"version\": 1e999}").rfind("tok.json: not valid JSON", 0), 0u);
  EXPECT_EQ(load_error("[]"), "tok.json: the top level is not a JSON object");
  nlohmann::json j = tiny_json();
  j["model"].erase("vocab");
  EXPECT_EQ(load_error(j.dump()), "tok.json: model.vocab is missing or not an object");
  j = tiny_json();
  j["model"]["vocab"]["a"] = "zero";
  EXPECT_EQ(load_error(j.dump()),
            "tok.json: model.vocab['a'] is not a token id (an integer from 0 to 2^31-1)");
  j = tiny_json();
  j["model"]["merges"][0] = "a b c";
  EXPECT_NE(load_error(j.dump()).find("model.merges[0]"), std::string::npos);
  j = tiny_json();
  j["added_tokens"][0].erase("content");
  EXPECT_NE(load_error(j.dump()).find("added_tokens[0].content"), std::string::npos);
  j = tiny_json();
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", {{{"SpecialToken", {{"id", "[X]"}}}}}},
                         {"special_tokens", nlohmann::json::object()}};
  EXPECT_NE(load_error(j.dump()).find("special token '[X]'"), std::string::npos);
}

TEST(TokenizerJson, MissingFileNamesThePath) {
  try {
    Tokenizer::from_file("/nonexistent/tokenizer.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/tokenizer.json: cannot open tokenizer file");
  }
}

TEST(TokenizerJson, MergesAsStringsOrPairsAreTheSame) {
  nlohmann::json pairs = tiny_json();
  nlohmann::json strings = pairs;
  for (auto& m : strings["model"]["merges"])
    m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  const Tokenizer a = Tokenizer::from_json(pairs.dump(), "pairs");
  const Tokenizer b = Tokenizer::from_json(strings.dump(), "strings");
  for (const char* text : {"hello world", "the world's", "  \xC3\xA9"}) {
    EXPECT_EQ(a.encode(text).ids, b.encode(text).ids) << text;
  }
}

TEST(TokenizerJson, TemplateAndNullPostProcessors) {
  nlohmann::json j = tiny_json();
  j["post_processor"] = nullptr;
  const Tokenizer none = Tokenizer::from_json(j.dump(), "null");
  EXPECT_EQ(none.num_special_tokens(), 0u);
  EXPECT_EQ(none.encode("a").ids, (std::vector<int32_t>{32, 97}));

  j["post_processor"] = nlohmann::json::parse(R"({"type": "TemplateProcessing",
      "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
      "special_tokens": {"</s>": {"id": "</s>", "ids": [273], "tokens": ["</s>"]}}})");
  const Tokenizer suffix = Tokenizer::from_json(j.dump(), "template");
  EXPECT_EQ(suffix.num_special_tokens(), 1u);
  const Encoding e = suffix.encode("a");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{32, 97, 273}));
  EXPECT_EQ(e.word_ids, (std::vector<int32_t>{0, 0, kNoWord}));
}

TEST(TokenizerJson, NormalizerSequence) {
  nlohmann::json j = tiny_json();
  j["normalizer"] = nlohmann::json::parse(
      R"({"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "NFC"}]})");
  const Tokenizer tok = Tokenizer::from_json(j.dump(), "seq");
  // e + U+0301 becomes é, whose UTF-8 bytes C3 A9 merge into one token.
  EXPECT_EQ(tok.encode("e\xCC\x81", {.add_special_tokens = false}).ids,
            (std::vector<int32_t>{32, 271}));
}

}  // namespace
}  // namespace kompress
