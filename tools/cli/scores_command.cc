// `kompress scores [FILE|-]`: why each word is kept or dropped: its score, the decision and the
// reason, and with --json every token the model scored.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/compress_args.h"
#include "cli/compress_inputs.h"
#include "cli/json_writer.h"
#include "cli/stdout_writer.h"
#include "kompress/error.h"

namespace kompress::cli {
namespace {

// Which words of `r` the model saw.
std::vector<bool> scored_words(const Result& r) {
  std::vector<bool> scored(r.words.size(), false);
  for (const SequenceTrace& seq : r.trace) {
    for (const TokenTrace& t : seq.tokens) {
      if (t.word >= 0) scored[static_cast<std::size_t>(t.word)] = true;
    }
  }
  return scored;
}

std::string_view word_text(const Result& r, const WordDecision& w) {
  return std::string_view(r.original).substr(w.begin, w.end - w.begin);
}

// Text: one line per word, "SCORE<TAB>keep|drop<TAB>REASON<TAB>WORD", "-" for unscored words.
std::string text_lines(const Result& r) {
  const std::vector<bool> scored = scored_words(r);
  std::string out;
  for (std::size_t i = 0; i < r.words.size(); ++i) {
    const WordDecision& w = r.words[i];
    char score[32] = "-";
    if (scored[i]) std::snprintf(score, sizeof score, "%.4f", static_cast<double>(w.score));
    out += score;
    out += w.kept ? "\tkeep\t" : "\tdrop\t";
    out += to_string(w.reason);
    out += '\t';
    out += word_text(r, w);
    out += '\n';
  }
  return out;
}

// {"words": [...], "chunks": [...]} over all segments: words are written as they come, the
// chunks are held until the end. Word and chunk indices count from the start of the input.
class JsonReport {
 public:
  JsonReport() { write_stdout("{\"words\": ["); }

  void add(const Result& r, std::size_t chunk_words) {
    const std::vector<bool> scored = scored_words(r);
    std::string out;
    for (std::size_t i = 0; i < r.words.size(); ++i) {
      const WordDecision& w = r.words[i];
      out += words_ ? ", {" : "{";
      ++words_;
      append_json_key(out, "word", true);
      append_json_string(out, word_text(r, w));
      append_json_key(out, "score");
      if (scored[i]) {
        append_json_float(out, w.score);
      } else {
        out += "null";
      }
      append_json_key(out, "kept");
      append_json_bool(out, w.kept);
      append_json_key(out, "reason");
      append_json_string(out, to_string(w.reason));
      out += '}';
    }
    write_stdout(out);
    for (const SequenceTrace& seq : r.trace) append_chunk(seq);
    word_offset_ += r.words.size();
    if (!r.trace.empty()) chunk_offset_ += (r.words.size() + chunk_words - 1) / chunk_words;
  }

  void finish() { write_stdout("], \"chunks\": [" + chunks_ + "]}\n"); }

 private:
  void append_chunk(const SequenceTrace& seq) {
    std::string& out = chunks_;
    out += chunks_.empty() ? "{" : ", {";
    append_json_key(out, "chunk", true);
    append_json_int(out, static_cast<int64_t>(chunk_offset_ + seq.chunk));
    append_json_key(out, "first_word");
    append_json_int(out, static_cast<int64_t>(word_offset_ + seq.first_word));
    append_json_key(out, "tokens");
    out += '[';
    for (std::size_t i = 0; i < seq.tokens.size(); ++i) {
      const TokenTrace& t = seq.tokens[i];
      out += i ? ", {" : "{";
      append_json_key(out, "id", true);
      append_json_int(out, t.id);
      append_json_key(out, "word_id");
      if (t.word < 0) {
        out += "null";
      } else {
        append_json_int(out, static_cast<int64_t>(word_offset_) + t.word);
      }
      append_json_key(out, "final_score");
      append_json_float(out, t.final_score);
      append_json_key(out, "p_keep");
      append_json_float(out, t.p_keep);
      append_json_key(out, "span");
      append_json_float(out, t.span);
      out += '}';
    }
    out += "]}";
  }

  std::size_t words_ = 0;
  std::size_t word_offset_ = 0;
  std::size_t chunk_offset_ = 0;
  std::string chunks_;
};

void run_scores(const CompressArgs& args, const std::string& input) {
  const Compressor compressor = make_compressor(args, nullptr);
  CompressOptions options = args.options();
  options.ccr = false;
  options.trace = true;
  Warnings warnings;
  if (args.json) {
    JsonReport report;
    compress_inputs(compressor, {input}, args.segment_bytes, options,
                    [&](const SegmentInfo& at, Result& r) {
                      warnings.check(r, at);
                      report.add(r, args.chunk_words);
                    });
    report.finish();
  } else {
    compress_inputs(compressor, {input}, args.segment_bytes, options,
                    [&](const SegmentInfo& at, Result& r) {
                      warnings.check(r, at);
                      write_stdout(text_lines(r));
                    });
  }
  warnings.finish();
}

}  // namespace

void add_scores_command(CLI::App& app) {
  auto args = std::make_shared<CompressArgs>();
  auto input = std::make_shared<std::string>("-");
  CLI::App* cmd = app.add_subcommand("scores", "Show each word's score and why it is kept");
  cmd->footer(
      "One line per word: SCORE<TAB>keep|drop<TAB>REASON<TAB>WORD, SCORE the max over the\n"
      "word's tokens (- when the model did not see it). Reasons: score (above the threshold),\n"
      "ratio (among the chunk's top words), must_keep (forced by a pattern), dropped,\n"
      "passthrough (the text is returned unchanged), unscored (alone over the token budget),\n"
      "deadline (its chunk was not reached in time).\n"
      "--json: {\"words\": [{\"word\", \"score\", \"kept\", \"reason\"}], \"chunks\": "
      "[{\"chunk\",\n"
      "\"first_word\", \"tokens\": [{\"id\", \"word_id\", \"final_score\", \"p_keep\", "
      "\"span\"}]}]}:\n"
      "one entry of \"chunks\" per sequence the model saw (a chunk over the token budget is\n"
      "several), [CLS] and [SEP] included with word_id null; word indices count from the start\n"
      "of the input. --json holds the token list in memory until the end.\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage.");
  cmd->add_option("input", *input, "File to score; - or none: standard input");
  add_selection_options(*cmd, *args);
  cmd->callback([args, input] { run_scores(*args, *input); });
}

}  // namespace kompress::cli
