// Servers for the tests: started in-process on a free loopback port over the tiny random model
// (tests/cli/tiny_model.h), with scorers that count forward passes or hold them at a gate, and
// httplib clients to talk to them.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "cli/tiny_model.h"
#include "kompress/compressor.h"
#include "kompress/model.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"
#include "server/server.h"
#include "test_fixtures.h"
#include "test_paths.h"

namespace kompress::testing {

// The tiny model folder, written once per test process and removed at its exit.
inline const std::string& tiny_model_dir() {
  struct Folder {
    std::filesystem::path root = make_temp_dir("server_model");
    std::string model = (root / "tiny").string();
    Folder() { write_tiny_model(model); }
    ~Folder() { std::filesystem::remove_all(root); }
  };
  static const Folder folder;
  return folder.model;
}

// The tiny model's tokenizer and scorer (loaded once), named "tiny".
inline server::LoadedModel tiny_model() {
  static const server::LoadedModel m = [] {
    auto tok = std::make_shared<const Tokenizer>(
        Tokenizer::from_file(tiny_model_dir() + "/tokenizer.json"));
    auto model = std::make_shared<const Model>(Model::load(tiny_model_dir()));
    return server::LoadedModel{tok, make_model_scorer(model, "tiny")};
  }();
  return m;
}

// A latch that threads wait at until the test opens it; counts who arrived.
class Gate {
 public:
  explicit Gate(bool open = false) : open_(open) {}
  void pass() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  // Waits until `n` threads in all have arrived (fails the test after a minute).
  void wait_arrived(int n) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(changed_.wait_for(lock, std::chrono::minutes(1), [&] { return arrived_ >= n; }))
        << arrived_ << " of " << n << " arrived";
  }
  int arrived() {
    std::lock_guard lock(mutex_);
    return arrived_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_;
  int arrived_ = 0;
};

// Opens a gate when it goes out of scope. Declared after a server, it lets held passes finish
// (so the server can stop) even when an assertion ends the test early.
class OpenAtExit {
 public:
  explicit OpenAtExit(Gate& gate) : gate_(gate) {}
  ~OpenAtExit() { gate_.open(); }

 private:
  Gate& gate_;
};

// Counts the forward passes of the scorer it wraps; each pass first goes through `gate` when
// one is set.
class CountingScorer final : public Scorer {
 public:
  explicit CountingScorer(std::shared_ptr<const Scorer> inner, Gate* gate = nullptr)
      : inner_(std::move(inner)), gate_(gate) {}
  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override {
    if (gate_ != nullptr) gate_->pass();
    std::lock_guard lock(mutex_);
    ++passes_;
    sequences_ += chunks.size();
    return inner_->score(chunks);
  }
  std::size_t max_tokens() const override { return inner_->max_tokens(); }
  std::string name() const override { return inner_->name(); }
  int passes() const {
    std::lock_guard lock(mutex_);
    return passes_;
  }
  std::size_t sequences() const {
    std::lock_guard lock(mutex_);
    return sequences_;
  }

 private:
  std::shared_ptr<const Scorer> inner_;
  Gate* gate_;
  mutable std::mutex mutex_;
  mutable int passes_ = 0;
  mutable std::size_t sequences_ = 0;
};

// A loader of the tiny model whose scorer is `scorer` (a wrapper of the tiny one).
inline server::ModelLoader loader_of(std::shared_ptr<const Scorer> scorer) {
  return [scorer](std::stop_token) { return server::LoadedModel{tiny_model().tokenizer, scorer}; };
}

// A server on 127.0.0.1 and a free port, serving on its own thread until destroyed.
class TestServer {
 public:
  TestServer(server::ServerOptions options, server::ModelLoader loader,
             std::shared_ptr<ccr::Store> store = nullptr)
      : server_(with_free_port(std::move(options)), std::move(loader), std::move(store)) {
    server_.start();
    thread_ = std::thread([this] { server_.serve(); });
  }
  ~TestServer() { stop(); }

  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return server_.port(); }
  server::Server& server() { return server_; }

  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port());
    c->set_read_timeout(std::chrono::seconds(60));
    return c;
  }

  // Polls /readyz until it answers 200 (fails the test after a minute).
  void wait_ready() const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < until) {
      auto r = client()->Get("/readyz");
      if (r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL() << "the server never became ready";
  }

  // The value of the metrics sample line that starts with `series` ("name{labels}" or "name").
  std::optional<double> metric(const std::string& series) const {
    auto r = client()->Get("/metrics");
    if (!r || r->status != 200) return std::nullopt;
    const std::string& text = r->body;
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t end = std::min(text.find('\n', at), text.size());
      const std::string_view line(text.data() + at, end - at);
      if (line.starts_with(series + " ")) return std::stod(std::string(line.substr(series.size())));
      at = end + 1;
    }
    return std::nullopt;
  }

  // Polls until the metric reaches `value` (fails the test after a minute).
  void wait_metric(const std::string& series, double value) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (std::chrono::steady_clock::now() < until) {
      if (metric(series).value_or(-1) >= value) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    FAIL() << series << " never reached " << value;
  }

 private:
  static server::ServerOptions with_free_port(server::ServerOptions o) {
    o.host = "127.0.0.1";
    o.port = 0;
    return o;
  }

  server::Server server_;
  std::thread thread_;
};

// A JSON body.
inline std::string body(const nlohmann::json& j) { return j.dump(); }

inline const std::string& kLog = testing::kToolOutput;

// `n` distinct texts of about forty words each.
inline std::vector<std::string> distinct_texts(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back("request " + std::to_string(i) + " of the batch: " + kLog + "done with " +
                  std::to_string(i * 7919) + " items\n");
  }
  return out;
}

}  // namespace kompress::testing
