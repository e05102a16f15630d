#include "compress/marker.h"

#include <algorithm>

namespace kompress::compress {

std::string retrieval_marker(Marker style, int64_t words, int64_t kept, std::string_view original,
                             std::string_view key) {
  const std::string counts = std::to_string(words) +
                             (style == Marker::kLegacy ? " items" : " words") + " compressed to " +
                             std::to_string(kept);
  switch (style) {
    case Marker::kNone:
      return {};
    case Marker::kLegacy:
      return "\n[" + counts + ". Retrieve more: hash=" + std::string(key) + "]";
    case Marker::kCurrent:
      break;
  }
  const auto lines = std::count(original.begin(), original.end(), '\n') + 1;
  return "\n[" + counts + " (from " + std::to_string(lines) + " source " +
         (lines == 1 ? "line" : "lines") +
         "). Original content preserved. Retrieve more: hash=" + std::string(key) + "]";
}

}  // namespace kompress::compress
