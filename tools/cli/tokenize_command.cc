// `kompress tokenize`: JSON lines in ({"text": ...} or {"words": [...]}), ids and word ids out.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "kompress/error.h"
#include "kompress/tokenizer.h"
#include "text/utf8.h"

namespace kompress::cli {
namespace {

struct TokenizeArgs {
  std::string tokenizer_path;
  bool no_special = false;
  std::size_t max_tokens = 0;
};

// {"ids": [...], "word_ids": [...]} with null for tokens outside any word.
void write_encoding(const Encoding& e, std::string& out) {
  out.clear();
  out += "{\"ids\": [";
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(e.ids[i]);
  }
  out += "], \"word_ids\": [";
  for (std::size_t i = 0; i < e.word_ids.size(); ++i) {
    if (i) out += ", ";
    out += e.word_ids[i] == kNoWord ? std::string("null") : std::to_string(e.word_ids[i]);
  }
  out += "]}\n";
}

Encoding encode_line(const Tokenizer& tok, const std::string& line, std::size_t line_no,
                     const EncodeOptions& options) {
  const std::string where = "stdin line " + std::to_string(line_no);
  nlohmann::json input;
  try {
    // JavaScript writers emit lone surrogates as \uD800 escapes; JS engines turn them into
    // U+FFFD when they pass the string on as UTF-8, and so does kompress.
    input = nlohmann::json::parse(text::replace_lone_surrogate_escapes(line));
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": not valid JSON: " + e.what());
  }
  try {
    if (input.is_object() && input.contains("text") && input["text"].is_string()) {
      return tok.encode(input["text"].get_ref<const std::string&>(), options);
    }
    if (input.is_object() && input.contains("words") && input["words"].is_array()) {
      std::vector<std::string_view> words;
      for (const auto& w : input["words"]) {
        if (!w.is_string()) throw Error("\"words\" holds a value that is not a string");
        words.push_back(w.get_ref<const std::string&>());
      }
      return tok.encode_words(words, options);
    }
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  throw Error(where + ": expected {\"text\": \"...\"} or {\"words\": [\"...\", ...]}");
}

void run_tokenize(const TokenizeArgs& args) {
  const Tokenizer tok = Tokenizer::from_file(args.tokenizer_path);
  EncodeOptions options;
  options.add_special_tokens = !args.no_special;
  options.max_tokens = args.max_tokens;
  std::ios::sync_with_stdio(false);
  std::string line;
  std::string out;
  std::size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    write_encoding(encode_line(tok, line, line_no, options), out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  if (std::fflush(stdout) != 0) throw Error("cannot write to stdout");
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Tokenize JSON lines from stdin ({\"text\": ...} or {\"words\": [...]}); writes "
      "{\"ids\": [...], \"word_ids\": [...]} per line, null word ids for special tokens");
  cmd->add_option("--tokenizer", args->tokenizer_path, "tokenizer.json (byte-level BPE)")
      ->required();
  cmd->add_flag("--no-special", args->no_special, "do not add [CLS]/[SEP] (the post-processor)");
  cmd->add_option("--max-tokens", args->max_tokens,
                  "keep at most N tokens, specials included (0: no limit)");
  cmd->callback([args] { run_tokenize(*args); });
}

}  // namespace kompress::cli
