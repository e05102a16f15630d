#include "cli/input_segments.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "kompress/error.h"
#include "text/utf8.h"

namespace kompress::cli {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::size_t segment_cut(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text.size();
  const std::string_view head = text.substr(0, limit);
  if (const auto nl = head.find_last_of("\n\r"); nl != std::string_view::npos) {
    // Keep a CRLF together: cut after the LF that follows a CR at the limit.
    return nl + 1 < text.size() && text[nl] == '\r' && text[nl + 1] == '\n' ? nl + 2 : nl + 1;
  }
  if (const auto sp = head.find_last_of(" \t"); sp != std::string_view::npos) return sp + 1;
  std::size_t cut = limit;
  while (cut > 0 && is_continuation(text[cut])) --cut;
  return cut > 0 ? cut : limit;
}

void check_text(std::string_view segment, const std::string& name, uint64_t offset, bool lossy) {
  if (const auto nul = segment.find('\0'); nul != std::string_view::npos) {
    throw Error(name + ": binary file (NUL byte at byte offset " + std::to_string(offset + nul) +
                ")");
  }
  if (lossy) return;
  if (const auto bad = text::find_invalid_utf8(segment)) {
    throw Error(name + ": invalid UTF-8 at byte offset " + std::to_string(offset + *bad) +
                " (--lossy replaces bad bytes with U+FFFD)");
  }
}

SegmentReader::SegmentReader(std::string path, std::size_t segment_bytes, bool lossy)
    : segment_bytes_(segment_bytes == 0 ? 1 : segment_bytes), lossy_(lossy) {
  if (path == "-") {
    name_ = "stdin";
    file_ = stdin;
  } else {
    name_ = std::move(path);
    file_ = std::fopen(name_.c_str(), "rb");
    if (file_ == nullptr) throw Error(name_ + ": cannot open: " + std::strerror(errno));
    owned_ = true;
  }
  struct stat st {};
  if (fstat(fileno(file_), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      std::fclose(file_);
      throw Error(name_ + ": is a directory");
    }
    if (S_ISREG(st.st_mode)) size_ = static_cast<uint64_t>(st.st_size);
  }
}

SegmentReader::~SegmentReader() {
  if (owned_) std::fclose(file_);
}

// Reads until the buffer holds a segment's worth (one byte more, to see whether a line break
// follows the limit) or the input ends.
void SegmentReader::fill() {
  const std::size_t want = segment_bytes_ + 1;
  while (!eof_ && buffer_.size() < want) {
    const std::size_t at = buffer_.size();
    buffer_.resize(want);
    const std::size_t got = std::fread(buffer_.data() + at, 1, want - at, file_);
    buffer_.resize(at + got);
    if (got == 0) {
      if (std::ferror(file_)) throw Error(name_ + ": read error: " + std::strerror(errno));
      eof_ = true;
    }
  }
}

std::optional<std::string> SegmentReader::next() {
  fill();
  if (buffer_.empty()) {
    if (yielded_) return std::nullopt;
    yielded_ = true;
    return std::string();
  }
  const std::size_t cut = segment_cut(buffer_, segment_bytes_);
  std::string segment = buffer_.substr(0, cut);
  buffer_.erase(0, cut);
  check_text(segment, name_, offset_, lossy_);
  offset_ += segment.size();
  yielded_ = true;
  return segment;
}

}  // namespace kompress::cli
