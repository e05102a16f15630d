// Options shared by `kompress compress` and `kompress scores`, and the Compressor they build.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/compress_inputs.h"
#include "cli/input_segments.h"
#include "cli/model_location.h"
#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"

namespace kompress::cli {

struct CompressArgs {
  std::vector<std::string> inputs;  // files, "-" for stdin; none means stdin
  std::string model;
  std::string precision;  // --precision; empty: the checkpoint's own
  std::optional<double> ratio;
  float threshold = 0.5f;
  bool no_must_keep = false;
  std::size_t chunk_words = 350;
  int64_t deadline_ms = 20'000;
  bool lossy = false;
  std::size_t segment_bytes = kDefaultSegmentBytes;
  bool json = false;
  // compress only
  std::string join = "layout";
  bool no_ccr = false;
  std::string ccr_db;  // a store location (--ccr-db)

  CompressOptions options() const;
};

// Registers the selection options (--model, --precision, --ratio, --threshold, --no-must-keep,
// --chunk-words, --deadline-ms, --lossy, --segment-bytes, --json) on `cmd`.
void add_selection_options(CLI::App& cmd, CompressArgs& args);

// Registers --ccr-db LOCATION on `cmd`: any location ccr::open_store() understands.
void add_ccr_db_option(CLI::App& cmd, std::string& location);

// The --ccr-db location, or the default SQLite path.
std::string ccr_store_location(const std::string& flag);

// Opens the store for compression; when it cannot be opened, says so on stderr and returns
// null (compression goes on without CCR).
std::shared_ptr<ccr::Store> open_store_or_warn(const std::string& flag);

// The located model's tokenizer and its scorer (named by model_name()).
struct ModelParts {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const Scorer> scorer;
};
ModelParts load_model_parts(const ModelLocation& where, const LoadOptions& options);

// Loads the model of --model at --precision and its tokenizer into a Compressor (no result
// cache: the command is one-shot, a cache would only hold memory).
Compressor make_compressor(const CompressArgs& args, std::shared_ptr<ccr::Store> store);

// Says on stderr what went wrong beside the output: a CCR failure once per distinct message,
// deadline hits once per input (summed over its segments).
class Warnings {
 public:
  // Results arrive in input order.
  void check(const Result& r, const SegmentInfo& at);
  // Reports the last input's deadline hits.
  void finish();

 private:
  std::string last_ccr_error_;
  std::size_t input_ = 0;
  std::string name_;
  std::size_t segments_hit_ = 0;
  std::size_t chunks_skipped_ = 0;
};

}  // namespace kompress::cli
