#include "kernels/cpu/page_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "kompress/error.h"

namespace kompress::kernels::cpu {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

PageBuffer::PageBuffer(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  mapped_ = (bytes + page - 1) / page * page;
  // Mapped with a huge page's worth to spare, then trimmed to start on a huge page boundary: the
  // whole huge pages inside can be huge, only the tail is small pages (no rounding up to 2 MB,
  // which would add a megabyte a buffer on average).
  const std::size_t spare = mapped_ + kHugePage;
  void* p = ::mmap(nullptr, spare, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw Error("cannot map " + std::to_string(bytes) +
                " bytes for packed weights: " + std::strerror(errno));
  }
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (begin + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > begin) ::munmap(p, aligned - begin);
  const std::uintptr_t end = aligned + mapped_;
  if (begin + spare > end) ::munmap(reinterpret_cast<void*>(end), begin + spare - end);
  data_ = reinterpret_cast<std::byte*>(aligned);
  // Advice: without huge pages (THP off, or none free) the buffer is plain pages.
  ::madvise(data_, mapped_, MADV_HUGEPAGE);
}

PageBuffer::PageBuffer(PageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

PageBuffer& PageBuffer::operator=(PageBuffer&& other) noexcept {
  if (this != &other) {
    PageBuffer gone(std::move(*this));
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

PageBuffer::~PageBuffer() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

}  // namespace kompress::kernels::cpu
