// `kompress bench`'s report: kompress's speed over each other engine's, matched by workload and
// precision, and the JSON shape the issue fixes.
#include "cli/bench_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace kompress::cli {
namespace {

BenchRow row(const std::string& engine, const std::string& precision, const std::string& workload,
             double tokens_per_s) {
  BenchRow r;
  r.engine = engine;
  r.precision = precision;
  r.workload = workload;
  r.batch = workload == "1x512" ? 1 : 8;
  r.tokens = 512;
  r.tokens_per_s = tokens_per_s;
  r.p50_ms = 1.5;
  r.p99_ms = 2.5;
  r.peak_rss_mb = 100;
  r.load_ms = 20;
  return r;
}

BenchReport sample() {
  BenchReport report;
  report.rows = {row("kompress", "fp32", "1x512", 300),    row("kompress", "int8", "1x512", 900),
                 row("kompress", "fp32", "8x512", 400),    row("onnxruntime", "fp32", "1x512", 100),
                 row("onnxruntime", "int8", "1x512", 300), row("onnxruntime", "int8", "8x512", 50),
                 row("pytorch", "fp32", "8x512", 200),     row("pytorch", "fp32", "1x512", 0)};
  report.gemm_ceiling = {{"fp32", 600.0}, {"int8", 1800.0}};
  report.gemm_ceiling_linear = {{"fp32", 650.0}, {"int8", 2100.0}};
  report.threads = 2;
  report.notes = {"pytorch skipped: no torch"};
  return report;
}

TEST(BenchReport, RatiosPairRowsOfTheSameWorkloadAndPrecision) {
  const auto ratios = speed_ratios(sample().rows);
  // onnxruntime int8 8x512 has no kompress row to compare with; a row of 0 tokens/s has no ratio.
  ASSERT_EQ(ratios.size(), 3u);
  EXPECT_EQ(ratios[0].versus, "onnxruntime");
  EXPECT_EQ(ratios[0].precision, "fp32");
  EXPECT_DOUBLE_EQ(ratios[0].kompress_over, 3.0);
  EXPECT_EQ(ratios[1].precision, "int8");
  EXPECT_DOUBLE_EQ(ratios[1].kompress_over, 3.0);
  EXPECT_EQ(ratios[2].versus, "pytorch");
  EXPECT_EQ(ratios[2].workload, "8x512");
  EXPECT_DOUBLE_EQ(ratios[2].kompress_over, 2.0);
}

TEST(BenchReport, JsonHasTheIssuesSchema) {
  const auto j = to_json(sample());
  ASSERT_TRUE(j.at("rows").is_array());
  ASSERT_EQ(j["rows"].size(), 8u);
  for (const auto& r : j["rows"]) {
    for (const char* key : {"engine", "precision"}) EXPECT_TRUE(r.at(key).is_string()) << key;
    EXPECT_TRUE(r.at("batch").is_number_integer());
    for (const char* key : {"tokens_per_s", "p50_ms", "p99_ms", "peak_rss_mb", "load_ms"})
      EXPECT_TRUE(r.at(key).is_number()) << key;
  }
  EXPECT_EQ(j["rows"][3]["engine"], "onnxruntime");
  EXPECT_DOUBLE_EQ(j["rows"][1]["fraction_of_ceiling"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j.at("gemm_ceiling_tokens_per_s").at("int8").get<double>(), 1800.0);
  EXPECT_DOUBLE_EQ(j.at("gemm_ceiling_linear_tokens_per_s").at("int8").get<double>(), 2100.0);
  ASSERT_EQ(j.at("ratios").size(), 3u);
  EXPECT_EQ(j["ratios"][2]["versus"], "pytorch");
  EXPECT_DOUBLE_EQ(j["ratios"][2]["kompress_over"].get<double>(), 2.0);
  EXPECT_EQ(j.at("notes")[0], "pytorch skipped: no torch");
}

// True when one line of `text` holds every one of `parts`.
bool has_line_with(const std::string& text, const std::vector<std::string>& parts) {
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = std::min(text.find('\n', begin), text.size());
    const std::string line = text.substr(begin, end - begin);
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return true;
    begin = end + 1;
  }
  return false;
}

TEST(BenchReport, TableShowsRatiosAndNotes) {
  const std::string table = to_table(sample());
  EXPECT_TRUE(has_line_with(table, {"1x512", "int8", "kompress/onnxruntime", "3.00x"})) << table;
  EXPECT_TRUE(has_line_with(table, {"8x512", "fp32", "kompress/pytorch", "2.00x"})) << table;
  EXPECT_TRUE(has_line_with(table, {"note: pytorch skipped: no torch"})) << table;
  EXPECT_TRUE(has_line_with(table, {"GEMM ceiling", "fp32 600", "int8 1800"})) << table;
  EXPECT_TRUE(has_line_with(table, {"linear layers alone", "fp32 650", "int8 2100"})) << table;
}

}  // namespace
}  // namespace kompress::cli
