#include "cli/download_progress.h"

#include <string>

namespace kompress::cli {

hub::ProgressFn DownloadProgress::callback() {
  return [this](const hub::Progress& p) {
    const double total = static_cast<double>(p.total);
    char figures[64];
    std::snprintf(figures, sizeof figures, "%.1f of %.1f MB", static_cast<double>(p.done) / 1e6,
                  total / 1e6);
    line_.draw(std::string(p.repo) + " " + std::string(p.file) + " " +
               ProgressLine::bar(p.total == 0 ? 1.0 : static_cast<double>(p.done) / total) +
               figures);
    return true;
  };
}

}  // namespace kompress::cli
