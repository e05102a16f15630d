// `kompress compress [FILE...|-]`: prints the compressed text of each input, or with --json one
// JSON object per line holding the whole result.
#include <algorithm>
#include <string>

#include "cli/commands.h"
#include "cli/compress_args.h"
#include "cli/compress_inputs.h"
#include "cli/json_writer.h"
#include "cli/stdout_writer.h"
#include "kompress/error.h"

namespace kompress::cli {
namespace {

void append_word(std::string& out, const WordDecision& w) {
  out += '{';
  append_json_key(out, "begin", true);
  append_json_int(out, static_cast<int64_t>(w.begin));
  append_json_key(out, "end");
  append_json_int(out, static_cast<int64_t>(w.end));
  append_json_key(out, "score");
  append_json_float(out, w.score);
  append_json_key(out, "kept");
  append_json_bool(out, w.kept);
  append_json_key(out, "reason");
  append_json_string(out, to_string(w.reason));
  out += '}';
}

// One line: {"file", "segment", every Result field, "tokens_saved", "savings_percentage"}.
std::string result_json(const SegmentInfo& at, const Result& r) {
  std::string out = "{";
  append_json_key(out, "file", true);
  append_json_string(out, at.name);
  append_json_key(out, "segment");
  append_json_int(out, static_cast<int64_t>(at.segment));
  append_json_key(out, "compressed");
  append_json_string(out, r.compressed);
  append_json_key(out, "original");
  append_json_string(out, r.original);
  append_json_key(out, "original_tokens");
  append_json_int(out, r.original_tokens);
  append_json_key(out, "compressed_tokens");
  append_json_int(out, r.compressed_tokens);
  append_json_key(out, "compression_ratio");
  append_json_double(out, r.compression_ratio);
  append_json_key(out, "tokens_saved");
  append_json_int(out, r.tokens_saved());
  append_json_key(out, "savings_percentage");
  append_json_double(out, r.savings_percentage());
  append_json_key(out, "cache_key");
  if (r.cache_key.empty()) {
    out += "null";
  } else {
    append_json_string(out, r.cache_key);
  }
  append_json_key(out, "model_used");
  append_json_string(out, r.model_used);
  append_json_key(out, "passthrough");
  append_json_bool(out, r.passthrough);
  append_json_key(out, "from_cache");
  append_json_bool(out, r.from_cache);
  append_json_key(out, "deadline_hit");
  append_json_bool(out, r.deadline_hit);
  append_json_key(out, "chunks_skipped");
  append_json_int(out, static_cast<int64_t>(r.chunks_skipped));
  append_json_key(out, "ccr_error");
  if (r.ccr_error.empty()) {
    out += "null";
  } else {
    append_json_string(out, r.ccr_error);
  }
  append_json_key(out, "words");
  out += '[';
  for (std::size_t i = 0; i < r.words.size(); ++i) {
    if (i) out += ", ";
    append_word(out, r.words[i]);
  }
  out += "]}\n";
  return out;
}

// Text output: the compressed text, ending with a line break; with several inputs, each
// input's output follows a "==> NAME <==" header line and inputs are separated by a blank line.
std::string text_output(const SegmentInfo& at, const Result& r, bool several) {
  std::string out;
  if (several && at.segment == 0) {
    out += at.input > 0 ? "\n==> " : "==> ";
    out += at.name + " <==\n";
  }
  out += r.compressed;
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

void run_compress(CompressArgs args) {
  if (args.inputs.empty()) args.inputs = {"-"};
  if (std::count(args.inputs.begin(), args.inputs.end(), "-") > 1) {
    throw CLI::ValidationError("inputs", "stdin (-) given more than once");
  }
  std::shared_ptr<ccr::Store> store;
  if (!args.no_ccr) store = open_store_or_warn(args.ccr_db);
  const Compressor compressor = make_compressor(args, store);
  const bool several = args.inputs.size() > 1;
  Warnings warnings;
  compress_inputs(compressor, args.inputs, args.segment_bytes, args.options(),
                  [&](const SegmentInfo& at, Result& r) {
                    warnings.check(r, at);
                    write_stdout(args.json ? result_json(at, r) : text_output(at, r, several));
                  });
  warnings.finish();
}

}  // namespace

void add_compress_command(CLI::App& app) {
  auto args = std::make_shared<CompressArgs>();
  CLI::App* cmd = app.add_subcommand("compress", "Compress text for an LLM (prints it)");
  cmd->footer(
      "Prints each input with its unimportant words dropped. Several inputs are scored\n"
      "together; each one's output follows a \"==> NAME <==\" line, inputs separated by a blank\n"
      "line. When the output is under 80% of the input, the original is kept in the CCR store\n"
      "and a marker \"Retrieve more: hash=K\" ends the output (`kompress retrieve K` prints it).\n"
      "--json prints one JSON object per line: {\"file\", \"segment\", \"compressed\",\n"
      "\"original\", \"original_tokens\", \"compressed_tokens\", \"compression_ratio\",\n"
      "\"tokens_saved\", \"savings_percentage\", \"cache_key\", \"model_used\", \"passthrough\",\n"
      "\"from_cache\", \"deadline_hit\", \"chunks_skipped\", \"ccr_error\", \"words\": "
      "[{\"begin\",\n"
      "\"end\", \"score\", \"kept\", \"reason\"}]} (byte offsets into \"original\").\n"
      "Inputs over --segment-bytes are compressed, and stored in CCR, segment by segment (cut\n"
      "after a line break): one output and one JSON line per segment.\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage.");
  cmd->add_option("inputs", args->inputs, "Files to compress; - or none: standard input");
  add_selection_options(*cmd, *args);
  cmd->add_option("--join", args->join,
                  "layout: keep line structure; space: the reference's single-space join")
      ->capture_default_str()
      ->check(CLI::IsMember({"layout", "space"}));
  cmd->add_flag("--no-ccr", args->no_ccr, "Do not store originals (and append no marker)");
  add_ccr_db_option(*cmd, args->ccr_db);
  cmd->callback([args] { run_compress(*args); });
}

}  // namespace kompress::cli
