// kompress/compressor.h: compress text for an LLM by dropping the words a Kompress model scores
// as unimportant, keeping the original retrievable in a CCR store.
//
//   auto tok = std::make_shared<kompress::Tokenizer>(kompress::Tokenizer::from_file(tok_json));
//   auto model = std::make_shared<kompress::Model>(kompress::Model::load(model_dir));
//   auto store = std::shared_ptr(kompress::ccr::open_sqlite_store(
//       kompress::ccr::default_sqlite_path()));
//   kompress::Compressor c(tok, kompress::make_model_scorer(model, "kompress-v2-base"), store);
//   kompress::Result r = c.compress(tool_output);              // threshold 0.5, line layout
//   std::cout << r.compressed;                                   // ends with a retrieval marker
//   kompress::CompressOptions o;
//   o.ratio = 0.3;                                               // keep ~30% of the words
//   auto results = c.compress_batch(texts, o);                   // all chunks scored together
//
// Semantics follow the reference (Headroom's KompressCompressor), with its defects fixed: every
// word is scored (chunks beyond the model's token budget are split, never truncated), line
// structure is kept unless `join = Join::kSpace`, and text without spaces (CJK) is scored in
// small units. Thread-safe: one Compressor may serve many threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kompress/ccr.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"

namespace kompress {

// How kept words are put back together.
enum class Join {
  kLayout,  // keep lines: words of a line joined by one space, line breaks between kept words
            // kept, the indentation of a line whose first word is kept kept, empty lines gone
  kSpace,   // the reference: all kept words joined by single spaces
};

// Which token scores keep a word (a word is kept when any of its tokens is).
enum class KeepRule {
  kThreshold,  // final_scores > threshold (the reference's ONNX path, the default)
  kPyTorch,    // p_keep > 0.5, or 0.3 < p_keep <= 0.5 and span > 0.5 (its PyTorch path)
};

// The retrieval marker appended when the original is stored in CCR.
enum class Marker {
  kCurrent,  // "\n[N words compressed to M (from L source lines). Original content preserved.
             //  Retrieve more: hash=K]"
  kLegacy,   // "\n[N items compressed to M. Retrieve more: hash=K]"
  kNone,     // store the original but append nothing
};

struct CompressOptions {
  std::size_t chunk_words = 350;  // words per model chunk (split further by token budget)
  float threshold = 0.5f;         // threshold path: keep when a token scores above it
  KeepRule keep_rule = KeepRule::kThreshold;
  // Ratio path: keep max(1, floor(n * ratio)) words per chunk by score; nullopt: threshold path.
  std::optional<double> ratio;
  std::size_t min_words = 10;  // fewer words than this pass through unchanged
  bool must_keep = true;       // keep numbers, identifiers, paths, flags, negations...
  // Regexes (Python `re` syntax, searched in each word) replacing the reference's set; empty:
  // the reference's set (text::default_must_keep_patterns()).
  std::vector<std::string> must_keep_patterns;
  Join join = Join::kLayout;
  // Score runs of Han/Kana characters one character at a time (words that contain them are
  // split into units, and units of one word are rejoined without spaces). Off: the reference.
  bool split_cjk = true;
  bool ccr = true;  // store the original when compression_ratio < 0.8 (needs a store)
  Marker marker = Marker::kCurrent;
  // Wall-clock budget per call; chunks not scored in time are kept verbatim. Zero or negative:
  // no deadline.
  std::chrono::milliseconds deadline{20'000};
  bool lossy = false;           // replace invalid UTF-8 with U+FFFD instead of throwing
  bool use_cache = true;        // consult and fill the compressor's result cache
  std::size_t batch_size = 32;  // scoring pieces per Scorer::score call
  // Fill Result::trace with every token the model scored. Such calls bypass the result cache
  // (a cached result has no trace).
  bool trace = false;
  // Called before scoring with (0, total) and after each scoring batch with the sequences
  // scored so far, for progress bars. Not called when no text of the call needs the model.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Why a word was kept or dropped.
enum class Reason : uint8_t {
  kScore,        // kept: a token scored above the threshold (or passed the PyTorch rule)
  kRatio,        // kept: among the chunk's top words by score
  kMustKeep,     // kept: matched a must-keep pattern (and the model would have dropped it)
  kUnscored,     // kept verbatim: alone it exceeds the model's token budget (or has no tokens)
  kDeadline,     // kept verbatim: its chunk was not scored before the deadline
  kDropped,      // dropped
  kPassthrough,  // kept: the text passed through unchanged
};

std::string_view to_string(Reason reason);

// The decision on one scoring unit (a word, or a piece of a CJK word).
struct WordDecision {
  std::size_t begin = 0;  // byte range in Result::original
  std::size_t end = 0;
  float score = 0;  // max final score over its tokens (0 when not scored)
  bool kept = true;
  Reason reason = Reason::kPassthrough;
};

// One token as the model scored it.
struct TokenTrace {
  int32_t id = 0;
  int64_t word = -1;  // index into Result::words; -1 for special tokens ([CLS], [SEP])
  float final_score = 0;
  float p_keep = 0;  // NaN when the scorer did not report it
  float span = 0;    // NaN when the scorer did not report it
};

// One sequence the model scored: a chunk of `chunk_words` units, or a piece of one when the
// chunk exceeded the token budget (a chunk then has several sequences, each with its specials).
struct SequenceTrace {
  std::size_t chunk = 0;           // index of the chunk in the text
  std::size_t first_word = 0;      // index into Result::words of the sequence's first unit
  std::vector<TokenTrace> tokens;  // in order, [CLS] and [SEP] included
};

struct Result {
  std::string compressed;
  std::string original;
  int64_t original_tokens = 0;     // words (scoring units) of the original, as the reference
  int64_t compressed_tokens = 0;   // words kept
  double compression_ratio = 1.0;  // compressed_tokens / original_tokens
  std::string cache_key;           // CCR key when the original was stored, else empty
  std::string model_used;
  bool passthrough = true;    // compressed == original
  bool from_cache = false;    // answered by the result cache, without the model
  bool deadline_hit = false;  // some chunks were kept verbatim for lack of time
  std::size_t chunks_skipped = 0;
  std::string ccr_error;             // why CCR was skipped when the store failed; empty otherwise
  std::vector<WordDecision> words;   // per scoring unit, in text order
  std::vector<SequenceTrace> trace;  // with CompressOptions::trace: every scored sequence

  int64_t tokens_saved() const {
    return original_tokens > compressed_tokens ? original_tokens - compressed_tokens : 0;
  }
  double savings_percentage() const {
    return original_tokens == 0
               ? 0.0
               : 100.0 * static_cast<double>(tokens_saved()) / static_cast<double>(original_tokens);
  }
};

class Compressor {
 public:
  // `store` may be null: CCR is then off whatever the options say. `cache_bytes` bounds the
  // in-process result cache (0 disables it).
  Compressor(std::shared_ptr<const Tokenizer> tokenizer, std::shared_ptr<const Scorer> scorer,
             std::shared_ptr<ccr::Store> store = nullptr,
             std::size_t cache_bytes = std::size_t{64} << 20);
  Compressor(Compressor&&) noexcept;
  Compressor& operator=(Compressor&&) noexcept;
  ~Compressor();

  // Compresses one text. Throws kompress::Error for invalid UTF-8 (naming the byte offset;
  // unless options.lossy), invalid options, a bad must-keep pattern, or a scorer failure. A
  // failing CCR store never throws: the result says so in ccr_error.
  Result compress(std::string_view text, const CompressOptions& options = {}) const;

  // Compresses several texts, scoring the chunks of all of them together. `ratios`, when not
  // empty, gives each text its own ratio (nullopt: threshold path) and must have one entry per
  // text; otherwise options.ratio applies to all. Errors name the text's index.
  std::vector<Result> compress_batch(std::span<const std::string_view> texts,
                                     const CompressOptions& options = {},
                                     std::span<const std::optional<double>> ratios = {}) const;

  // The result cache's current size in bytes and entries (for tests and stats).
  std::size_t cache_bytes() const;
  std::size_t cache_entries() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kompress
