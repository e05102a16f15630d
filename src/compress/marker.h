// The retrieval marker appended to a compressed text whose original went to CCR.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kompress/compressor.h"

namespace kompress::compress {

// The marker for `original` compressed from `words` to `kept` words under `key`, with its
// leading newline; empty for Marker::kNone. Current form, as the reference writes it:
//   "\n[N words compressed to M (from L source lines). Original content preserved. Retrieve
//   more: hash=K]" ("line" when L is 1; L counts '\n' plus one). Legacy form:
//   "\n[N items compressed to M. Retrieve more: hash=K]".
std::string retrieval_marker(Marker style, int64_t words, int64_t kept, std::string_view original,
                             std::string_view key);

}  // namespace kompress::compress
