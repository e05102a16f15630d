#include "kernels/cpu/dnnl_matmul.h"

#include <omp.h>

#include <cstring>
#include <sstream>
#include <vector>

#include "kernels/cpu/cpu_isa.h"
#include "kompress/error.h"

namespace kompress::kernels::cpu {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

std::string join(const int64_t* values, int n, char sep) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? std::string(1, sep) : "") + std::to_string(values[i]);
  return out;
}

std::vector<int64_t> split_ints(const std::string& text, char sep) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, sep)) {
    size_t used = 0;
    out.push_back(std::stoll(item, &used));
    if (used != item.size()) throw std::invalid_argument(item);
  }
  return out;
}

memory::data_type type_named(const std::string& name) {
  if (name == "s8") return memory::data_type::s8;
  if (name == "bf16") return memory::data_type::bf16;
  if (name == "f32") return memory::data_type::f32;
  throw std::invalid_argument(name);
}

std::string type_name(memory::data_type type) {
  switch (type) {
    case memory::data_type::s8:
      return "s8";
    case memory::data_type::bf16:
      return "bf16";
    case memory::data_type::f32:
      return "f32";
    default:
      throw Error("weights layout: unsupported data type");
  }
}

}  // namespace

std::string DnnlMatmul::describe_layout(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  const auto& b = d.format_desc.blocking;
  if (d.format_kind != dnnl_blocked || d.ndims != 2 || d.offset0 != 0 || d.extra.flags != 0) {
    throw Error("weights layout: oneDNN chose a layout that cannot be stored");
  }
  std::string blocks;
  for (int i = 0; i < b.inner_nblks; ++i) {
    blocks +=
        (i ? "," : "") + std::to_string(b.inner_blks[i]) + "@" + std::to_string(b.inner_idxs[i]);
  }
  return type_name(md.data_type()) + " " + join(d.dims, 2, 'x') + " pad " +
         join(d.padded_dims, 2, 'x') + " strides " + join(b.strides, 2, ',') + " blocks " +
         (blocks.empty() ? "-" : blocks);
}

memory::desc DnnlMatmul::parse_layout(const std::string& text) {
  try {
    std::stringstream in(text);
    std::string type, dims, pad_word, pad, strides_word, strides, blocks_word, blocks, rest;
    in >> type >> dims >> pad_word >> pad >> strides_word >> strides >> blocks_word >> blocks;
    if (!in || pad_word != "pad" || strides_word != "strides" || blocks_word != "blocks" ||
        (in >> rest)) {
      throw std::invalid_argument(text);
    }
    const auto dim = split_ints(dims, 'x');
    const auto padded = split_ints(pad, 'x');
    const auto stride = split_ints(strides, ',');
    if (dim.size() != 2 || padded.size() != 2 || stride.size() != 2) {
      throw std::invalid_argument(text);
    }
    dnnl_memory_desc_t d;
    std::memset(&d, 0, sizeof d);
    d.ndims = 2;
    d.data_type = static_cast<dnnl_data_type_t>(type_named(type));
    d.format_kind = dnnl_blocked;
    auto& b = d.format_desc.blocking;
    for (int i = 0; i < 2; ++i) {
      if (dim[i] <= 0 || padded[i] < dim[i] || stride[i] <= 0) throw std::invalid_argument(text);
      d.dims[i] = dim[i];
      d.padded_dims[i] = padded[i];
      b.strides[i] = stride[i];
    }
    if (blocks != "-") {
      std::stringstream bs(blocks);
      std::string item;
      while (std::getline(bs, item, ',')) {
        const auto at = item.find('@');
        if (at == std::string::npos || b.inner_nblks >= DNNL_MAX_NDIMS) {
          throw std::invalid_argument(text);
        }
        const auto size_idx = split_ints(item.substr(0, at) + "@" + item.substr(at + 1), '@');
        if (size_idx[0] <= 0 || size_idx[1] < 0 || size_idx[1] > 1)
          throw std::invalid_argument(text);
        b.inner_blks[b.inner_nblks] = size_idx[0];
        b.inner_idxs[b.inner_nblks] = size_idx[1];
        ++b.inner_nblks;
      }
    }
    const memory::desc md(d);
    // The blocks must tile the padded dims and the strides must cover the blocks.
    if (describe_layout(md) != text) throw std::invalid_argument(text);
    return md;
  } catch (const std::invalid_argument&) {
    throw Error("weights layout '" + text + "' is malformed");
  } catch (const std::out_of_range&) {
    throw Error("weights layout '" + text + "' is malformed");
  }
}

const dnnl::engine& DnnlMatmul::cpu_engine() {
  cpu_features();  // caps oneDNN's ISA before its first primitive
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

DnnlMatmul::DnnlMatmul(DataType src, const memory::desc& weights_md, const void* weights,
                       DataType dst)
    : engine_(cpu_engine()),
      src_(src),
      dst_(dst),
      weights_md_(weights_md),
      // oneDNN only reads weights; its API takes a mutable handle.
      weights_(weights_md, engine_, const_cast<void*>(weights)) {}

memory::desc DnnlMatmul::out_major(DataType type, int64_t k, int64_t n) {
  return memory::desc({k, n}, type, Tag::ba);
}

memory::desc DnnlMatmul::preferred_weights(DataType src, DataType weights, DataType dst, int64_t k,
                                           int64_t n) {
  // The layout is chosen for a typical chunk; brgemm's packing does not depend on the rows.
  constexpr int64_t kRows = 512;
  const dnnl::matmul::desc desc(memory::desc({kRows, k}, src, Tag::ab),
                                memory::desc({k, n}, weights, Tag::any),
                                memory::desc({kRows, n}, dst, Tag::ab));
  try {
    return dnnl::matmul::primitive_desc(desc, cpu_engine()).weights_desc();
  } catch (const dnnl::error&) {
    // oneDNN 2.6 has bf16 matmuls only from AVX-512 on.
    throw Error("oneDNN has no " + type_name(weights) + " matmul on this CPU (" +
                std::string(isa_name(cpu_features().isa)) + " kernels); use another precision");
  }
}

void DnnlMatmul::reorder(const memory::desc& from_md, const void* from, const memory::desc& to_md,
                         void* to) {
  const dnnl::engine& engine = cpu_engine();
  memory src(from_md, engine, const_cast<void*>(from));
  memory dst(to_md, engine, to);
  dnnl::stream stream(engine);
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
}

const DnnlMatmul::Entry& DnnlMatmul::primitive(int64_t rows, bool accumulate) const {
  // oneDNN splits a matmul's work among the calling thread's OpenMP threads as they were when
  // the primitive was made: one made for one thread stayed on one when a pass got two.
  const Key key{rows, accumulate, omp_get_max_threads()};
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const int64_t k = weights_md_.dims()[0];
  const int64_t n = weights_md_.dims()[1];
  const dnnl::matmul::desc desc(memory::desc({rows, k}, src_, Tag::ab), weights_md_,
                                memory::desc({rows, n}, dst_, Tag::ab));
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  try {
    dnnl::matmul::primitive_desc pd(desc, attr, engine_);
    dnnl::matmul prim(pd);
    return cache_.emplace(key, Entry(std::move(pd), std::move(prim))).first->second;
  } catch (const dnnl::error& e) {
    throw Error("oneDNN matmul [" + std::to_string(rows) + " x " + std::to_string(k) + "] x [" +
                std::to_string(k) + " x " + std::to_string(n) + "]: " + e.what());
  }
}

size_t DnnlMatmul::scratchpad_bytes(int64_t rows, bool accumulate) const {
  return rows == 0 ? 0 : primitive(rows, accumulate).first.scratchpad_desc().get_size();
}

void DnnlMatmul::run(const void* src, int64_t rows, void* dst, bool accumulate,
                     void* scratchpad) const {
  if (rows == 0) return;
  const Entry& entry = primitive(rows, accumulate);
  const int64_t k = weights_md_.dims()[0];
  const int64_t n = weights_md_.dims()[1];
  memory src_mem(memory::desc({rows, k}, src_, Tag::ab), engine_, const_cast<void*>(src));
  memory dst_mem(memory::desc({rows, n}, dst_, Tag::ab), engine_, dst);
  memory pad_mem(entry.first.scratchpad_desc(), engine_, scratchpad);
  dnnl::stream stream(engine_);
  entry.second.execute(stream, {{DNNL_ARG_SRC, src_mem},
                                {DNNL_ARG_WEIGHTS, weights_},
                                {DNNL_ARG_DST, dst_mem},
                                {DNNL_ARG_SCRATCHPAD, pad_mem}});
  stream.wait();
}

}  // namespace kompress::kernels::cpu
