// One text's journey through a compress_batch call.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compress/chunker.h"
#include "compress/selection.h"
#include "compress/units.h"
#include "kompress/compressor.h"
#include "text/words.h"

namespace kompress::compress {

struct Job {
  std::string text;  // the input, with bad bytes replaced in lossy mode
  text::SplitText split;
  std::vector<Unit> units;
  std::optional<double> ratio;
  std::string cache_key;  // empty when the result cache is not used
  std::vector<Chunk> chunks;
  std::vector<UnitScore> scores;         // per unit
  std::vector<std::size_t> pieces_left;  // per chunk: pieces not scored yet
  std::optional<Result> result;          // set once the text is done (passthrough, cache hit)
  std::vector<SequenceTrace> trace;      // scored sequences, when the options ask for a trace
};

// `text` as valid UTF-8: unchanged when valid; with each bad byte replaced by U+FFFD when
// `lossy`; otherwise throws kompress::Error "<where>invalid UTF-8 at byte offset N".
std::string checked_utf8(std::string_view text, bool lossy, std::string_view where);

// Splits the job's text into words and units.
void split_job(Job& job, bool split_cjk);

// The texts of the job's units.
std::vector<std::string_view> unit_texts(const Job& job);

// The result of returning the text unchanged: every unit kept, ratio 1.
Result passthrough_result(const Job& job, std::string model);

}  // namespace kompress::compress
