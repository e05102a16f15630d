// What `kompress bench` prints: the rows of every engine, side by side, with kompress's speed
// over each other engine's at the same workload and precision, as a table or as JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "cli/bench_measure.h"

namespace kompress::cli {

struct BenchReport {
  std::vector<BenchRow> rows;
  // precision -> tokens/s (GemmCeiling): the ceiling, and that of the linear layers alone
  nlohmann::json gemm_ceiling = nlohmann::json::object();
  nlohmann::json gemm_ceiling_linear = nlohmann::json::object();
  std::string input;  // where the ids came from
  std::string omp_wait_policy;
  int threads = 0;
  std::vector<std::string> notes;  // rows that were skipped, and why
};

// kompress tokens/s over `versus`'s at the same workload and precision.
struct SpeedRatio {
  std::string workload;
  std::string precision;
  std::string versus;  // "onnxruntime" or "pytorch"
  double kompress_over = 0;
};

// One ratio per row of another engine that has a kompress row of the same workload and
// precision, in the order of those rows.
std::vector<SpeedRatio> speed_ratios(const std::vector<BenchRow>& rows);

// {"rows": [{"engine", "precision", "workload", "batch", "tokens_per_s", "p50_ms", "p99_ms",
// "peak_rss_mb", "load_ms", ...}], "gemm_ceiling_tokens_per_s": {precision: tokens/s},
// "gemm_ceiling_linear_tokens_per_s": {precision: tokens/s},
// "ratios": [{"workload", "precision", "versus", "kompress_over"}], "threads", "input",
// "omp_wait_policy", "notes"}.
nlohmann::json to_json(const BenchReport& report);

std::string to_table(const BenchReport& report);

}  // namespace kompress::cli
