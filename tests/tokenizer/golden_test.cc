// Parity with Hugging Face tokenizers on the ModernBERT tokenizer: ids and word ids of every
// input of tests/data/tokenizer/modernbert_golden.jsonl.gz, made by
// tools/reference/tokenizer/make_tokenizer_goldens.mjs.
#include <gtest/gtest.h>
#include <zlib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "kompress/error.h"
#include "kompress/tokenizer.h"
#include "test_paths.h"
#include "text/utf8.h"

namespace kompress {
namespace {

std::string read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw Error(path + ": cannot open");
  std::string data;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0)
    data.append(buffer, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  gzclose(file);
  if (failed) throw Error(path + ": gzip read error");
  return data;
}

std::vector<int32_t> word_ids_of(const nlohmann::json& list) {
  std::vector<int32_t> out;
  for (const auto& w : list) out.push_back(w.is_null() ? kNoWord : w.get<int32_t>());
  return out;
}

// Index of the first difference of two sequences (the shorter length when one is a prefix).
std::size_t first_difference(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// Up to 8 values from `from`.
std::string window(const std::vector<int32_t>& v, std::size_t from) {
  std::string out = "[" + std::to_string(from) + "..] {";
  for (std::size_t i = from; i < v.size() && i < from + 8; ++i) out += " " + std::to_string(v[i]);
  return out + " }";
}

std::string describe(const nlohmann::json& record) {
  nlohmann::json input = record;
  input.erase("ids");
  input.erase("word_ids");
  return input.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

TEST(TokenizerGolden, ModernBertMatchesHuggingFace) {
  KOMPRESS_REQUIRE_MODERNBERT(dir);
  const Tokenizer tok = Tokenizer::from_file((dir / "tokenizer.json").string());
  const std::string path =
      std::string(KOMPRESS_SOURCE_DIR) + "/tests/data/tokenizer/modernbert_golden.jsonl.gz";
  const std::string data = read_gzip(path);

  std::size_t inputs = 0;
  std::size_t mismatches = 0;
  std::size_t words_inputs = 0;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    // The generator is JavaScript: lone surrogates arrive as escapes, which a JS engine turns
    // into U+FFFD on its way to UTF-8.
    const auto record = nlohmann::json::parse(text::replace_lone_surrogate_escapes(line));
    ++inputs;
    EncodeOptions options;
    options.add_special_tokens = record.at("add_special_tokens").get<bool>();
    options.max_tokens = record.at("max_tokens").get<std::size_t>();
    Encoding got;
    if (record.at("kind") == "words") {
      ++words_inputs;
      std::vector<std::string_view> words;
      for (const auto& w : record.at("words")) words.push_back(w.get_ref<const std::string&>());
      got = tok.encode_words(words, options);
    } else {
      got = tok.encode(record.at("text").get_ref<const std::string&>(), options);
    }
    const auto want_ids = record.at("ids").get<std::vector<int32_t>>();
    const auto want_words = word_ids_of(record.at("word_ids"));
    if (got.ids != want_ids || got.word_ids != want_words) {
      if (++mismatches <= 5) {
        const std::size_t at = std::min(first_difference(want_ids, got.ids),
                                        first_difference(want_words, got.word_ids));
        const std::size_t from = at > 2 ? at - 2 : 0;
        ADD_FAILURE() << "input " << inputs << ": " << describe(record)
                      << "\n  first difference at token " << at << " (" << want_ids.size()
                      << " tokens wanted, " << got.ids.size() << " got)\n  want ids "
                      << window(want_ids, from) << "\n   got ids " << window(got.ids, from)
                      << "\n  want word ids " << window(want_words, from) << "\n   got word ids "
                      << window(got.word_ids, from);
      }
    }
  }
  EXPECT_GE(inputs, 5000u);
  EXPECT_GE(words_inputs, 500u);
  EXPECT_EQ(mismatches, 0u) << "of " << inputs << " inputs";
  std::printf("golden: %zu inputs (%zu word lists), %zu mismatches\n", inputs, words_inputs,
              mismatches);
}

}  // namespace
}  // namespace kompress
