// Progress on stderr: a line redrawn in place (ProgressLine, also used for downloads) and the
// bar for long inputs (ProgressBar), drawn only when stderr is a terminal and the input has
// many chunks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kompress::cli {

// One line of progress on a terminal, "kompress: TEXT", redrawn in place at most ten times a
// second and erased by clear(). Draws nothing unless enabled.
class ProgressLine {
 public:
  ProgressLine(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { clear(); }

  // Draws `text` unless the last drawing is under a tenth of a second old.
  void draw(const std::string& text);
  void clear();

  bool enabled() const { return enabled_; }
  static bool stderr_is_tty();
  // "[#######-----------------------] 25%  " for a fraction in [0, 1].
  static std::string bar(double fraction);

 private:
  std::FILE* out_;
  bool enabled_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

class ProgressBar {
 public:
  // Chunks an input needs before the bar shows (about the model time of a few seconds).
  static constexpr std::size_t kMinChunks = 64;

  // `total_bytes`: the size of all inputs, 0 when unknown (stdin). Draws on `out` only when
  // `enabled` (by default: stderr is a terminal).
  explicit ProgressBar(uint64_t total_bytes, std::FILE* out = stderr,
                       bool enabled = ProgressLine::stderr_is_tty());

  // A compress_batch call over `bytes` of input begins.
  void begin_batch(uint64_t bytes);
  // CompressOptions::progress of that call: `done` of `total` sequences scored.
  void update(std::size_t done, std::size_t total);
  // The call returned.
  void end_batch();

  // Erases the bar (before an error message, and at the end).
  void clear() { line_.clear(); }

 private:
  void draw();

  uint64_t total_bytes_;
  ProgressLine line_;
  uint64_t bytes_done_ = 0;  // input of the finished calls
  uint64_t batch_bytes_ = 0;
  std::size_t chunks_before_ = 0;  // sequences scored by the finished calls
  std::size_t batch_done_ = 0;
  std::size_t batch_total_ = 0;
};

}  // namespace kompress::cli
