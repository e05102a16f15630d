#include "cli/stdout_writer.h"

#include <cstdio>

#include "kompress/error.h"

namespace kompress::cli {

void write_stdout(std::string_view s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size() || std::fflush(stdout) != 0) {
    throw Error("cannot write to stdout");
  }
}

}  // namespace kompress::cli
