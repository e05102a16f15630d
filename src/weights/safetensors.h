// Safetensors files: a validating reader over mmap, and a writer.
//
// Format: 8-byte little-endian header size N, N bytes of JSON {name: {dtype, shape,
// data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data. The reader treats the
// file as untrusted: every problem is a kompress::Error naming the file and, where there is
// one, the tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weights/dtype.h"

namespace kompress::weights {

// A read-only view of one tensor's bytes inside a mapped file (or any caller-owned buffer). Valid
// while the SafetensorsFile (or buffer) it came from lives.
struct TensorView {
  std::string origin;  // the file path (or buffer name), for error messages
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;  // little-endian elements, row-major
  std::size_t nbytes = 0;

  int64_t numel() const;
  // The data as floats, without copying. Requires dtype kF32 and a 4-byte aligned data pointer;
  // throws kompress::Error naming the file and tensor otherwise. Files from write_safetensors
  // start their data at an 8-byte boundary, but a tensor after an odd-sized F16/I8 one may still
  // be misaligned: use to_f32() when in doubt.
  std::span<const float> f32() const;
};

// Copies a F32, F16 or BF16 tensor into floats (exact; any alignment). Throws kompress::Error
// naming the file and tensor for other dtypes.
std::vector<float> to_f32(const TensorView& tensor);
// Copies an I8, I32 or I64 tensor into int64 (any alignment). Throws kompress::Error naming the
// file and tensor for other dtypes.
std::vector<int64_t> to_i64(const TensorView& tensor);

class SafetensorsFile {
 public:
  // Maps `path` (read-only, private) and validates the header: JSON size within the file and at
  // most 100 MB, known dtypes, non-negative integer shapes without overflow, offsets that tile
  // the data section exactly (contiguous from 0 to the end of the file, no overlap, no gap, no
  // trailing bytes, as the reference safetensors crate requires), and shape x dtype size == byte
  // length. Throws kompress::Error "<path>: header: ..." or "<path>: tensor '<name>': ...".
  // The file must not be truncated while mapped (that would be SIGBUS, as for any mmap reader).
  static SafetensorsFile open(const std::string& path);
  // Validates and wraps a buffer the caller keeps alive (fuzzing, tests). `origin` names it.
  static SafetensorsFile from_buffer(std::span<const std::byte> bytes, std::string_view origin);

  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
  ~SafetensorsFile();

  const std::string& path() const;
  // Tensors in file order (sorted by data offset).
  const std::vector<TensorView>& tensors() const;
  // nullptr when absent.
  const TensorView* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const;

  // Drops the pages wholly inside `tensor` (one of this file's) from the process's resident
  // memory, for a caller that copied it and will not read it again: a mapped file reads them
  // back from the file if they are touched. A no-op for from_buffer (the caller's memory).
  void release(const TensorView& tensor) const;

 private:
  struct Impl;
  explicit SafetensorsFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One tensor to write: its bytes are copied as given.
struct TensorData {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::span<const std::byte> bytes;
};

// Writes a safetensors file (header padded with spaces to 8 bytes, tensors contiguous in the given
// order) atomically: a temporary file beside `path`, then rename. Throws kompress::Error naming
// `path` (and the tensor) when it cannot be written, a name repeats or is "__metadata__", a dim
// is negative, or a tensor's byte size mismatches its shape x dtype size.
void write_safetensors(const std::string& path, std::span<const TensorData> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace kompress::weights
