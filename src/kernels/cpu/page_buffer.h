// Zeroed bytes in an anonymous mapping of their own, on transparent huge pages where the kernel
// gives them (madvise mode): weights packed at load then fault in 2 MB at a time rather than
// 4 KB (a 600 MB model took 115,000 faults), and the products that stream them miss the TLB less.
#pragma once

#include <cstddef>
#include <span>

namespace kompress::kernels::cpu {

class PageBuffer {
 public:
  PageBuffer() = default;
  // Throws kompress::Error when `bytes` cannot be mapped.
  explicit PageBuffer(std::size_t bytes);
  PageBuffer(PageBuffer&& other) noexcept;
  PageBuffer& operator=(PageBuffer&& other) noexcept;
  PageBuffer(const PageBuffer&) = delete;
  PageBuffer& operator=(const PageBuffer&) = delete;
  ~PageBuffer();

  std::byte* data() { return data_; }
  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }
  operator std::span<const std::byte>() const { return {data_, size_}; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;  // size_ rounded up to whole pages
};

}  // namespace kompress::kernels::cpu
