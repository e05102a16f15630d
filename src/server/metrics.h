// The server's counters and histograms, rendered in the Prometheus text format (version 0.0.4)
// for GET /metrics. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kompress/ccr.h"

namespace kompress::server {

// Counts of observations at or below each upper bound, plus their sum.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // `name`_bucket{le=...}, `name`_sum and `name`_count lines; `labels` ("route=\"/x\"") may be
  // empty.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bound, not cumulative; the last one is +Inf
  double sum_ = 0;
};

// Values read at scrape time.
struct Gauges {
  bool ready = false;
  std::size_t queued_chunks = 0;
};

class Metrics {
 public:
  Metrics();

  void count_request(std::string_view route, int status);
  void observe_latency(std::string_view route, double seconds);
  // One forward pass of the model.
  void record_pass(std::size_t sequences, std::size_t tokens, double seconds);
  // How many requests' score() calls one batched pass served.
  void record_pooling(std::size_t calls);
  void count_words(int64_t in, int64_t out);
  void count_fail_open(std::string_view reason);
  void count_ccr_store();
  void count_ccr_lookup(ccr::Status status);
  void count_ccr_error();

  std::string render(const Gauges& gauges) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  Histogram pass_sequences_;
  Histogram pass_tokens_;
  Histogram pass_calls_;
  uint64_t model_tokens_ = 0;
  double model_seconds_ = 0;
  uint64_t words_in_ = 0;
  uint64_t words_out_ = 0;
  std::map<std::string, uint64_t, std::less<>> fail_open_;
  uint64_t ccr_stores_ = 0;
  uint64_t ccr_hits_ = 0;
  uint64_t ccr_missing_ = 0;
  uint64_t ccr_expired_ = 0;
  uint64_t ccr_errors_ = 0;
};

}  // namespace kompress::server
