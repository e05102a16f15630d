// Runs the built `kompress` command and captures its exit code, stdout and stderr.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace kompress::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the process died from a signal
  std::string out;
  std::string err;
};

// Runs build/bin/kompress with `args`, feeding `stdin_text` on standard input; as the user and
// group `as_uid` when given (needs root: tests of permissions that root would bypass).
CommandResult run_kompress(const std::vector<std::string>& args, const std::string& stdin_text = "",
                           std::optional<uid_t> as_uid = std::nullopt);

}  // namespace kompress::testing
