// Runs the inputs of `compress` and `scores` through a Compressor with bounded memory: each
// input is read in segments (input_segments.h) and segments are compressed in batches of about
// `segment_bytes` with compress_batch, so that several small files are scored together and a
// huge file is compressed piece by piece.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "kompress/compressor.h"

namespace kompress::cli {

// Where a result comes from.
struct SegmentInfo {
  std::size_t input = 0;    // index into the inputs
  std::string name;         // the path, or "stdin"
  std::size_t segment = 0;  // index of the segment within its input
};

// Compresses `inputs` ("-" for stdin) and hands each result, in input and segment order, to
// `sink`. Shows a progress bar on stderr for long runs when it is a terminal. Throws
// kompress::Error for unreadable, binary or (unless options.lossy) invalid UTF-8 input.
void compress_inputs(const Compressor& compressor, const std::vector<std::string>& inputs,
                     std::size_t segment_bytes, CompressOptions options,
                     const std::function<void(const SegmentInfo&, Result&)>& sink);

}  // namespace kompress::cli
