// The result cache's key: the text's hash and everything that changes the output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kompress/compressor.h"

namespace kompress::compress {

// sha256(text) in hex, the scorer's name and budget, and every output-affecting option (with
// `ratio` standing for the text's ratio and `ccr` for whether CCR can actually run). The deadline,
// batch size and use_cache are left out: they do not change a complete result.
std::string result_cache_key(std::string_view text, const CompressOptions& options,
                             std::optional<double> ratio, bool ccr, std::string_view model,
                             std::size_t max_tokens);

}  // namespace kompress::compress
