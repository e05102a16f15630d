// Scratch memory planned per batch shape: one 64-byte aligned allocation that is kept and reused
// while later batches fit, carved into the buffers of a forward pass in a fixed order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

namespace kompress::model {

inline constexpr size_t kScratchAlign = 64;
inline size_t scratch_rounded(size_t bytes) {
  return (bytes + kScratchAlign - 1) / kScratchAlign * kScratchAlign;
}

class Workspace {
 public:
  // At least `bytes` of aligned memory; reallocates only when the batch outgrows it.
  std::span<std::byte> reserve(size_t bytes);
  size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> data_;
  size_t capacity_ = 0;
};

// Consecutive aligned pieces of a span, in the order a plan summed them with scratch_rounded().
class Carver {
 public:
  explicit Carver(std::span<std::byte> memory) : memory_(memory) {}

  template <class T>
  T* take(int64_t count) {
    return reinterpret_cast<T*>(take_bytes(static_cast<size_t>(count) * sizeof(T)).data());
  }
  // Throws kompress::Error when the plan was too small (a bug, never user input).
  std::span<std::byte> take_bytes(size_t bytes);
  // What is left, for a callee that carves its own buffers.
  std::span<std::byte> rest() const { return memory_.subspan(used_); }

 private:
  std::span<std::byte> memory_;
  size_t used_ = 0;
};

}  // namespace kompress::model
