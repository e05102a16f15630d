// Reading the inputs of `compress` and `scores` piece by piece, so that memory stays bounded
// whatever the input size: segments of about `segment_bytes`, cut just after a line break.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace kompress::cli {

// Default segment size: large enough that ordinary inputs are one segment (so one result, as
// the library gives), small enough that a segment's working set is a few tens of MB.
inline constexpr std::size_t kDefaultSegmentBytes = std::size_t{4} << 20;

// Where a segment of `text` of at most `limit` bytes should end: after the last line break
// within the limit, else after the last space or tab, else at the last UTF-8 character
// boundary; `text.size()` when it already fits. Always > 0 for a non-empty text.
std::size_t segment_cut(std::string_view text, std::size_t limit);

// Throws kompress::Error "<name>: binary file (NUL byte at byte offset N)" or, unless `lossy`,
// "<name>: invalid UTF-8 at byte offset N"; offsets count from the start of the input, of
// which `segment` starts at `offset`.
void check_text(std::string_view segment, const std::string& name, uint64_t offset, bool lossy);

// One input: a file, or "-" for standard input. Yields at least one segment (empty for an
// empty input), each checked with check_text.
class SegmentReader {
 public:
  // Throws kompress::Error naming the file when it cannot be opened or is a directory.
  SegmentReader(std::string path, std::size_t segment_bytes, bool lossy);
  SegmentReader(const SegmentReader&) = delete;
  SegmentReader& operator=(const SegmentReader&) = delete;
  ~SegmentReader();

  // The next segment, or nullopt after the last. Throws kompress::Error on a read error or bad
  // text.
  std::optional<std::string> next();

  // The name in messages: the path, or "stdin".
  const std::string& name() const { return name_; }
  // Size in bytes when the input is a regular file.
  std::optional<uint64_t> size() const { return size_; }

 private:
  void fill();

  std::string name_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  bool eof_ = false;
  bool yielded_ = false;
  std::size_t segment_bytes_;
  bool lossy_;
  uint64_t offset_ = 0;  // input bytes yielded so far
  std::optional<uint64_t> size_;
  std::string buffer_;  // read but not yielded
};

}  // namespace kompress::cli
