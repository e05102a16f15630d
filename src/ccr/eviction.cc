#include "ccr/eviction.h"

#include <chrono>
#include <cmath>

#include "kompress/error.h"

namespace kompress::ccr::detail {

double now(const StoreOptions& options) {
  if (options.clock) return options.clock();
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count();
}

void check_options(const StoreOptions& options) {
  if (options.capacity == 0) throw Error("ccr store: capacity must be at least 1");
  if (!(options.ttl_seconds > 0) || !std::isfinite(options.ttl_seconds)) {
    throw Error("ccr store: ttl_seconds must be a positive number");
  }
}

}  // namespace kompress::ccr::detail
