// libFuzzer target: SafetensorsFile::from_buffer on arbitrary bytes must either throw
// kompress::Error or return views that lie entirely inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "kompress/error.h"
#include "weights/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kompress::weights;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  try {
    const SafetensorsFile file = SafetensorsFile::from_buffer(bytes, "fuzz.safetensors");
    unsigned sum = 0;
    for (const TensorView& t : file.tensors()) {
      // Touch every byte: ASan flags any view that escapes the buffer.
      for (std::size_t i = 0; i < t.nbytes; ++i) sum += static_cast<unsigned>(t.data[i]);
      if (t.data < bytes.data() || t.data + t.nbytes > bytes.data() + bytes.size()) {
        __builtin_trap();
      }
      if (file.find(t.name) != &t) __builtin_trap();
      try {
        if (t.dtype == DType::kF32 || t.dtype == DType::kF16 || t.dtype == DType::kBF16) {
          sum += static_cast<unsigned>(to_f32(t).size());
          sum += static_cast<unsigned>(t.f32().size());  // throws on F16/BF16 or misalignment
        } else {
          sum += static_cast<unsigned>(to_i64(t).size());
        }
      } catch (const kompress::Error&) {
      }
    }
    for (const auto& [key, value] : file.metadata()) sum += static_cast<unsigned>(key.size());
    volatile unsigned sink = sum;
    (void)sink;
  } catch (const kompress::Error&) {
  }
  return 0;
}
