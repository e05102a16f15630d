#include "cli/bench_report.h"

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

namespace kompress::cli {
namespace {

void append(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));

void append(std::string& out, const char* format, ...) {
  char line[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(line, sizeof line, format, args);
  va_end(args);
  out += line;
}

const BenchRow* kompress_row(const std::vector<BenchRow>& rows, const BenchRow& other) {
  for (const auto& r : rows) {
    if (r.engine == "kompress" && r.workload == other.workload && r.precision == other.precision)
      return &r;
  }
  return nullptr;
}

// " fp32 900 int8 3600" for {precision: tokens/s}.
void append_per_precision(std::string& out, const nlohmann::json& tokens_per_s) {
  for (const auto& [k, v] : tokens_per_s.items())
    append(out, " %s %.0f", k.c_str(), v.get<double>());
}

double fraction_of_ceiling(const BenchReport& report, const BenchRow& row) {
  const double c = report.gemm_ceiling.value(row.precision, 0.0);
  return c > 0 ? row.tokens_per_s / c : 0.0;
}

}  // namespace

std::vector<SpeedRatio> speed_ratios(const std::vector<BenchRow>& rows) {
  std::vector<SpeedRatio> out;
  for (const auto& r : rows) {
    if (r.engine == "kompress" || r.tokens_per_s <= 0) continue;
    if (const BenchRow* k = kompress_row(rows, r))
      out.push_back({r.workload, r.precision, r.engine, k->tokens_per_s / r.tokens_per_s});
  }
  return out;
}

nlohmann::json to_json(const BenchReport& report) {
  nlohmann::json out = {{"rows", nlohmann::json::array()},
                        {"gemm_ceiling_tokens_per_s", report.gemm_ceiling},
                        {"gemm_ceiling_linear_tokens_per_s", report.gemm_ceiling_linear},
                        {"ratios", nlohmann::json::array()},
                        {"threads", report.threads},
                        {"input", report.input},
                        {"omp_wait_policy", report.omp_wait_policy},
                        {"notes", report.notes}};
  for (const auto& r : report.rows) {
    auto j = to_json(r);
    if (report.gemm_ceiling.contains(r.precision))
      j["fraction_of_ceiling"] = fraction_of_ceiling(report, r);
    out["rows"].push_back(j);
  }
  for (const auto& q : speed_ratios(report.rows)) {
    out["ratios"].push_back({{"workload", q.workload},
                             {"precision", q.precision},
                             {"versus", q.versus},
                             {"kompress_over", q.kompress_over}});
  }
  return out;
}

std::string to_table(const BenchReport& report) {
  std::string out;
  append(out,
         "kompress bench: ModernBERT-base shape, seeded random weights, %s, %d threads, "
         "OMP_WAIT_POLICY=%s\n",
         report.input.c_str(), report.threads, report.omp_wait_policy.c_str());
  append(out, "%-11s %-5s %-9s %5s %9s %9s %9s %8s %8s %8s  %s\n", "engine", "prec", "workload",
         "batch", "tokens/s", "p50 ms", "p99 ms", "RSS MB", "load ms", "ceiling", "runtime");
  for (const auto& r : report.rows) {
    append(out, "%-11s %-5s %-9s %5d %9.0f %9.1f %9.1f %8.0f %8.0f %7.0f%%  %s\n", r.engine.c_str(),
           r.precision.c_str(), r.workload.c_str(), r.batch, r.tokens_per_s, r.p50_ms, r.p99_ms,
           r.peak_rss_mb, r.load_ms, 100.0 * fraction_of_ceiling(report, r), r.cpu.c_str());
  }
  append(out,
         "GEMM ceiling (oneDNN matmul alone on the model's products at 512 rows: linear layers "
         "and attention), tokens/s:");
  append_per_precision(out, report.gemm_ceiling);
  append(out, "\n  the linear layers alone:");
  append_per_precision(out, report.gemm_ceiling_linear);
  out += "\n";
  const auto ratios = speed_ratios(report.rows);
  if (!ratios.empty())
    out += "kompress tokens/s over the other engine's, same workload and precision:\n";
  for (const auto& q : ratios) {
    append(out, "  %-9s %-5s kompress/%-11s %5.2fx\n", q.workload.c_str(), q.precision.c_str(),
           q.versus.c_str(), q.kompress_over);
  }
  for (const auto& n : report.notes) out += "note: " + n + "\n";
  return out;
}

}  // namespace kompress::cli
