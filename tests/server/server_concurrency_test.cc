// The server under concurrent requests: dynamic batching, deadlines, a full queue, readiness
// while the model loads, and graceful shutdown. Forward passes are held at a gate so that every
// situation is reached by construction, never by timing.
#include <gtest/gtest.h>

#include <future>

#include "server/server_test_env.h"

namespace kompress::testing {
namespace {

using nlohmann::json;

std::future<httplib::Result> post_async(const TestServer& s, const std::string& path,
                                        const std::string& b) {
  return std::async(std::launch::async, [&s, path, b] {
    return s.client()->Post(path.c_str(), b, "application/json");
  });
}

TEST(ServerBatching, ConcurrentRequestsShareForwardPassesAndMatchTheUnbatchedCompressor) {
  Gate gate(true);
  auto counting = std::make_shared<CountingScorer>(tiny_model().scorer, &gate);
  server::ServerOptions o;
  o.engine.cache_bytes = 0;
  TestServer server(o, loader_of(counting));
  OpenAtExit release(gate);
  server.wait_ready();
  const int warm_passes = counting->passes();

  // The first request's pass is held at the gate; the others queue behind it meanwhile.
  constexpr int kRequests = 8;
  const std::vector<std::string> texts = distinct_texts(kRequests);
  gate.close();
  std::vector<std::future<httplib::Result>> replies;
  replies.push_back(post_async(server, "/compress", body({{"content", texts[0]}})));
  gate.wait_arrived(warm_passes + 1);
  for (int i = 1; i < kRequests; ++i) {
    replies.push_back(post_async(server, "/compress", body({{"content", texts[i]}})));
  }
  server.wait_metric("kompress_queue_depth", kRequests - 1);
  gate.open();

  Compressor unbatched(tiny_model().tokenizer, tiny_model().scorer, nullptr, 0);
  CompressOptions o_lib;
  o_lib.ccr = false;
  for (int i = 0; i < kRequests; ++i) {
    const httplib::Result r = replies[i].get();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(json::parse(r->body)["compressed"], unbatched.compress(texts[i], o_lib).compressed)
        << i;
  }
  const int passes = counting->passes() - warm_passes;
  EXPECT_EQ(passes, 2);  // the held one, then everything that queued behind it
  EXPECT_LT(passes, kRequests);
  EXPECT_GE(server.metric(R"(kompress_batch_requests_bucket{le="+Inf"})").value_or(0), 3);
  EXPECT_GE(server.metric("kompress_batch_requests_sum").value_or(0), 1 + 1 + (kRequests - 1));
}

TEST(ServerBatching, WithoutBatchingEachRequestRunsItsOwnPasses) {
  auto counting = std::make_shared<CountingScorer>(tiny_model().scorer);
  server::ServerOptions o;
  o.engine.batching = false;
  o.engine.cache_bytes = 0;
  TestServer server(o, loader_of(counting));
  server.wait_ready();
  const int warm_passes = counting->passes();
  const std::vector<std::string> texts = distinct_texts(4);
  std::vector<std::future<httplib::Result>> replies;
  for (const std::string& t : texts)
    replies.push_back(post_async(server, "/compress", body({{"content", t}})));
  for (auto& r : replies) ASSERT_EQ(r.get()->status, 200);
  EXPECT_EQ(counting->passes() - warm_passes, 4);
  EXPECT_EQ(server.metric("kompress_batch_requests_count"), 0);  // no batcher
  EXPECT_EQ(server.metric("kompress_batch_sequences_count"), warm_passes + 4);
}

TEST(ServerDeadline, ARequestPastItsDeadlineGetsItsTextBackAndIsToldSo) {
  Gate gate(true);
  auto counting = std::make_shared<CountingScorer>(tiny_model().scorer, &gate);
  server::ServerOptions o;
  o.deadline = std::chrono::milliseconds(200);
  o.engine.cache_bytes = 0;
  TestServer server(o, loader_of(counting));
  OpenAtExit release(gate);
  server.wait_ready();
  gate.close();  // no pass finishes until the test ends

  auto v1 = server.client()->Post("/v1/compress",
                                  body({{"texts", {kLog}}, {"deadline_ms", 50}, {"ratio", 0.3}}),
                                  "application/json");
  ASSERT_EQ(v1->status, 200) << v1->body;
  const json r = json::parse(v1->body)["results"][0];
  EXPECT_EQ(r["compressed"], kLog);
  EXPECT_EQ(r["passthrough"], true);
  EXPECT_EQ(r["deadline_hit"], true);
  EXPECT_EQ(r["fail_open"], "deadline");
  EXPECT_GE(r["chunks_skipped"], 1);
  EXPECT_EQ(r["cache_key"], nullptr);

  // The server's own deadline on /compress: the chunk waits in the queue behind the held pass.
  auto c = server.client()->Post("/compress", body({{"content", kLog}, {"target_ratio", 0.3}}),
                                 "application/json");
  ASSERT_EQ(c->status, 200) << c->body;
  EXPECT_EQ(json::parse(c->body)["compressed"], kLog);
  EXPECT_EQ(json::parse(c->body)["compression_ratio"], 1.0);
  EXPECT_EQ(c->get_header_value("X-Kompress-Fail-Open"), "deadline");
  EXPECT_EQ(server.metric(R"(kompress_fail_open_total{reason="deadline"})"), 2);
  EXPECT_EQ(server.metric("kompress_queue_depth"), 0);  // the waiting chunk was withdrawn
  gate.open();
}

TEST(ServerQueue, AFullQueueFailsOpen) {
  Gate gate(true);
  auto counting = std::make_shared<CountingScorer>(tiny_model().scorer, &gate);
  server::ServerOptions o;
  o.engine.cache_bytes = 0;
  o.engine.batching_options.max_queued_chunks = 1;
  TestServer server(o, loader_of(counting));
  OpenAtExit release(gate);
  server.wait_ready();
  const int warm_passes = counting->passes();
  const std::vector<std::string> texts = distinct_texts(4);

  gate.close();
  auto held = post_async(server, "/compress", body({{"content", texts[0]}}));
  gate.wait_arrived(warm_passes + 1);
  auto queued = post_async(server, "/compress", body({{"content", texts[1]}}));
  server.wait_metric("kompress_queue_depth", 1);

  auto busy = server.client()->Post("/compress", body({{"content", texts[2]}}), "application/json");
  ASSERT_EQ(busy->status, 503) << busy->body;
  EXPECT_EQ(busy->get_header_value("Retry-After"), "1");
  EXPECT_NE(json::parse(busy->body)["error"].get<std::string>().find("queue full"),
            std::string::npos);
  auto v1 =
      server.client()->Post("/v1/compress", body({{"texts", {texts[3]}}}), "application/json");
  ASSERT_EQ(v1->status, 200) << v1->body;
  const json r = json::parse(v1->body)["results"][0];
  EXPECT_EQ(r["compressed"], texts[3]);
  EXPECT_EQ(r["fail_open"], "queue_full");
  EXPECT_EQ(r["passthrough"], true);
  EXPECT_GT(r["original_tokens"], 10);

  gate.open();
  EXPECT_EQ(held.get()->status, 200);
  EXPECT_EQ(queued.get()->status, 200);
  EXPECT_EQ(server.metric(R"(kompress_fail_open_total{reason="queue_full"})"), 2);
}

TEST(ServerReadiness, NotReadyUntilTheModelIsLoadedAndWarmed) {
  Gate loading;
  server::ModelLoader loader = [&loading](std::stop_token) {
    loading.pass();
    return tiny_model();
  };
  TestServer server({}, loader);
  OpenAtExit release(loading);
  loading.wait_arrived(1);
  EXPECT_EQ(server.client()->Get("/healthz")->status, 200);
  auto ready = server.client()->Get("/readyz");
  ASSERT_EQ(ready->status, 503);
  EXPECT_EQ(json::parse(ready->body)["state"], "loading");
  auto c = server.client()->Post("/compress", body({{"content", kLog}}), "application/json");
  ASSERT_EQ(c->status, 503);
  EXPECT_NE(c->body.find("not ready"), std::string::npos);
  EXPECT_EQ(
      server.client()->Post("/v1/compress", body({{"texts", {kLog}}}), "application/json")->status,
      503);
  EXPECT_EQ(server.metric("kompress_ready"), 0);
  loading.open();
  server.wait_ready();
  EXPECT_EQ(
      server.client()->Post("/compress", body({{"content", kLog}}), "application/json")->status,
      200);
  EXPECT_EQ(server.metric("kompress_ready"), 1);
}

TEST(ServerReadiness, AModelThatFailsToLoadIsReportedByReadyz) {
  server::ModelLoader loader = [](std::stop_token) -> server::LoadedModel {
    throw Error("no such model folder");
  };
  TestServer server({}, loader);
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  json ready;
  while (std::chrono::steady_clock::now() < until) {
    ready = json::parse(server.client()->Get("/readyz")->body);
    if (ready["state"] == "failed") break;
  }
  EXPECT_EQ(ready["state"], "failed");
  EXPECT_EQ(ready["error"], "no such model folder");
  auto c = server.client()->Post("/compress", body({{"content", kLog}}), "application/json");
  ASSERT_EQ(c->status, 503);
  EXPECT_NE(c->body.find("no such model folder"), std::string::npos);
}

TEST(ServerReadiness, StoppingWhileTheModelLoadsAsksTheLoaderToStop) {
  Gate started;
  server::ModelLoader loader = [&started](std::stop_token stop) -> server::LoadedModel {
    started.pass();
    while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    throw Error("download cancelled");
  };
  started.open();
  auto server = std::make_unique<TestServer>(server::ServerOptions{}, loader);
  started.wait_arrived(1);
  server.reset();  // returns only because the loader stopped
}

TEST(ServerShutdown, StopFinishesTheRequestsInFlight) {
  Gate gate(true);
  auto counting = std::make_shared<CountingScorer>(tiny_model().scorer, &gate);
  server::ServerOptions o;
  o.engine.cache_bytes = 0;
  TestServer server(o, loader_of(counting));
  OpenAtExit release(gate);
  server.wait_ready();
  const int warm_passes = counting->passes();
  gate.close();
  auto in_flight =
      post_async(server, "/compress", body({{"content", kLog}, {"target_ratio", 0.3}}));
  gate.wait_arrived(warm_passes + 1);

  std::thread stopper([&] { server.stop(); });
  // New connections are refused once stop() closed the listener.
  bool refused = false;
  for (int i = 0; i < 10'000 && !refused; ++i) {
    refused = !server.client()->Get("/healthz");
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(refused);
  gate.open();
  const httplib::Result r = in_flight.get();
  stopper.join();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  CompressOptions lib;
  lib.ccr = false;
  lib.ratio = 0.3;
  EXPECT_EQ(json::parse(r->body)["compressed"],
            Compressor(tiny_model().tokenizer, tiny_model().scorer).compress(kLog, lib).compressed);
}

}  // namespace
}  // namespace kompress::testing
