// libFuzzer target for the tokenizer: encodes each input as text and as whitespace-split words
// (all must end in ids or a kompress::Error, never a crash), and inputs that look like JSON are
// also loaded as a tokenizer.json (untrusted model files). The tokenizer comes from
// $KOMPRESS_FUZZ_TOKENIZER (e.g. ../shared/models/modernbert-base/tokenizer.json) or a small
// built-in byte-level BPE with added tokens of every kind and an NFC normalizer.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kompress/error.h"
#include "kompress/tokenizer.h"
#include "tokenizer/byte_level.h"

namespace {

std::string builtin_tokenizer_json() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) {
    vocab[kompress::tokenizer::byte_level_encode(std::string(1, static_cast<char>(b)))] = b;
  }
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"\xC4\xA0", "t"}, {"h", "e"}, {"\xC4\xA0t", "he"}, {"\xC4\xA0", "\xC4\xA0"}, {"Ã", "©"}};
  nlohmann::json merge_list = nlohmann::json::array();
  for (const auto& [a, b] : merges) {
    vocab[a + b] = vocab.size();
    merge_list.push_back({a, b});
  }
  const int next = static_cast<int>(vocab.size());
  auto added = [](int id, const char* content, bool lstrip, bool rstrip, bool single_word,
                  bool normalized, bool special) {
    return nlohmann::json{
        {"id", id},          {"content", content},         {"lstrip", lstrip},
        {"rstrip", rstrip},  {"single_word", single_word}, {"normalized", normalized},
        {"special", special}};
  };
  nlohmann::json j = {
      {"added_tokens",
       {added(next, "[CLS]", false, false, false, false, true),
        added(next + 1, "[SEP]", false, false, false, false, true),
        added(next + 2, "[MASK]", true, false, false, false, true),
        added(next + 3, "<r>", false, true, false, false, true),
        added(next + 4, "word", false, false, true, true, false),
        added(next + 5, "  ", false, false, false, true, false),
        added(next + 6, "e\xCC\x81", false, false, false, true, false)}},
      {"normalizer", {{"type", "NFC"}}},
      {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
      {"post_processor",
       {{"type", "BertProcessing"}, {"cls", {"[CLS]", next}}, {"sep", {"[SEP]", next + 1}}}},
      {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merge_list}}}};
  return j.dump();
}

const kompress::Tokenizer& fuzz_tokenizer() {
  static const kompress::Tokenizer tok = [] {
    if (const char* path = std::getenv("KOMPRESS_FUZZ_TOKENIZER")) {
      return kompress::Tokenizer::from_file(path);
    }
    return kompress::Tokenizer::from_json(builtin_tokenizer_json(), "builtin");
  }();
  return tok;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t\n\r", pos);
    if (start == std::string_view::npos) break;
    std::size_t end = text.find_first_of(" \t\n\r", start);
    if (end == std::string_view::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    pos = end;
  }
  return words;
}

void check(const kompress::Encoding& e) {
  if (e.ids.size() != e.word_ids.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const kompress::Tokenizer& tok = fuzz_tokenizer();
  kompress::EncodeOptions options;
  options.add_special_tokens = size % 2 == 0;
  options.max_tokens = size > 0 && data[0] < 16 ? data[0] + 2u : 0u;
  try {
    check(tok.encode(text, options));
  } catch (const kompress::Error&) {
  }
  try {
    const auto words = split_words(text);
    check(tok.encode_words(words, options));
  } catch (const kompress::Error&) {
  }
  if (size > 0 && data[0] == '{') {
    try {
      const kompress::Tokenizer loaded = kompress::Tokenizer::from_json(text, "fuzz");
      check(loaded.encode("Hello world, caf\xC3\xA9  [MASK]"));
    } catch (const kompress::Error&) {
    }
  }
  return 0;
}
