#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <string>

namespace kompress::cli {
namespace {

constexpr int kWidth = 30;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

}  // namespace

bool ProgressLine::stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void ProgressLine::draw(const std::string& text) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  std::fputs(("\rkompress: " + text + "\033[K").c_str(), out_);
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  shown_ = false;
}

std::string ProgressLine::bar(double fraction) {
  const double f = std::clamp(fraction, 0.0, 1.0);
  const int filled = static_cast<int>(f * kWidth);
  return '[' + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " +
         std::to_string(static_cast<int>(f * 100)) + "%  ";
}

ProgressBar::ProgressBar(uint64_t total_bytes, std::FILE* out, bool enabled)
    : total_bytes_(total_bytes), line_(out, enabled) {}

void ProgressBar::begin_batch(uint64_t bytes) {
  batch_bytes_ = bytes;
  batch_done_ = 0;
  batch_total_ = 0;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  batch_done_ = done;
  batch_total_ = total;
  draw();
}

void ProgressBar::end_batch() {
  bytes_done_ += batch_bytes_;
  chunks_before_ += batch_done_;
  batch_bytes_ = 0;
  batch_done_ = 0;
  batch_total_ = 0;
  draw();
}

void ProgressBar::draw() {
  if (!line_.enabled() || chunks_before_ + batch_total_ < kMinChunks) return;
  // Bytes of the running call count in proportion to its scored sequences.
  const double in_batch = batch_total_ == 0 ? 0.0
                                            : static_cast<double>(batch_bytes_) *
                                                  static_cast<double>(batch_done_) /
                                                  static_cast<double>(batch_total_);
  const double bytes = static_cast<double>(bytes_done_) + in_batch;
  const std::size_t chunks = chunks_before_ + batch_done_;
  std::string line;
  if (total_bytes_ > 0) line = ProgressLine::bar(bytes / static_cast<double>(total_bytes_));
  char figures[96];
  std::snprintf(figures, sizeof figures, "%.1f MB, %zu chunks", bytes / 1e6, chunks);
  line_.draw(line + figures);
}

}  // namespace kompress::cli
