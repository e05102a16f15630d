#include "cli/compress_args.h"

#include <cstdio>

#include "cli/model_location.h"
#include "cli/precision_option.h"
#include "kompress/error.h"
#include "kompress/model.h"
#include "kompress/scorer.h"

namespace kompress::cli {

CompressOptions CompressArgs::options() const {
  CompressOptions o;
  o.ratio = ratio;
  o.threshold = threshold;
  o.must_keep = !no_must_keep;
  o.chunk_words = chunk_words;
  o.deadline = std::chrono::milliseconds(deadline_ms);
  o.lossy = lossy;
  o.join = join == "space" ? Join::kSpace : Join::kLayout;
  o.ccr = !no_ccr;
  return o;
}

void add_selection_options(CLI::App& cmd, CompressArgs& a) {
  cmd.add_option("--model", a.model,
                 "Model folder (config.json, model.safetensors, tokenizer.json) or Hugging "
                 "Face repository ORG/NAME[@REVISION] (from the hub cache, downloaded on first "
                 "use); default: $KOMPRESS_MODEL, else the embedded kompress-mini");
  add_load_precision_option(cmd, a.precision);
  cmd.add_option("--ratio", a.ratio,
                 "Keep the top max(1, floor(n * R)) words of each chunk by score instead of "
                 "the threshold rule")
      ->check(CLI::Range(0.0, 1.0));
  cmd.add_option("--threshold", a.threshold, "Keep a word when one of its tokens scores above T")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 1.0f));
  cmd.add_flag("--no-must-keep", a.no_must_keep,
               "Do not force-keep numbers, identifiers, paths, flags, negations...");
  cmd.add_option("--chunk-words", a.chunk_words, "Words per model chunk")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--deadline-ms", a.deadline_ms,
                 "Time budget per segment in ms; chunks not scored in time are kept verbatim "
                 "(0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--lossy", a.lossy, "Replace invalid UTF-8 bytes with U+FFFD instead of failing");
  cmd.add_option("--segment-bytes", a.segment_bytes,
                 "Inputs larger than this are compressed segment by segment, cut at line "
                 "breaks, to bound memory")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--json", a.json, "Print JSON instead of text");
}

void add_ccr_db_option(CLI::App& cmd, std::string& location) {
  cmd.add_option("--ccr-db", location,
                 "CCR store: a SQLite file (or sqlite:PATH), "
                 "redis://[:PASSWORD@]HOST[:PORT][/DB][?prefix=NAME] (shared by every "
                 "process using it), or memory (default: $XDG_DATA_HOME/kompress/ccr.sqlite3)")
      ->type_name("LOCATION");
}

std::string ccr_store_location(const std::string& flag) {
  return flag.empty() ? ccr::default_sqlite_path() : flag;
}

std::shared_ptr<ccr::Store> open_store_or_warn(const std::string& flag) {
  try {
    return ccr::open_store(ccr_store_location(flag));
  } catch (const Error& e) {
    std::fprintf(stderr, "kompress: warning: %s; compressing without CCR (no retrieval marker)\n",
                 e.what());
    return nullptr;
  }
}

ModelParts load_model_parts(const ModelLocation& where, const LoadOptions& options) {
  auto tokenizer = std::make_shared<const Tokenizer>(Tokenizer::from_file(where.tokenizer));
  auto model = std::make_shared<const Model>(Model::load(where.config, where.weights, options));
  return {std::move(tokenizer), make_model_scorer(std::move(model), model_name(where))};
}

Compressor make_compressor(const CompressArgs& args, std::shared_ptr<ccr::Store> store) {
  ModelParts parts = load_model_parts(locate_model(args.model), load_options(args.precision));
  return Compressor(std::move(parts.tokenizer), std::move(parts.scorer), std::move(store), 0);
}

void Warnings::check(const Result& r, const SegmentInfo& at) {
  if (!r.ccr_error.empty() && r.ccr_error != last_ccr_error_) {
    std::fprintf(stderr, "kompress: warning: %s; output has no retrieval marker\n",
                 r.ccr_error.c_str());
    last_ccr_error_ = r.ccr_error;
  }
  if (at.input != input_) finish();
  input_ = at.input;
  name_ = at.name;
  if (r.deadline_hit) {
    ++segments_hit_;
    chunks_skipped_ += r.chunks_skipped;
  }
}

void Warnings::finish() {
  if (segments_hit_ > 0) {
    std::fprintf(stderr,
                 "kompress: warning: %s: deadline hit (in %zu segments), %zu chunks kept verbatim "
                 "(raise --deadline-ms, 0 for none)\n",
                 name_.c_str(), segments_hit_, chunks_skipped_);
  }
  segments_hit_ = 0;
  chunks_skipped_ = 0;
}

}  // namespace kompress::cli
