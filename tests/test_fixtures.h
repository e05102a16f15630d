// Fixtures several test areas share: a sample of tool output, and reading back what a test
// wrote to a FILE*.
#pragma once

#include <cstdio>
#include <string>

namespace kompress::testing {

// Forty-odd words over six lines, with must-keep words and plain ones.
inline const std::string kToolOutput =
    "Traceback (most recent call last):\n"
    "  File \"/usr/lib/python3/model.py\", line 12, in forward\n"
    "    raise IndexError(\"index out of range\")\n"
    "IndexError: index out of range\n"
    "the process raised an error and was not able to continue with the rest of the job\n"
    "\tretrying at 0x7fff2038 with --verbose, or not at all\n";

// Everything written to `f` so far.
inline std::string file_contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out += static_cast<char>(c);
  return out;
}

}  // namespace kompress::testing
