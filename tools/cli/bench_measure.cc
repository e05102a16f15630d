#include "cli/bench_measure.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
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

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Values of ordinary magnitude for `type` (denormals would slow the products down).
void fill_normal_values(std::vector<std::byte>& bytes, kernels::cpu::DnnlMatmul::DataType type,
                        std::mt19937& rng) {
  using DT = kernels::cpu::DnnlMatmul::DataType;
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

double gemm_ceiling_tokens_per_s(const ModelInfo& info, Precision precision, int64_t rows,
                                 int reps) {
  using kernels::cpu::DnnlMatmul;
  using DT = DnnlMatmul::DataType;
  const DT src = precision == Precision::kInt8   ? DT::u8
                 : precision == Precision::kBf16 ? DT::bf16
                                                 : DT::f32;
  const DT wei = precision == Precision::kInt8 ? DT::s8 : src;
  const DT dst = precision == Precision::kInt8 ? DT::s32 : DT::f32;
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
  double seconds = 0;
  std::mt19937 rng(1);
  for (const auto& [in, out, count] : shapes) {
    const dnnl::memory::desc md = precision == Precision::kFp32
                                      ? DnnlMatmul::out_major(DT::f32, in, out)
                                      : DnnlMatmul::preferred_weights(src, wei, dst, in, out);
    std::vector<std::byte> weights(md.get_size()), x(static_cast<size_t>(rows * in) * 4),
        y(static_cast<size_t>(rows * out) * 4);
    fill_normal_values(weights, wei, rng);
    fill_normal_values(x, src, rng);
    const DnnlMatmul matmul(src, md, weights.data(), dst);
    std::vector<std::byte> pad(matmul.scratchpad_bytes(rows, false) + 1);
    matmul.run(x.data(), rows, y.data(), false, pad.data());
    std::vector<double> times;
    for (int r = 0; r < reps; ++r) {
      const auto t = Clock::now();
      matmul.run(x.data(), rows, y.data(), false, pad.data());
      times.push_back(ms_since(t) / 1000.0);
    }
    seconds += *std::min_element(times.begin(), times.end()) * static_cast<double>(count);
  }
  return static_cast<double>(rows) / seconds;
}

}  // namespace kompress::cli
