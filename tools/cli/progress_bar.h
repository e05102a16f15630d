// A one-line progress bar on stderr for long inputs: drawn only when stderr is a terminal and
// the input has many chunks, redrawn at most ten times a second, erased when done.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace kompress::cli {

class ProgressBar {
 public:
  // Chunks an input needs before the bar shows (about the model time of a few seconds).
  static constexpr std::size_t kMinChunks = 64;

  // `total_bytes`: the size of all inputs, 0 when unknown (stdin). Draws on `out` only when
  // `enabled` (by default: stderr is a terminal).
  explicit ProgressBar(uint64_t total_bytes, std::FILE* out = stderr, bool enabled = is_tty());
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();

  // A compress_batch call over `bytes` of input begins.
  void begin_batch(uint64_t bytes);
  // CompressOptions::progress of that call: `done` of `total` sequences scored.
  void update(std::size_t done, std::size_t total);
  // The call returned.
  void end_batch();

  // Erases the bar (before an error message, and at the end).
  void clear();

 private:
  static bool is_tty();
  void draw();

  uint64_t total_bytes_;
  std::FILE* out_;
  bool enabled_;
  bool shown_ = false;
  uint64_t bytes_done_ = 0;  // input of the finished calls
  uint64_t batch_bytes_ = 0;
  std::size_t chunks_before_ = 0;  // sequences scored by the finished calls
  std::size_t batch_done_ = 0;
  std::size_t batch_total_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace kompress::cli
