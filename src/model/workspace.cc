#include "model/workspace.h"

#include <algorithm>
#include <new>
#include <string>

#include "kompress/error.h"

namespace kompress::model {

std::span<std::byte> Workspace::reserve(size_t bytes) {
  bytes = scratch_rounded(std::max<size_t>(bytes, 1));
  if (bytes > capacity_) {
    data_.reset();  // free first: peak memory stays one workspace
    data_.reset(static_cast<std::byte*>(std::aligned_alloc(kScratchAlign, bytes)));
    if (!data_) throw std::bad_alloc();
    capacity_ = bytes;
  }
  return {data_.get(), capacity_};
}

std::span<std::byte> Carver::take_bytes(size_t bytes) {
  const size_t rounded = scratch_rounded(bytes);
  if (used_ + rounded > memory_.size()) {
    throw Error("workspace plan too small: " + std::to_string(used_ + rounded) + " > " +
                std::to_string(memory_.size()) + " bytes");
  }
  const auto piece = memory_.subspan(used_, bytes);
  used_ += rounded;
  return piece;
}

}  // namespace kompress::model
