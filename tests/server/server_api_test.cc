// The routes one request at a time: the /compress contract, /v1/compress, retrieval, probes,
// metrics, auth, and every kind of bad request.
#include <gtest/gtest.h>

#include <random>

#include "kompress/ccr.h"
#include "server/server_test_env.h"

namespace kompress::testing {
namespace {

using nlohmann::json;

// The library's compressor over the tiny model, for the expected results.
const Compressor& library(std::shared_ptr<ccr::Store> store = nullptr) {
  static std::unique_ptr<Compressor> c;
  c = std::make_unique<Compressor>(tiny_model().tokenizer, tiny_model().scorer, std::move(store),
                                   0);
  return *c;
}

CompressOptions no_ccr() {
  CompressOptions o;
  o.ccr = false;
  return o;
}

class ServerApi : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = ccr::make_memory_store();
    start({});
  }

  void start(server::ServerOptions o) {
    server_.reset();
    server_ = std::make_unique<TestServer>(o, loader_of(tiny_model().scorer), store_);
    server_->wait_ready();
  }

  httplib::Result post(const std::string& path, const std::string& b,
                       const httplib::Headers& headers = {}) {
    return server_->client()->Post(path.c_str(), headers, b, "application/json");
  }

  std::shared_ptr<ccr::Store> store_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(ServerApi, CompressFollowsTheRemoteKompressContract) {
  auto r = post("/compress", body({{"content", kLog}, {"target_ratio", nullptr}}));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(r->body);
  const Result expected = library().compress(kLog, no_ccr());
  ASSERT_TRUE(j["compressed"].is_string());
  EXPECT_EQ(j["compressed"], expected.compressed);
  EXPECT_TRUE(j["original_tokens"].is_number_integer());
  EXPECT_EQ(j["original_tokens"], expected.original_tokens);
  EXPECT_EQ(j["compressed_tokens"], expected.compressed_tokens);
  EXPECT_TRUE(j["compression_ratio"].is_number());
  EXPECT_DOUBLE_EQ(j["compression_ratio"].get<double>(), expected.compression_ratio);
  EXPECT_EQ(j["model_used"], "tiny");
  EXPECT_EQ(j.size(), 5u);
  // Stateless: no marker and nothing stored, even when the text shrank.
  EXPECT_EQ(j["compressed"].get<std::string>().find("Retrieve more"), std::string::npos);
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(ServerApi, CompressTargetRatioTakesTheRatioPathAndMayBeAbsent) {
  CompressOptions o = no_ccr();
  o.ratio = 0.3;
  const Result expected = library().compress(kLog, o);
  ASSERT_LT(expected.compression_ratio, 0.8);
  auto r = post("/compress", body({{"content", kLog}, {"target_ratio", 0.3}}));
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["compressed"], expected.compressed);
  EXPECT_DOUBLE_EQ(j["compression_ratio"].get<double>(), expected.compression_ratio);
  EXPECT_EQ(j["compressed"].get<std::string>().find("hash="), std::string::npos);
  EXPECT_EQ(store_->size(), 0u);

  auto absent = post("/compress", body({{"content", kLog}}));
  ASSERT_EQ(absent->status, 200);
  EXPECT_EQ(json::parse(absent->body)["compressed"], library().compress(kLog, no_ccr()).compressed);
}

TEST_F(ServerApi, CompressReturnsShortAndEmptyContentUnchanged) {
  for (const std::string content : {"", "   ", "just four words here"}) {
    auto r = post("/compress", body({{"content", content}, {"target_ratio", nullptr}}));
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = json::parse(r->body);
    EXPECT_EQ(j["compressed"], content);
    EXPECT_EQ(j["compression_ratio"], 1.0);
  }
}

TEST_F(ServerApi, V1CompressTakesManyTextsWithTheirOwnOptions) {
  const std::vector<std::string> texts = distinct_texts(3);
  const json req = {{"texts",
                     {texts[0],
                      {{"text", texts[1]}, {"ratio", 0.3}},
                      {{"text", texts[2]},
                       {"join", "space"},
                       {"must_keep", false},
                       {"threshold", 0.4},
                       {"ccr", false}},
                      "too short to compress"}},
                    {"words", true}};
  auto r = post("/v1/compress", body(req));
  ASSERT_EQ(r->status, 200) << r->body;
  const json results = json::parse(r->body)["results"];
  ASSERT_EQ(results.size(), 4u);

  // The same texts and options through the library, with its own store.
  auto store = ccr::make_memory_store();
  const Compressor& c = library(std::move(store));
  CompressOptions ratio;
  ratio.ratio = 0.3;
  CompressOptions spaced;
  spaced.join = Join::kSpace;
  spaced.must_keep = false;
  spaced.threshold = 0.4f;
  spaced.ccr = false;
  const std::vector<Result> expected = {c.compress(texts[0]), c.compress(texts[1], ratio),
                                        c.compress(texts[2], spaced),
                                        c.compress("too short to compress")};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(i);
    const json& got = results[i];
    const Result& want = expected[i];
    EXPECT_EQ(got["compressed"], want.compressed);
    EXPECT_EQ(got["original_tokens"], want.original_tokens);
    EXPECT_EQ(got["compressed_tokens"], want.compressed_tokens);
    EXPECT_DOUBLE_EQ(got["compression_ratio"].get<double>(), want.compression_ratio);
    EXPECT_EQ(got["tokens_saved"], want.tokens_saved());
    EXPECT_DOUBLE_EQ(got["savings_percentage"].get<double>(), want.savings_percentage());
    EXPECT_EQ(got["cache_key"], want.cache_key.empty() ? json(nullptr) : json(want.cache_key));
    EXPECT_EQ(got["passthrough"], want.passthrough);
    EXPECT_EQ(got["deadline_hit"], false);
    EXPECT_EQ(got["fail_open"], nullptr);
    EXPECT_EQ(got["ccr_error"], nullptr);
    ASSERT_EQ(got["words"].size(), want.words.size());
    for (std::size_t w = 0; w < want.words.size(); ++w) {
      EXPECT_EQ(got["words"][w]["kept"], want.words[w].kept);
      EXPECT_EQ(got["words"][w]["reason"], to_string(want.words[w].reason));
    }
  }
  // The ratio text was stored under its content key, and its marker says so.
  EXPECT_EQ(results[1]["cache_key"], ccr::content_key(texts[1]));
  EXPECT_NE(results[1]["compressed"].get<std::string>().find("hash=" + ccr::content_key(texts[1])),
            std::string::npos);
  EXPECT_EQ(store_->peek(ccr::content_key(texts[1])), ccr::Status::kOk);
  EXPECT_EQ(results[2]["cache_key"], nullptr);  // ccr: false
  EXPECT_EQ(store_->peek(ccr::content_key(texts[2])), ccr::Status::kMissing);
}

TEST_F(ServerApi, V1CompressTopLevelOptionsApplyToEveryText) {
  const std::vector<std::string> texts = distinct_texts(2);
  auto r = post("/v1/compress", body({{"texts", texts}, {"ratio", 0.3}, {"ccr", false}}));
  ASSERT_EQ(r->status, 200) << r->body;
  const json results = json::parse(r->body)["results"];
  CompressOptions o = no_ccr();
  o.ratio = 0.3;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(results[i]["compressed"], library().compress(texts[i], o).compressed);
    EXPECT_EQ(results[i].count("words"), 0u);  // only when asked
  }
  EXPECT_EQ(store_->size(), 0u);
}

TEST_F(ServerApi, RetrieveReturnsTheStoredOriginalByGetAndPost) {
  auto c = post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}));
  ASSERT_EQ(c->status, 200) << c->body;
  const std::string key = json::parse(c->body)["results"][0]["cache_key"];
  ASSERT_EQ(key, ccr::content_key(kLog));

  auto got = server_->client()->Get(("/v1/retrieve/" + key).c_str());
  ASSERT_EQ(got->status, 200) << got->body;
  json j = json::parse(got->body);
  EXPECT_EQ(j["hash"], key);
  EXPECT_EQ(j["original_content"], kLog);
  EXPECT_EQ(j["original_tokens"], json::parse(c->body)["results"][0]["original_tokens"]);
  EXPECT_TRUE(j["original_item_count"].is_number_integer());
  EXPECT_TRUE(j["compressed_item_count"].is_number_integer());
  EXPECT_EQ(j["tool_name"], nullptr);
  EXPECT_EQ(j["retrieval_count"], 1);

  std::string upper = key;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto posted = post("/v1/retrieve", body({{"hash", upper}}));
  ASSERT_EQ(posted->status, 200) << posted->body;
  j = json::parse(posted->body);
  EXPECT_EQ(j["hash"], key);
  EXPECT_EQ(j["original_content"], kLog);
  EXPECT_EQ(j["retrieval_count"], 2);
}

TEST_F(ServerApi, RetrieveAnswers404MissingAnd400ForABadHash) {
  const std::string key = ccr::content_key("never stored");
  auto missing = server_->client()->Get(("/v1/retrieve/" + key).c_str());
  ASSERT_EQ(missing->status, 404);
  json j = json::parse(missing->body);
  EXPECT_EQ(j["status"], "missing");
  EXPECT_EQ(j["detail"], "Entry not found (CCR TTL: 1800 seconds)");
  EXPECT_EQ(j["hash"], key);
  EXPECT_EQ(post("/v1/retrieve", body({{"hash", key}}))->status, 404);

  EXPECT_EQ(server_->client()->Get("/v1/retrieve/not-a-hash")->status, 400);
  EXPECT_EQ(server_->client()->Get(("/v1/retrieve/" + key + "0").c_str())->status, 400);
  auto no_hash = post("/v1/retrieve", body(json::object()));
  ASSERT_EQ(no_hash->status, 400);
  EXPECT_EQ(json::parse(no_hash->body)["error"], "hash required");
  EXPECT_EQ(post("/v1/retrieve", body({{"hash", 12}}))->status, 400);
  EXPECT_EQ(post("/v1/retrieve", "{")->status, 400);
}

TEST_F(ServerApi, RetrieveAnswers404ExpiredPastTheTtl) {
  double now = 1'000'000;
  ccr::StoreOptions so;
  so.ttl_seconds = 60;
  so.clock = [&now] { return now; };
  store_ = ccr::make_memory_store(so);
  server::ServerOptions o;
  o.ccr_ttl_seconds = 60;
  start(o);
  ccr::Entry e;
  e.original = kLog;
  const std::string key = store_->put(e);
  EXPECT_EQ(server_->client()->Get(("/v1/retrieve/" + key).c_str())->status, 200);
  now += 61;
  auto expired = server_->client()->Get(("/v1/retrieve/" + key).c_str());
  ASSERT_EQ(expired->status, 404);
  const json j = json::parse(expired->body);
  EXPECT_EQ(j["status"], "expired");
  EXPECT_EQ(j["detail"], "Entry expired (CCR TTL: 60 seconds)");
}

// A store whose backend is down (a stopped Redis).
class BrokenStore final : public ccr::Store {
 public:
  std::string put(const ccr::Entry&) override { throw Error("connection refused"); }
  ccr::Lookup get(std::string_view) override { throw Error("connection refused"); }
  ccr::Status peek(std::string_view) override { throw Error("connection refused"); }
  std::size_t size() override { throw Error("connection refused"); }
  void clear() override { throw Error("connection refused"); }
  std::string describe() const override { return "broken"; }
};

TEST_F(ServerApi, AFailingStoreSkipsCcrAndRetrievalAnswers503) {
  store_ = std::make_shared<BrokenStore>();
  start({});
  auto r = post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}));
  ASSERT_EQ(r->status, 200) << r->body;
  const json result = json::parse(r->body)["results"][0];
  EXPECT_EQ(result["cache_key"], nullptr);
  ASSERT_TRUE(result["ccr_error"].is_string());
  EXPECT_NE(result["ccr_error"].get<std::string>().find("connection refused"), std::string::npos);
  EXPECT_EQ(result["compressed"].get<std::string>().find("hash="), std::string::npos);
  auto got = server_->client()->Get(("/v1/retrieve/" + ccr::content_key(kLog)).c_str());
  ASSERT_EQ(got->status, 503);
  EXPECT_NE(got->body.find("connection refused"), std::string::npos);
  EXPECT_EQ(server_->client()->Get("/healthz")->status, 200);
  EXPECT_GE(server_->metric("kompress_ccr_errors_total").value_or(0), 2);
}

TEST_F(ServerApi, WithoutAStoreResultsSayWhyAndRetrievalAnswers503) {
  server_.reset();
  server_ = std::make_unique<TestServer>(server::ServerOptions{}, loader_of(tiny_model().scorer));
  server_->wait_ready();
  auto r = post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(json::parse(r->body)["results"][0]["ccr_error"].is_string());
  auto got = server_->client()->Get(("/v1/retrieve/" + ccr::content_key(kLog)).c_str());
  EXPECT_EQ(got->status, 503);
  EXPECT_NE(got->body.find("no CCR store"), std::string::npos);
}

TEST_F(ServerApi, ProbesAnswer) {
  auto health = server_->client()->Get("/healthz");
  ASSERT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  auto ready = server_->client()->Get("/readyz");
  ASSERT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["model"], "tiny");
}

TEST_F(ServerApi, MetricsCountRequestsPassesAndCcr) {
  const auto requests = [&] {
    return server_->metric(R"(kompress_http_requests_total{route="/v1/compress",code="200"})")
        .value_or(0);
  };
  const double before = requests();
  const double passes = server_->metric("kompress_batch_sequences_count").value_or(0);
  ASSERT_GE(passes, 1);  // the warm-up pass
  auto r = post("/v1/compress", body({{"texts", {kLog}}, {"ratio", 0.3}}));
  ASSERT_EQ(r->status, 200);
  const std::string key = json::parse(r->body)["results"][0]["cache_key"];
  server_->client()->Get(("/v1/retrieve/" + key).c_str());
  server_->client()->Get(("/v1/retrieve/" + ccr::content_key("nothing")).c_str());
  post("/v1/compress", "not json");

  EXPECT_EQ(requests(), before + 1);
  EXPECT_EQ(server_->metric(R"(kompress_http_requests_total{route="/v1/compress",code="400"})"), 1);
  EXPECT_EQ(
      server_->metric(R"(kompress_http_requests_total{route="/v1/retrieve/{hash}",code="404"})"),
      1);
  EXPECT_GT(server_->metric("kompress_batch_sequences_count").value_or(0), passes);
  EXPECT_GT(server_->metric("kompress_model_tokens_total").value_or(0), 0);
  EXPECT_GT(server_->metric("kompress_model_tokens_per_second").value_or(0), 0);
  EXPECT_EQ(server_->metric("kompress_ccr_stores_total"), 1);
  EXPECT_EQ(server_->metric("kompress_ccr_hits_total"), 1);
  EXPECT_EQ(server_->metric(R"(kompress_ccr_misses_total{status="missing"})"), 1);
  EXPECT_EQ(server_->metric("kompress_ready"), 1);
  EXPECT_EQ(server_->metric("kompress_queue_depth"), 0);
  EXPECT_GE(server_->metric(R"(kompress_http_request_duration_seconds_count{route="/v1/compress"})")
                .value_or(0),
            2);
  auto text = server_->client()->Get("/metrics");
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text->body.find("# TYPE kompress_batch_requests histogram"), std::string::npos);
}

TEST_F(ServerApi, BodiesOverTheLimitGet413) {
  server::ServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  auto r = post("/compress", body({{"content", std::string(4096, 'a')}}));
  ASSERT_EQ(r->status, 413);
  EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("1024 bytes"), std::string::npos);
  EXPECT_EQ(server_->metric(R"(kompress_http_requests_total{route="/compress",code="413"})"), 1);
  EXPECT_EQ(post("/compress", body({{"content", "small"}}))->status, 200);
}

TEST_F(ServerApi, MalformedRequestsGet400WithAMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/compress", "{\"content\": "},
      {"/compress", ""},
      {"/compress", "[1, 2]"},
      {"/compress", R"({"target_ratio": 0.5})"},
      {"/compress", R"({"content": 42})"},
      {"/compress", R"({"content": "x", "target_ratio": "0.5"})"},
      {"/compress", R"({"content": "x", "target_ratio": 1.5})"},
      {"/v1/compress", R"({"texts": "one"})"},
      {"/v1/compress", R"({"texts": [1]})"},
      {"/v1/compress", R"({"texts": [{"txt": "a"}]})"},
      {"/v1/compress", R"({"texts": ["a"], "ration": 0.5})"},
      {"/v1/compress", R"({"texts": ["a"], "join": "tabs"})"},
      {"/v1/compress", R"({"texts": ["a"], "threshold": -1})"},
      {"/v1/compress", R"({"texts": ["a"], "must_keep": 1})"},
      {"/v1/compress", R"({"texts": ["a"], "deadline_ms": -5})"},
      {"/v1/compress", R"({"texts": [{"text": "a", "ratio": 2}]})"},
  };
  for (const auto& [path, b] : cases) {
    SCOPED_TRACE(path + " " + b);
    auto r = post(path, b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(json::parse(r->body)["error"].is_string());
  }
  auto named = post("/v1/compress", R"({"texts": ["a", {"text": "b", "ratio": 2}]})");
  EXPECT_NE(named->body.find("texts[1].ratio"), std::string::npos);
}

TEST_F(ServerApi, InvalidUtf8Is400NamingTheByteUnlessLossy) {
  const std::string b = std::string(R"({"content": "caf)") + "\xC3\x28" + R"( and more"})";
  auto r = post("/compress", b);
  ASSERT_EQ(r->status, 400);
  EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("byte offset 16"),
            std::string::npos);
  auto lossy = post("/compress?lossy=1", b);
  ASSERT_EQ(lossy->status, 200) << lossy->body;
  EXPECT_EQ(json::parse(lossy->body)["compressed"], "caf\xEF\xBF\xBD( and more");

  // A lone surrogate escape (what a Python client sends for undecodable bytes).
  const std::string surrogate = R"({"texts": ["bad \udc80 byte"]})";
  EXPECT_EQ(post("/v1/compress", surrogate)->status, 400);
  auto repaired = post("/v1/compress?lossy=true", surrogate);
  ASSERT_EQ(repaired->status, 200) << repaired->body;
  EXPECT_EQ(json::parse(repaired->body)["results"][0]["compressed"], "bad \xEF\xBF\xBD byte");
}

TEST_F(ServerApi, UnknownRoutesGet404Json) {
  auto r = server_->client()->Get("/nope");
  ASSERT_EQ(r->status, 404);
  EXPECT_EQ(json::parse(r->body)["error"], "no route GET /nope");
  EXPECT_EQ(server_->client()->Get("/compress")->status, 404);
}

TEST_F(ServerApi, RandomBodiesNeverBreakTheServer) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {
      "{",   "}",     "[",   "]",    "\"content\"", "\"texts\"", ":", ",",    "null",
      "0.5", "\"x\"", "\\u", "\xFF", "\"hash\"",    "1e999",     "-", "true", "\\"};
  for (int i = 0; i < 300; ++i) {
    std::string b;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) b += pieces[rng() % pieces.size()];
    for (const char* path : {"/compress", "/v1/compress", "/v1/retrieve"}) {
      auto r = post(path, b);
      ASSERT_TRUE(r) << path << " " << b;
      EXPECT_TRUE(r->status == 200 || r->status == 400 || r->status == 404)
          << path << " " << b << ": " << r->status << " " << r->body;
    }
  }
  EXPECT_EQ(server_->client()->Get("/healthz")->status, 200);
}

TEST_F(ServerApi, ATokenGuardsEveryRouteButTheProbes) {
  server::ServerOptions o;
  o.token = "s3cret";
  start(o);
  const std::string b = body({{"content", kLog}});
  auto none = post("/compress", b);
  ASSERT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(post("/compress", b, {{"Authorization", "Bearer wrong!"}})->status, 401);
  EXPECT_EQ(post("/compress", b, {{"Authorization", "Bearer s3cret"}})->status, 200);
  EXPECT_EQ(post("/compress", b, {{"Authorization", "bearer s3cret"}})->status, 200);
  EXPECT_EQ(post("/v1/compress", body({{"texts", {"a"}}}))->status, 401);
  EXPECT_EQ(server_->client()->Get("/metrics")->status, 401);
  EXPECT_EQ(server_->client()->Get("/metrics", {{"Authorization", "Bearer s3cret"}})->status, 200);
  const std::string key = ccr::content_key("x");
  EXPECT_EQ(server_->client()->Get(("/v1/retrieve/" + key).c_str())->status, 401);
  // With a token, retrieval does not care where the client is.
  EXPECT_EQ(server_->client()
                ->Get(("/v1/retrieve/" + key).c_str(),
                      {{"Authorization", "Bearer s3cret"}, {"Host", "kompress.example"}})
                ->status,
            404);
  EXPECT_EQ(server_->client()->Get("/healthz")->status, 200);
  EXPECT_EQ(server_->client()->Get("/readyz")->status, 200);
}

TEST_F(ServerApi, WithoutATokenRetrievalIsForLoopbackOnly) {
  const std::string path = "/v1/retrieve/" + ccr::content_key("x");
  EXPECT_EQ(server_->client()->Get(path.c_str())->status, 404);
  EXPECT_EQ(server_->client()->Get(path.c_str(), {{"Host", "localhost:8080"}})->status, 404);
  // A page of another origin reaching 127.0.0.1 through DNS rebinding keeps its own Host.
  auto rebound = server_->client()->Get(path.c_str(), {{"Host", "attacker.example"}});
  ASSERT_EQ(rebound->status, 403);
  EXPECT_NE(rebound->body.find("loopback"), std::string::npos);
  EXPECT_EQ(
      post("/v1/retrieve", body({{"hash", ccr::content_key("x")}}), {{"Host", "attacker.example"}})
          ->status,
      403);
  // Compression is not restricted.
  EXPECT_EQ(post("/compress", body({{"content", "x"}}), {{"Host", "attacker.example"}})->status,
            200);
}

}  // namespace
}  // namespace kompress::testing
