// Load client for `kompress serve`: N keep-alive client threads send a fixed number of
// compression requests, each a distinct slice of real text (this repository's README.md,
// docs/*.md, samples/*), and it prints one row: clients, requests, failed, throughput in
// requests/s and words/s, p50 and p99 latency. A request fails on a transport error, a non-2xx
// status, or a fail-open answer (deadline or full queue): that is the server not doing its job.
// Driven by bench/serve_load.sh and bench/serve_faults.sh.
//
//   serve_load --port P [--clients 8] [--requests 200] [--route v1|compress] [--no-ccr]
//              [--ratio R] [--words 100-400] [--first 0] [--timeout-s 60] [--header] [--json]
//   serve_load --port P ... --keys-out FILE    appends "KEY INDEX" once each stored answer arrives
//   serve_load --port P --verify-keys FILE     retrieves every key, compares with text INDEX
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int clients = 8;
  int requests = 200;
  int first = 0;  // index of the first text: runs with different --first send different texts
  bool v1 = true;
  bool ccr = true;
  double ratio = -1;                             // < 0: the threshold path
  std::size_t min_words = 100, max_words = 400;  // length range of the request texts
  int timeout_s = 60;
  bool header = false;
  bool json_out = false;
  std::string keys_out;
  std::string verify_keys;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(
      stderr,
      "serve_load: %s\nusage: serve_load --port P [--clients N] [--requests N] "
      "[--route v1|compress] [--no-ccr] [--ratio R] [--words MIN-MAX] [--first I] [--timeout-s S] "
      "[--header] "
      "[--json] [--keys-out FILE | --verify-keys FILE]\n",
      why.c_str());
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = std::stoi(value());
    else if (a == "--clients")
      o.clients = std::stoi(value());
    else if (a == "--requests")
      o.requests = std::stoi(value());
    else if (a == "--first")
      o.first = std::stoi(value());
    else if (a == "--route")
      o.v1 = value() != "compress";
    else if (a == "--no-ccr")
      o.ccr = false;
    else if (a == "--ratio")
      o.ratio = std::stod(value());
    else if (a == "--words") {  // MIN-MAX
      const std::string v = value();
      const std::size_t dash = v.find('-');
      if (dash == std::string::npos) usage("--words takes MIN-MAX, e.g. 20-40");
      o.min_words = std::stoul(v.substr(0, dash));
      o.max_words = std::stoul(v.substr(dash + 1));
    } else if (a == "--timeout-s")
      o.timeout_s = std::stoi(value());
    else if (a == "--header")
      o.header = true;
    else if (a == "--json")
      o.json_out = true;
    else if (a == "--keys-out")
      o.keys_out = value();
    else if (a == "--verify-keys")
      o.verify_keys = value();
    else
      usage("unknown argument " + a);
  }
  if (o.port <= 0) usage("--port is required");
  if (o.clients < 1 || o.requests < 1) usage("--clients and --requests must be positive");
  if (o.min_words < 1 || o.min_words > o.max_words) usage("--words MIN-MAX needs 1 <= MIN <= MAX");
  return o;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The source texts, concatenated, and where each whitespace-separated word starts and ends.
struct Corpus {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> words;
};

Corpus load_corpus() {
  const std::filesystem::path root = KOMPRESS_SOURCE_DIR;
  std::vector<std::filesystem::path> files = {root / "README.md"};
  for (const char* dir : {"docs", "samples"}) {
    std::vector<std::filesystem::path> in_dir;
    for (const auto& e : std::filesystem::directory_iterator(root / dir)) {
      if (e.is_regular_file() && e.path().extension() != ".json") in_dir.push_back(e.path());
    }
    std::sort(in_dir.begin(), in_dir.end());  // the same texts on every run
    files.insert(files.end(), in_dir.begin(), in_dir.end());
  }
  Corpus c;
  for (const auto& f : files) c.text += read_file(f) + "\n\n";
  std::size_t i = 0;
  while (i < c.text.size()) {
    while (i < c.text.size() && std::isspace(static_cast<unsigned char>(c.text[i]))) ++i;
    const std::size_t begin = i;
    while (i < c.text.size() && !std::isspace(static_cast<unsigned char>(c.text[i]))) ++i;
    if (i > begin) c.words.emplace_back(begin, i);
  }
  return c;
}

// Request `index`'s text: --words (default 100 to 400) consecutive words (their layout kept) from a
// start that differs for every index below the corpus size, so no two requests send the same text.
struct Slice {
  std::string text;
  std::size_t words;
};

Slice text_for(const Corpus& c, const Options& o, int index) {
  const std::size_t lo = o.min_words, hi = o.max_words;
  const std::size_t n = lo + (static_cast<std::size_t>(index) * 7919) % (hi - lo + 1);
  const std::size_t starts = c.words.size() - hi;
  // 104729 is prime and larger than any corpus here, so index -> start is one-to-one.
  const std::size_t start = (static_cast<std::size_t>(index) * 104729) % starts;
  const std::size_t b = c.words[start].first, e = c.words[start + n - 1].second;
  return {c.text.substr(b, e - b), n};
}

std::string request_body(const Options& o, const std::string& text) {
  if (!o.v1) return json{{"content", text}, {"target_ratio", nullptr}}.dump();
  json body = {{"texts", {text}}, {"ccr", o.ccr}};
  if (o.ratio >= 0) body["ratio"] = o.ratio;
  return body.dump();
}

struct Outcome {
  double ms = 0;
  bool failed = false;
  std::string why;  // of a failure
};

// What one answer says: failed or not, and the CCR key of a stored /v1/compress text.
Outcome judge(const Options& o, const httplib::Result& r, std::string& cache_key) {
  if (!r) return {0, true, "transport: " + httplib::to_string(r.error())};
  if (r->status < 200 || r->status > 299) {
    return {0, true, "status " + std::to_string(r->status) + ": " + r->body.substr(0, 200)};
  }
  if (r->has_header("X-Kompress-Fail-Open")) {
    return {0, true, "fail_open " + r->get_header_value("X-Kompress-Fail-Open")};
  }
  if (!o.v1) return {};
  const json body = json::parse(r->body, nullptr, false);
  if (!body.contains("results") || body["results"].empty()) return {0, true, "no results"};
  const json& result = body["results"][0];
  if (!result["fail_open"].is_null()) return {0, true, "fail_open " + result["fail_open"].dump()};
  if (result["cache_key"].is_string()) cache_key = result["cache_key"];
  return {};
}

void configure(httplib::Client& cli, int timeout_s) {
  cli.set_keep_alive(true);
  cli.set_tcp_nodelay(true);  // as HTTP clients do (httpx, curl): no Nagle wait on the body
  cli.set_connection_timeout(5);
  cli.set_read_timeout(timeout_s);
  cli.set_write_timeout(timeout_s);
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run_load(const Options& o, const Corpus& corpus) {
  std::vector<Outcome> outcomes(static_cast<std::size_t>(o.requests));
  std::atomic<int> next{0};
  std::atomic<std::size_t> words{0};
  std::mutex keys_mutex;
  std::ofstream keys;
  if (!o.keys_out.empty()) keys.open(o.keys_out, std::ios::app);
  const std::string path = o.v1 ? "/v1/compress" : "/compress";

  auto client = [&] {
    httplib::Client cli(o.host, o.port);
    configure(cli, o.timeout_s);
    for (int i; (i = next.fetch_add(1)) < o.requests;) {
      const Slice slice = text_for(corpus, o, o.first + i);
      const std::string body = request_body(o, slice.text);
      const auto t0 = Clock::now();
      const auto r = cli.Post(path, body, "application/json");
      std::string key;
      Outcome out = judge(o, r, key);
      out.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!out.failed) words += slice.words;
      if (!key.empty() && keys.is_open()) {
        // Written and flushed at once: the fault script kills the server mid-burst and checks
        // that every key it saw is still retrievable.
        std::lock_guard lock(keys_mutex);
        keys << key << ' ' << (o.first + i) << '\n' << std::flush;
      }
      outcomes[static_cast<std::size_t>(i)] = out;
    }
  };
  const auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) threads.emplace_back(client);
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  int failed = 0;
  std::vector<double> ms;
  std::string first_failure;
  for (const auto& out : outcomes) {
    ms.push_back(out.ms);
    // Its latency tells a timeout (the server's 5 s I/O limit, the deadline) from a refusal.
    if (out.failed && failed++ == 0) {
      first_failure = out.why + " after " + std::to_string(static_cast<int>(out.ms)) + " ms";
    }
  }
  const double rps = o.requests / seconds, wps = static_cast<double>(words) / seconds;
  const double p50 = percentile(ms, 0.50), p99 = percentile(ms, 0.99);
  if (o.json_out) {
    std::printf("%s\n", json{{"clients", o.clients},
                             {"requests", o.requests},
                             {"failed", failed},
                             {"seconds", seconds},
                             {"requests_per_s", rps},
                             {"words_per_s", wps},
                             {"p50_ms", p50},
                             {"p99_ms", p99},
                             {"first_failure", first_failure}}
                            .dump()
                            .c_str());
  } else {
    if (o.header) {
      std::printf("%8s %9s %7s %10s %10s %9s %9s\n", "clients", "requests", "failed", "req/s",
                  "words/s", "p50 ms", "p99 ms");
    }
    std::printf("%8d %9d %7d %10.1f %10.0f %9.1f %9.1f\n", o.clients, o.requests, failed, rps, wps,
                p50, p99);
  }
  if (failed > 0) std::fprintf(stderr, "serve_load: first failure: %s\n", first_failure.c_str());
  std::fflush(stdout);
  return failed > 0 ? 1 : 0;
}

// Every "KEY INDEX" line of `file` must retrieve text INDEX exactly.
int verify_keys(const Options& o, const Corpus& corpus) {
  std::ifstream in(o.verify_keys);
  httplib::Client cli(o.host, o.port);
  configure(cli, o.timeout_s);
  int checked = 0, bad = 0;
  std::string key;
  int index = 0;
  while (in >> key >> index) {
    ++checked;
    const auto r = cli.Get("/v1/retrieve/" + key);
    std::string why;
    if (!r) {
      why = "transport: " + httplib::to_string(r.error());
    } else if (r->status != 200) {
      why = "status " + std::to_string(r->status) + ": " + r->body.substr(0, 200);
    } else if (json::parse(r->body, nullptr, false).value("original_content", "") !=
               text_for(corpus, o, index).text) {
      why = "original_content differs from the text sent";
    }
    if (!why.empty() && bad++ < 5) std::fprintf(stderr, "key %s: %s\n", key.c_str(), why.c_str());
  }
  std::printf("%d keys checked, %d retrieved with their original, %d not\n", checked, checked - bad,
              bad);
  return bad > 0 || checked == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const Corpus corpus = load_corpus();
  return o.verify_keys.empty() ? run_load(o, corpus) : verify_keys(o, corpus);
}
