// Measurements behind `kompress bench`: one workload of one engine configuration per process
// (so peak RSS and load time are its own), and oneDNN's GEMM throughput on the model's shapes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "kompress/model.h"

namespace kompress::cli {

struct BenchRow {
  std::string engine = "kompress";  // "kompress", "onnxruntime" or "pytorch"
  std::string precision;
  std::string workload;  // "1x512", "8x512", "doc20000"
  int batch = 1;         // chunks per score() call
  int64_t tokens = 0;    // tokens scored per pass
  double tokens_per_s = 0;
  double p50_ms = 0;  // per chunk
  double p99_ms = 0;
  double peak_rss_mb = 0;
  double load_ms = 0;
  std::string cpu;  // kernels in use (kompress), library version (onnxruntime)
};

using Chunk = std::vector<int32_t>;

nlohmann::json to_json(const BenchRow& row);
BenchRow row_from_json(const nlohmann::json& j);

// The protocol every engine's row follows: `score` gets `chunks` in calls of `batch` chunks,
// one warm-up call per call shape, then `passes` timed passes; fills `row`'s batch, tokens (per
// pass), tokens/s over all timed calls and per-chunk p50/p99 (a call's time over its chunks).
void time_calls(const std::vector<Chunk>& chunks, int batch, int passes,
                const std::function<void(std::span<const Chunk>)>& score, BenchRow& row);

// Loads `model_dir` at `precision` and times it with time_calls.
BenchRow measure_model(const std::string& model_dir, Precision precision, int threads,
                       const std::vector<Chunk>& chunks, int batch, int passes);

// Tokens/s if the model's matrix products ran at oneDNN's own matmul speed and nothing else ran
// (the "about 240 MFLOP per token at 512 tokens"), at `rows` rows (one chunk), in
// `precision`'s data types, each shape's best of `reps` runs (a peak: the best is the one a busy
// neighbour did not slow).
struct GemmCeiling {
  // Every encoder projection and the heads' first two, weights pre-packed and read from memory
  // (a forward pass last read a layer's weights a whole pass before), input in the caches.
  double linear_tokens_per_s = 0;
  // Those and the attention products, Q.K^T and P.V per head: a global layer's [rows, rows]
  // ones, and a local layer's as oneDNN does them best, 64-query blocks against their
  // 64 + 2 * window keys, charged only for the query-key pairs inside the windows (what an engine
  // that skips the rest computes). The ceiling an engine's rows are a fraction of.
  double tokens_per_s = 0;
};
GemmCeiling gemm_ceiling(const ModelInfo& info, Precision precision, int64_t rows, int reps);

// Peak resident set of this process (VmHWM), MB.
double peak_rss_mb();

}  // namespace kompress::cli
