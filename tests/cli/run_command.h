// Runs the built `kompress` command and captures its exit code, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace kompress::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when the process died from a signal
  std::string out;
  std::string err;
};

// Runs build/bin/kompress with `args`, feeding `stdin_text` on standard input.
CommandResult run_kompress(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace kompress::testing
