// Policy shared by the CCR backends: clock, TTL test, option checks.
#pragma once

#include <string>
#include <string_view>

#include "kompress/ccr.h"

namespace kompress::ccr::detail {

// The options' clock, or the system clock, in seconds since the epoch.
double now(const StoreOptions& options);

// True when an entry created at `created_at` with `ttl` is past its lifetime at `now`.
inline bool is_expired(double created_at, double ttl, double now) { return now - created_at > ttl; }

// Throws kompress::Error for a capacity of 0 or a TTL that is not positive.
void check_options(const StoreOptions& options);

}  // namespace kompress::ccr::detail
