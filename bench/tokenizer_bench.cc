// Tokenizer throughput on English prose (GPL-3 repeated to ~4 MB), single-threaded, for
// encode() on the whole text and encode_words() on its whitespace-split words. The anchor of
// the issue is >= 20 MB/s; the bench prints whether it holds. Needs the ModernBERT tokenizer
// (../shared, or KOMPRESS_TOKENIZER=path) and /usr/share/common-licenses/GPL-3.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "kompress/tokenizer.h"

namespace {

constexpr double kAnchorMBps = 20.0;
constexpr std::size_t kTargetBytes = 4u << 20;

std::string tokenizer_path() {
  if (const char* env = std::getenv("KOMPRESS_TOKENIZER")) return env;
  return std::string(KOMPRESS_SHARED_DIR) + "/models/modernbert-base/tokenizer.json";
}

struct Corpus {
  std::optional<kompress::Tokenizer> tokenizer;
  std::string text;
  std::vector<std::string_view> words;
  std::string skip_reason;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    std::ifstream in("/usr/share/common-licenses/GPL-3");
    if (!in) {
      out.skip_reason = "/usr/share/common-licenses/GPL-3 is missing";
      return out;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string gpl = ss.str();
    while (out.text.size() < kTargetBytes) out.text += gpl;
    if (!std::filesystem::exists(tokenizer_path())) {
      out.skip_reason = tokenizer_path() + " is missing (set KOMPRESS_TOKENIZER)";
      return out;
    }
    out.tokenizer.emplace(kompress::Tokenizer::from_file(tokenizer_path()));
    const std::string_view t = out.text;
    std::size_t pos = 0;
    while (pos < t.size()) {
      const std::size_t start = t.find_first_not_of(" \t\n\r\f\v", pos);
      if (start == std::string_view::npos) break;
      std::size_t end = t.find_first_of(" \t\n\r\f\v", start);
      if (end == std::string_view::npos) end = t.size();
      out.words.push_back(t.substr(start, end - start));
      pos = end;
    }
    return out;
  }();
  return c;
}

void report(benchmark::State& state, std::size_t bytes, std::size_t tokens) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Encode(benchmark::State& state) {
  const Corpus& c = corpus();
  if (!c.tokenizer) {
    state.SkipWithError(c.skip_reason.c_str());
    return;
  }
  std::size_t tokens = 0;
  for (auto _ : state) {
    const kompress::Encoding e = c.tokenizer->encode(c.text);
    tokens = e.ids.size();
    benchmark::DoNotOptimize(e.ids.data());
  }
  report(state, c.text.size(), tokens);
}

void BM_EncodeWords(benchmark::State& state) {
  const Corpus& c = corpus();
  if (!c.tokenizer) {
    state.SkipWithError(c.skip_reason.c_str());
    return;
  }
  std::size_t bytes = 0;
  for (auto w : c.words) bytes += w.size();
  std::size_t tokens = 0;
  for (auto _ : state) {
    const kompress::Encoding e = c.tokenizer->encode_words(c.words);
    tokens = e.ids.size();
    benchmark::DoNotOptimize(e.ids.data());
  }
  report(state, bytes, tokens);
}

BENCHMARK(BM_Encode)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_EncodeWords)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Prints the anchor check after the table: one line per benchmark.
class AnchorReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      auto it = run.counters.find("MB/s");
      if (it == run.counters.end()) continue;
      lines_.push_back(run.benchmark_name() + ": " + std::to_string(it->second.value) +
                       " MB/s, anchor >= " + std::to_string(kAnchorMBps) +
                       " MB/s: " + (it->second.value >= kAnchorMBps ? "holds" : "MISSED"));
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const auto& line : lines_) std::printf("%s\n", line.c_str());
    if (!corpus().skip_reason.empty()) std::printf("skipped: %s\n", corpus().skip_reason.c_str());
  }

 private:
  std::vector<std::string> lines_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  AnchorReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
