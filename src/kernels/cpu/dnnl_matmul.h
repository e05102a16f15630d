// y[rows, n] = x[rows, k] * W[k, n] through a oneDNN matmul primitive, for any number of rows.
//
// The weights are bound once (in place, or pre-packed in the layout oneDNN prefers); one
// primitive per row count (and caller's OpenMP thread count) is created on first use and cached,
// so steady batches pay no setup.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>

namespace kompress::kernels::cpu {

class DnnlMatmul {
 public:
  using DataType = dnnl::memory::data_type;

  // `weights` must outlive the object; its layout is `weights_md` ({k, n}).
  DnnlMatmul(DataType src, const dnnl::memory::desc& weights_md, const void* weights, DataType dst);

  // The CPU engine every primitive here runs on (oneDNN's ISA capped as cpu_isa.h says).
  static const dnnl::engine& cpu_engine();

  // The layout oneDNN prefers for weights {k, n} of type `weights` with sources of type `src`.
  static dnnl::memory::desc preferred_weights(DataType src, DataType weights, DataType dst,
                                              int64_t k, int64_t n);
  // Copies `from` (described by `from_md`) into `to` (described by `to_md`).
  static void reorder(const dnnl::memory::desc& from_md, const void* from,
                      const dnnl::memory::desc& to_md, void* to);
  // {k, n} weights stored as a row-major [n, k] matrix (a PyTorch Linear weight).
  static dnnl::memory::desc out_major(DataType type, int64_t k, int64_t n);

  // Bytes of oneDNN scratchpad run() needs (the caller owns it, so concurrent calls never share).
  size_t scratchpad_bytes(int64_t rows, bool accumulate) const;

  // A blocked layout as text, e.g. "s8 768x2304 pad 768x2304 strides 4096,49152 blocks
  // 16@0,64@1,4@0" (docs/quantized-checkpoints.md), and back. parse_layout throws kompress::Error
  // on bad text.
  static std::string describe_layout(const dnnl::memory::desc& md);
  static dnnl::memory::desc parse_layout(const std::string& text);

  // dst (+)= src * W; `accumulate` adds to dst (fp32 destinations only). `scratchpad` holds
  // scratchpad_bytes(rows, accumulate) bytes.
  void run(const void* src, int64_t rows, void* dst, bool accumulate, void* scratchpad) const;

 private:
  using Entry = std::pair<dnnl::matmul::primitive_desc, dnnl::matmul>;
  using Key = std::tuple<int64_t, bool, int>;  // rows, accumulate, the caller's OpenMP threads
  const Entry& primitive(int64_t rows, bool accumulate) const;

  dnnl::engine engine_;
  DataType src_;
  DataType dst_;
  dnnl::memory::desc weights_md_;
  dnnl::memory weights_;
  mutable std::mutex mutex_;
  mutable std::map<Key, Entry> cache_;
};

}  // namespace kompress::kernels::cpu
