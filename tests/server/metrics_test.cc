// The Prometheus text of the server's metrics.
#include "server/metrics.h"

#include <gtest/gtest.h>

namespace kompress::server {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithSumAndCount) {
  Histogram h({1, 5});
  h.observe(0.5);
  h.observe(1);
  h.observe(3);
  h.observe(100);
  std::string out;
  h.render(out, "x", "route=\"/a\"");
  EXPECT_EQ(out,
            "x_bucket{route=\"/a\",le=\"1\"} 2\n"
            "x_bucket{route=\"/a\",le=\"5\"} 3\n"
            "x_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "x_sum{route=\"/a\"} 104.5\n"
            "x_count{route=\"/a\"} 4\n");
}

TEST(Metrics, CountersMoveAndEveryFamilyIsTyped) {
  Metrics m;
  m.count_request("/compress", 200);
  m.count_request("/compress", 200);
  m.count_request("/compress", 503);
  m.record_pass(4, 1000, 0.5);
  m.record_pooling(3);
  m.count_ccr_lookup(ccr::Status::kExpired);
  m.count_fail_open("deadline");
  Gauges g;
  g.ready = true;
  g.queued_chunks = 7;
  const std::string text = m.render(g);
  EXPECT_TRUE(has_line(text, R"(kompress_http_requests_total{route="/compress",code="200"} 2)"));
  EXPECT_TRUE(has_line(text, R"(kompress_http_requests_total{route="/compress",code="503"} 1)"));
  EXPECT_TRUE(has_line(text, "kompress_queue_depth 7"));
  EXPECT_TRUE(has_line(text, "kompress_ready 1"));
  EXPECT_TRUE(has_line(text, "kompress_model_tokens_total 1000"));
  EXPECT_TRUE(has_line(text, "kompress_model_tokens_per_second 2000"));
  EXPECT_TRUE(has_line(text, R"(kompress_batch_sequences_bucket{le="4"} 1)"));
  EXPECT_TRUE(has_line(text, R"(kompress_batch_sequences_bucket{le="2"} 0)"));
  EXPECT_TRUE(has_line(text, "kompress_batch_requests_sum 3"));
  EXPECT_TRUE(has_line(text, R"(kompress_ccr_misses_total{status="expired"} 1)"));
  EXPECT_TRUE(has_line(text, R"(kompress_fail_open_total{reason="deadline"} 1)"));
  // Every sample's family has a TYPE line before it.
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end - at);
    at = end + 1;
    if (line.starts_with("#")) continue;
    std::string family = line.substr(0, line.find_first_of("{ "));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family.ends_with(suffix) && text.find("# TYPE " + family + " ") == std::string::npos) {
        family.resize(family.size() - std::string(suffix).size());
      }
    }
    EXPECT_NE(text.find("# TYPE " + family + " "), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace kompress::server
