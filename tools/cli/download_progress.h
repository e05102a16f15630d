// Progress of hub downloads on stderr when it is a terminal:
//   kompress: acme/kompress-base model.safetensors [#######-------] 25%  150.2 of 599.0 MB
#pragma once

#include <cstdio>

#include "cli/progress_bar.h"
#include "kompress/hub.h"

namespace kompress::cli {

class DownloadProgress {
 public:
  explicit DownloadProgress(std::FILE* out = stderr, bool enabled = ProgressLine::stderr_is_tty())
      : line_(out, enabled) {}

  // For hub::Options::progress; it never stops a download. Valid while this object lives.
  hub::ProgressFn callback();
  // Erases the line (before other output).
  void clear() { line_.clear(); }

 private:
  ProgressLine line_;
};

}  // namespace kompress::cli
