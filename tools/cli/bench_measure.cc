#include "cli/bench_measure.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "kernels/cpu/dnnl_matmul.h"
#include "kompress/error.h"
#include "model/layout.h"

namespace kompress::cli {
namespace {

using Clock = std::chrono::steady_clock;
using DT = kernels::cpu::DnnlMatmul::DataType;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Values of ordinary magnitude for `type` (denormals would slow the products down).
void fill_normal_values(std::vector<std::byte>& bytes, DT type, std::mt19937& rng) {
  if (type == DT::f32) {
    for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
      const float v = 0.5f + static_cast<float>(rng() % 1000) / 1000.0f;
      std::memcpy(bytes.data() + i, &v, 4);
    }
  } else if (type == DT::bf16) {
    for (size_t i = 0; i + 2 <= bytes.size(); i += 2) {
      const auto v = static_cast<uint16_t>(0x3F00u | (rng() & 0x7Fu));  // 0.5 .. 1
      std::memcpy(bytes.data() + i, &v, 2);
    }
  } else {
    for (auto& b : bytes) b = static_cast<std::byte>(rng() % 128);
  }
}

// The data types of a product at `precision`: source, weights (the second operand), result.
struct ProductTypes {
  DT src, wei, dst;
};

ProductTypes product_types(Precision precision) {
  const DT src = precision == Precision::kInt8   ? DT::u8
                 : precision == Precision::kBf16 ? DT::bf16
                                                 : DT::f32;
  return {src, precision == Precision::kInt8 ? DT::s8 : src,
          precision == Precision::kInt8 ? DT::s32 : DT::f32};
}

// The best of `reps` timed runs of `run`, seconds, after an untimed one (JIT, first touch);
// `prepare` runs untimed before each.
double best_seconds(
    const std::function<void()>& run, int reps, const std::function<void()>& prepare = [] {}) {
  run();
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < reps; ++r) {
    prepare();
    const auto t = Clock::now();
    run();
    best = std::min(best, ms_since(t) / 1000.0);
  }
  return best;
}

volatile unsigned touched_sum;  // keeps touch()'s reads from being optimised away

// Reads `bytes` a cache line apart, which brings them into the caches.
void touch(std::span<const std::byte> bytes) {
  unsigned sum = 0;
  for (size_t i = 0; i < bytes.size(); i += 64) sum += static_cast<unsigned>(bytes[i]);
  touched_sum = sum;
}

// Writes `bytes` back to memory and drops them from every cache.
void flush_from_caches(std::span<const std::byte> bytes) {
  for (size_t i = 0; i < bytes.size(); i += 64) _mm_clflush(bytes.data() + i);
  _mm_mfence();
}

// x[rows, in] * W[in, out], W pre-packed in the layout the engine packs it in. The weights come
// from memory and the input from the caches, as in a forward pass: a layer's weights were last
// read a whole pass before (the model's are far larger than the caches), its input was just
// written.
double linear_seconds(ProductTypes t, int64_t rows, int64_t in, int64_t out, int reps,
                      std::mt19937& rng) {
  using kernels::cpu::DnnlMatmul;
  const dnnl::memory::desc md = DnnlMatmul::preferred_weights(t.src, t.wei, t.dst, in, out);
  std::vector<std::byte> weights(md.get_size()), x(static_cast<size_t>(rows * in) * 4),
      y(static_cast<size_t>(rows * out) * 4);
  fill_normal_values(weights, t.wei, rng);
  fill_normal_values(x, t.src, rng);
  const DnnlMatmul matmul(t.src, md, weights.data(), t.dst);
  std::vector<std::byte> pad(matmul.scratchpad_bytes(rows, false) + 1);
  return best_seconds([&] { matmul.run(x.data(), rows, y.data(), false, pad.data()); }, reps,
                      [&] {
                        flush_from_caches(weights);
                        touch(x);
                      });
}

// [batch, m, k] x [batch, k, n], both operands given at run time (attention's operands are
// activations: nothing to pre-pack), row-major, the second one in its faster layout of
// [batch, k, n] and [batch, n, k] (K as it is, or K^T).
double batched_seconds(ProductTypes t, int64_t batch, int64_t m, int64_t k, int64_t n, int reps,
                       std::mt19937& rng) {
  using dnnl::memory;
  using Tag = memory::format_tag;
  const dnnl::engine& engine = kernels::cpu::DnnlMatmul::cpu_engine();
  const memory::desc a({batch, m, k}, t.src, Tag::abc), c({batch, m, n}, t.dst, Tag::abc);
  std::vector<std::byte> a_bytes(a.get_size()), c_bytes(c.get_size());
  fill_normal_values(a_bytes, t.src, rng);
  memory a_mem(a, engine, a_bytes.data()), c_mem(c, engine, c_bytes.data());
  double best = std::numeric_limits<double>::infinity();
  for (const Tag second : {Tag::abc, Tag::acb}) {
    const memory::desc b({batch, k, n}, t.wei, second);
    std::vector<std::byte> b_bytes(b.get_size());
    fill_normal_values(b_bytes, t.wei, rng);
    memory b_mem(b, engine, b_bytes.data());
    const dnnl::matmul product(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), engine));
    dnnl::stream stream(engine);
    best = std::min(best, best_seconds(
                              [&] {
                                product.execute(stream, {{DNNL_ARG_SRC, a_mem},
                                                         {DNNL_ARG_WEIGHTS, b_mem},
                                                         {DNNL_ARG_DST, c_mem}});
                                stream.wait();
                              },
                              reps));
  }
  return best;
}

// One layer's attention products, Q.K^T and P.V for every head, over one `rows`-token sequence
// (GemmCeiling says which shapes).
double attention_seconds(const ModelInfo& info, ProductTypes t, int64_t rows, bool global, int reps,
                         std::mt19937& rng) {
  const int64_t heads = info.num_heads, d = info.hidden_size / info.num_heads;
  if (global) {
    return batched_seconds(t, heads, rows, d, rows, reps, rng) +
           batched_seconds(t, heads, rows, rows, d, reps, rng);
  }
  constexpr int64_t kBlock = 64;
  const int64_t w = info.local_window;
  const int64_t blocks = (rows + kBlock - 1) / kBlock, keys = kBlock + 2 * w;
  const double block_seconds = batched_seconds(t, heads * blocks, kBlock, d, keys, reps, rng) +
                               batched_seconds(t, heads * blocks, kBlock, keys, d, reps, rng);
  int64_t pairs = 0;
  for (int64_t i = 0; i < rows; ++i) {
    pairs += std::min(rows - 1, i + w) - std::max<int64_t>(0, i - w) + 1;
  }
  return block_seconds * static_cast<double>(pairs) / static_cast<double>(blocks * kBlock * keys);
}

}  // namespace

nlohmann::json to_json(const BenchRow& r) {
  return {{"engine", r.engine},
          {"precision", r.precision},
          {"workload", r.workload},
          {"batch", r.batch},
          {"tokens", r.tokens},
          {"tokens_per_s", r.tokens_per_s},
          {"p50_ms", r.p50_ms},
          {"p99_ms", r.p99_ms},
          {"peak_rss_mb", r.peak_rss_mb},
          {"load_ms", r.load_ms},
          {"cpu", r.cpu}};
}

BenchRow row_from_json(const nlohmann::json& j) {
  BenchRow r;
  r.engine = j.at("engine");
  r.precision = j.at("precision");
  r.workload = j.at("workload");
  r.batch = j.at("batch");
  r.tokens = j.at("tokens");
  r.tokens_per_s = j.at("tokens_per_s");
  r.p50_ms = j.at("p50_ms");
  r.p99_ms = j.at("p99_ms");
  r.peak_rss_mb = j.at("peak_rss_mb");
  r.load_ms = j.at("load_ms");
  r.cpu = j.at("cpu");
  return r;
}

double peak_rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

void time_calls(const std::vector<Chunk>& chunks, int batch, int passes,
                const std::function<void(std::span<const Chunk>)>& score, BenchRow& row) {
  row.batch = batch;
  row.tokens = 0;
  std::vector<std::span<const Chunk>> calls;
  for (size_t i = 0; i < chunks.size(); i += static_cast<size_t>(batch)) {
    const size_t n = std::min(chunks.size() - i, static_cast<size_t>(batch));
    calls.emplace_back(chunks.data() + i, n);
    for (const auto& c : calls.back()) row.tokens += static_cast<int64_t>(c.size());
  }
  // Warm-up: one call of each shape (primitives, workspace, pages), so a long document's
  // same-shaped calls are not all run twice.
  std::set<std::pair<size_t, size_t>> shapes;
  for (const auto& call : calls) {
    size_t longest = 0;
    for (const auto& c : call) longest = std::max(longest, c.size());
    if (shapes.insert({call.size(), longest}).second) score(call);
  }
  std::vector<double> per_chunk;
  double total_ms = 0;
  for (int p = 0; p < passes; ++p) {
    for (const auto& call : calls) {
      const auto t = Clock::now();
      score(call);
      const double ms = ms_since(t);
      total_ms += ms;
      per_chunk.push_back(ms / static_cast<double>(call.size()));
    }
  }
  row.tokens_per_s = static_cast<double>(row.tokens) * passes / (total_ms / 1000.0);
  row.p50_ms = percentile(per_chunk, 0.5);
  row.p99_ms = percentile(per_chunk, 0.99);
}

BenchRow measure_model(const std::string& model_dir, Precision precision, int threads,
                       const std::vector<Chunk>& chunks, int batch, int passes) {
  BenchRow row;
  const auto start = Clock::now();
  const Model model = Model::load(model_dir, {.precision = precision, .threads = threads});
  row.load_ms = ms_since(start);
  row.precision = model.info().precision;
  row.cpu = model.info().cpu;
  std::vector<std::span<const int32_t>> spans;
  time_calls(
      chunks, batch, passes,
      [&](std::span<const Chunk> call) {
        spans.assign(call.begin(), call.end());
        model.score(spans);
      },
      row);
  row.peak_rss_mb = peak_rss_mb();
  return row;
}

GemmCeiling gemm_ceiling(const ModelInfo& info, Precision precision, int64_t rows, int reps) {
  const ProductTypes types = product_types(precision);
  std::mt19937 rng(1);
  const int64_t h = info.hidden_size, inter = info.intermediate_size;
  // (in, out, count): the encoder's four projections per layer, then the token head and the
  // span head's first convolution (its second, three outputs a token in fp32, is negligible).
  const std::vector<std::array<int64_t, 3>> shapes = {
      {h, 3 * h, info.num_layers},
      {h, h, info.num_layers},
      {h, 2 * inter, info.num_layers},
      {inter, h, info.num_layers},
      {h, 2, 1},
      {h, model::kSpanKernel0 * model::kSpanChannels, 1}};
  double linear = 0;
  for (const auto& [in, out, count] : shapes) {
    linear += linear_seconds(types, rows, in, out, reps, rng) * static_cast<double>(count);
  }
  const auto globals = std::count(info.layer_is_global.begin(), info.layer_is_global.end(), true);
  const auto locals = static_cast<int64_t>(info.layer_is_global.size()) - globals;
  double attention = 0;
  if (globals > 0) {
    attention +=
        attention_seconds(info, types, rows, true, reps, rng) * static_cast<double>(globals);
  }
  if (locals > 0) {
    attention +=
        attention_seconds(info, types, rows, false, reps, rng) * static_cast<double>(locals);
  }
  const auto r = static_cast<double>(rows);
  return {r / linear, r / (linear + attention)};
}

}  // namespace kompress::cli
