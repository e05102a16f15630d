// Repeat-request latency of the compressor's result cache: the same text compressed twice in
// one process. The first call runs the model; the repeat is answered from the cache (hash the
// text, look the key up, check that the CCR entry behind the marker is still there, copy the
// result). Anchors measured in the same run: the same call with use_cache = false (the model
// again), and a bare sha256 of the text (the least any content-keyed lookup costs).
//
//   result_cache_bench [MODEL_DIR]     default: $KOMPRESS_MODEL, else models/kompress-mini
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/error.h"
#include "kompress/model.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median wall time of `fn` in microseconds over `runs` runs.
double median_us(int runs, const std::function<void()>& fn) {
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    fn();
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::nth_element(us.begin(), us.begin() + runs / 2, us.end());
  return us[runs / 2];
}

// Tool-output-like text of about `bytes`: log lines with numbers, paths and prose.
std::string log_text(std::size_t bytes) {
  static const char* kWords[] = {"the",   "request", "failed",  "with",  "status", "retrying",
                                 "after", "timeout", "worker",  "queue", "was",    "not",
                                 "empty", "and",     "process", "exit",  "code",   "because"};
  std::string text;
  uint64_t x = 88172645463325252ull;
  for (int line = 0; text.size() < bytes; ++line) {
    text += "2024-05-01T12:00:" + std::to_string(line % 60) +
            " INFO /srv/app/worker.py:" + std::to_string(100 + line % 900);
    for (int w = 0; w < 12; ++w) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      text += ' ';
      text += kWords[x % (sizeof kWords / sizeof *kWords)];
    }
    text += '\n';
  }
  return text;
}

std::string model_dir(int argc, char** argv) {
  if (argc > 1) return argv[1];
  if (const char* env = std::getenv("KOMPRESS_MODEL")) return env;
  return std::string(KOMPRESS_SOURCE_DIR) + "/models/kompress-mini";
}

struct Row {
  std::size_t bytes;
  std::string store;
  int64_t words;
  double first_ms, uncached_ms, cached_us, sha_us;
};

Row measure(const kompress::Compressor& c, const std::string& text, const std::string& store) {
  kompress::CompressOptions o;
  o.deadline = std::chrono::milliseconds(0);
  Row row{text.size(), store, 0, 0, 0, 0, 0};
  const auto t0 = Clock::now();
  const kompress::Result first = c.compress(text, o);
  row.first_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  row.words = first.original_tokens;
  const kompress::Result repeat = c.compress(text, o);
  if (!repeat.from_cache || repeat.compressed != first.compressed) {
    throw kompress::Error("the repeat was not answered from the cache");
  }
  row.cached_us = median_us(200, [&] { c.compress(text, o); });
  kompress::CompressOptions no_cache = o;
  no_cache.use_cache = false;
  row.uncached_ms = median_us(3, [&] { c.compress(text, no_cache); }) / 1000.0;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  row.sha_us = median_us(200, [&] {
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  });
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string dir = model_dir(argc, argv);
    if (!std::filesystem::exists(dir + "/model.safetensors")) {
      std::fprintf(stderr, "result_cache_bench: no model at %s (pass MODEL_DIR)\n", dir.c_str());
      return 2;
    }
    auto tokenizer = std::make_shared<const kompress::Tokenizer>(
        kompress::Tokenizer::from_file(dir + "/tokenizer.json"));
    auto model = std::make_shared<const kompress::Model>(kompress::Model::load(dir));
    auto scorer = kompress::make_model_scorer(model, "bench");
    const auto db = std::filesystem::temp_directory_path() / "kompress_cache_bench.sqlite3";
    std::filesystem::remove(db);

    std::vector<Row> rows;
    for (const std::size_t bytes : {2'000, 20'000, 200'000}) {
      const std::string text = log_text(bytes);
      kompress::Compressor memory(tokenizer, scorer, kompress::ccr::make_memory_store());
      rows.push_back(measure(memory, text, "memory"));
      kompress::Compressor sqlite(tokenizer, scorer, kompress::ccr::open_sqlite_store(db.string()));
      rows.push_back(measure(sqlite, text, "sqlite"));
    }
    std::filesystem::remove(db);
    std::printf("model %s\n", dir.c_str());
    std::printf("%9s %7s %7s %10s %12s %10s %8s %11s\n", "bytes", "store", "words", "first ms",
                "no-cache ms", "cached us", "sha us", "speedup");
    for (const Row& r : rows) {
      std::printf("%9zu %7s %7lld %10.1f %12.1f %10.1f %8.1f %10.0fx\n", r.bytes, r.store.c_str(),
                  static_cast<long long>(r.words), r.first_ms, r.uncached_ms, r.cached_us, r.sha_us,
                  r.uncached_ms * 1000.0 / r.cached_us);
    }
    std::printf("speedup = no-cache / cached; sha = sha256 of the text alone (the floor)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "result_cache_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
