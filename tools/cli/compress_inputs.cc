#include "cli/compress_inputs.h"

#include <filesystem>
#include <string_view>

#include "cli/input_segments.h"
#include "cli/progress_bar.h"

namespace kompress::cli {
namespace {

// Size of all inputs for the progress bar; 0 when one of them has no known size.
uint64_t total_size(const std::vector<std::string>& inputs) {
  uint64_t total = 0;
  for (const std::string& path : inputs) {
    std::error_code ec;
    const auto size = path == "-" ? 0 : std::filesystem::file_size(path, ec);
    if (path == "-" || ec) return 0;
    total += size;
  }
  return total;
}

class Batcher {
 public:
  Batcher(const Compressor& c, const CompressOptions& o, uint64_t total_bytes,
          const std::function<void(const SegmentInfo&, Result&)>& sink)
      : compressor_(c), options_(o), bar_(total_bytes), sink_(sink) {
    options_.progress = [this](std::size_t done, std::size_t total) { bar_.update(done, total); };
  }

  void add(SegmentInfo info, std::string text) {
    bytes_ += text.size();
    infos_.push_back(std::move(info));
    texts_.push_back(std::move(text));
  }

  uint64_t bytes() const { return bytes_; }

  void flush() {
    if (texts_.empty()) return;
    const std::vector<std::string_view> views(texts_.begin(), texts_.end());
    bar_.begin_batch(bytes_);
    std::vector<Result> results = compressor_.compress_batch(views, options_);
    bar_.end_batch();
    bar_.clear();
    for (std::size_t i = 0; i < results.size(); ++i) sink_(infos_[i], results[i]);
    infos_.clear();
    texts_.clear();
    bytes_ = 0;
  }

 private:
  const Compressor& compressor_;
  CompressOptions options_;
  ProgressBar bar_;
  const std::function<void(const SegmentInfo&, Result&)>& sink_;
  std::vector<SegmentInfo> infos_;
  std::vector<std::string> texts_;
  uint64_t bytes_ = 0;
};

}  // namespace

void compress_inputs(const Compressor& compressor, const std::vector<std::string>& inputs,
                     std::size_t segment_bytes, CompressOptions options,
                     const std::function<void(const SegmentInfo&, Result&)>& sink) {
  Batcher batcher(compressor, options, total_size(inputs), sink);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    SegmentReader reader(inputs[i], segment_bytes, options.lossy);
    for (std::size_t k = 0;; ++k) {
      auto segment = reader.next();
      if (!segment) break;
      if (batcher.bytes() > 0 && batcher.bytes() + segment->size() > segment_bytes) {
        batcher.flush();
      }
      batcher.add({i, reader.name(), k}, std::move(*segment));
    }
  }
  batcher.flush();
}

}  // namespace kompress::cli
