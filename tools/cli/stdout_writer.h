// What the commands print as their output (not progress or errors, which go to stderr).
#pragma once

#include <string_view>

namespace kompress::cli {

// Writes `s` to stdout and flushes it; throws kompress::Error when either fails (a closed pipe, a
// full disk), so that output is never lost silently.
void write_stdout(std::string_view s);

}  // namespace kompress::cli
