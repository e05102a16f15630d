#include "server/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kompress::server {
namespace {

void append_number(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_number(std::string& out, uint64_t v) { out += std::to_string(v); }

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

template <typename T>
void sample(std::string& out, std::string_view name, std::string_view labels, T value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out += ' ';
  append_number(out, value);
  out += '\n';
}

template <typename T>
void single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            T value) {
  header(out, name, type, help);
  sample(out, name, "", value);
}

// Label values here are route templates and fixed words: nothing to escape.
std::string label(std::string_view key, std::string_view value) {
  return std::string(key) + "=\"" + std::string(value) + "\"";
}

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                            0.5,   1,      2.5,   5,    10,    20,   30};

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  ++counts_[static_cast<std::size_t>(at)];
  sum_ += v;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string bucket = std::string(name) + "_bucket";
  const std::string sep = labels.empty() ? "" : std::string(labels) + ",";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    std::string le;
    append_number(le, i < bounds_.size() ? bounds_[i] : INFINITY);
    sample(out, bucket, sep + label("le", le), cumulative);
  }
  sample(out, std::string(name) + "_sum", labels, sum_);
  sample(out, std::string(name) + "_count", labels, cumulative);
}

Metrics::Metrics()
    : pass_sequences_({1, 2, 4, 8, 16, 32, 64, 128, 256}),
      pass_tokens_({64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768}),
      pass_calls_({1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64}) {}

void Metrics::count_request(std::string_view route, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
}

void Metrics::observe_latency(std::string_view route, double seconds) {
  std::lock_guard lock(mutex_);
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), kLatencyBounds).first;
  it->second.observe(seconds);
}

void Metrics::record_pass(std::size_t sequences, std::size_t tokens, double seconds) {
  std::lock_guard lock(mutex_);
  pass_sequences_.observe(static_cast<double>(sequences));
  pass_tokens_.observe(static_cast<double>(tokens));
  model_tokens_ += tokens;
  model_seconds_ += seconds;
}

void Metrics::record_pooling(std::size_t calls) {
  std::lock_guard lock(mutex_);
  pass_calls_.observe(static_cast<double>(calls));
}

void Metrics::count_words(int64_t in, int64_t out) {
  std::lock_guard lock(mutex_);
  words_in_ += static_cast<uint64_t>(std::max<int64_t>(in, 0));
  words_out_ += static_cast<uint64_t>(std::max<int64_t>(out, 0));
}

void Metrics::count_fail_open(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = fail_open_.find(reason);
  if (it == fail_open_.end()) it = fail_open_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void Metrics::count_ccr_store() {
  std::lock_guard lock(mutex_);
  ++ccr_stores_;
}

void Metrics::count_ccr_lookup(ccr::Status status) {
  std::lock_guard lock(mutex_);
  switch (status) {
    case ccr::Status::kOk:
      ++ccr_hits_;
      break;
    case ccr::Status::kMissing:
      ++ccr_missing_;
      break;
    case ccr::Status::kExpired:
      ++ccr_expired_;
      break;
  }
}

void Metrics::count_ccr_error() {
  std::lock_guard lock(mutex_);
  ++ccr_errors_;
}

std::string Metrics::render(const Gauges& gauges) const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "kompress_http_requests_total", "counter", "HTTP requests by route and status code.");
  for (const auto& [key, n] : requests_) {
    sample(out, "kompress_http_requests_total",
           label("route", key.first) + "," + label("code", std::to_string(key.second)), n);
  }
  header(out, "kompress_http_request_duration_seconds", "histogram",
         "Time from routing to response, by route.");
  for (const auto& [route, h] : latency_) {
    h.render(out, "kompress_http_request_duration_seconds", label("route", route));
  }
  single(out, "kompress_ready", "gauge", "1 once the model is loaded and warmed.",
         uint64_t{gauges.ready});
  single(out, "kompress_queue_depth", "gauge", "Chunks waiting for a batched forward pass.",
         uint64_t{gauges.queued_chunks});
  header(out, "kompress_batch_sequences", "histogram", "Sequences (chunks) per forward pass.");
  pass_sequences_.render(out, "kompress_batch_sequences", "");
  header(out, "kompress_batch_tokens", "histogram", "Tokens per forward pass.");
  pass_tokens_.render(out, "kompress_batch_tokens", "");
  header(out, "kompress_batch_requests", "histogram",
         "Requests whose chunks one batched forward pass scored together.");
  pass_calls_.render(out, "kompress_batch_requests", "");
  single(out, "kompress_model_tokens_total", "counter", "Tokens scored by the model.",
         model_tokens_);
  single(out, "kompress_model_seconds_total", "counter", "Seconds spent in forward passes.",
         model_seconds_);
  single(out, "kompress_model_tokens_per_second", "gauge",
         "Tokens scored per second of forward pass, since start.",
         model_seconds_ > 0 ? static_cast<double>(model_tokens_) / model_seconds_ : 0.0);
  single(out, "kompress_words_in_total", "counter", "Words of the texts compressed.", words_in_);
  single(out, "kompress_words_out_total", "counter", "Words kept in the compressed texts.",
         words_out_);
  header(out, "kompress_fail_open_total", "counter",
         "Texts passed through (wholly or partly) unchanged, by reason.");
  for (const auto& [reason, n] : fail_open_) {
    sample(out, "kompress_fail_open_total", label("reason", reason), n);
  }
  single(out, "kompress_ccr_stores_total", "counter", "Originals stored in the CCR store.",
         ccr_stores_);
  single(out, "kompress_ccr_hits_total", "counter", "Retrievals that found their original.",
         ccr_hits_);
  header(out, "kompress_ccr_misses_total", "counter", "Retrievals that found nothing, by status.");
  sample(out, "kompress_ccr_misses_total", label("status", "missing"), ccr_missing_);
  sample(out, "kompress_ccr_misses_total", label("status", "expired"), ccr_expired_);
  single(out, "kompress_ccr_errors_total", "counter",
         "CCR store failures (compression went on without CCR, or a retrieval answered 503).",
         ccr_errors_);
  return out;
}

}  // namespace kompress::server
