// `kompress bench [--json]`: tokens/s, per-chunk latency, peak RSS and load time of the
// ModernBERT-base shape (seeded random weights) at 1x512, 8x512 and a 20,000-word document, per
// precision, beside oneDNN's GEMM ceiling on the same shapes. Each measurement runs in a fresh
// child process (`kompress bench --child ...`), so its peak RSS and load time are its own.
#include <omp.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/bench_measure.h"
#include "cli/commands.h"
#include "cli/precision_option.h"
#include "kernels/cpu/cpu_isa.h"
#include "kompress/error.h"
#include "kompress/model.h"
#include "kompress/tokenizer.h"
#include "model/random_init.h"
#include "weights/model_config.h"

namespace kompress::cli {
namespace {

namespace fs = std::filesystem;

// ModernBERT-base (answerdotai/ModernBERT-base config.json): the Kompress encoder's shape.
constexpr const char* kBaseConfig = R"({
  "model_type": "modernbert", "vocab_size": 50368, "hidden_size": 768,
  "intermediate_size": 1152, "num_hidden_layers": 22, "num_attention_heads": 12,
  "hidden_activation": "gelu", "max_position_embeddings": 8192, "local_attention": 128,
  "global_attn_every_n_layers": 3, "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
  "norm_eps": 1e-05, "norm_bias": false, "attention_bias": false, "mlp_bias": false,
  "pad_token_id": 50283, "bos_token_id": 50281, "eos_token_id": 50282,
  "cls_token_id": 50281, "sep_token_id": 50282})";
constexpr uint64_t kSeed = 20260401;
constexpr size_t kChunkTokens = 512;

struct BenchArgs {
  bool json = false;
  std::vector<std::string> precisions = {"fp32", "bf16", "int8"};
  int threads = 0;
  int passes = 5;
  int doc_words = 20000;
  std::string tokenizer;
  std::vector<std::string> texts;
  std::string work_dir;
  // Internal: one measurement in this process.
  std::vector<std::string> child;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// 512-token [CLS] ... [SEP] chunks of a `words`-word document made by repeating the texts' words;
// pseudo-random ids when there is no tokenizer.
std::vector<std::vector<int32_t>> document_chunks(const BenchArgs& args, std::string& source) {
  std::vector<std::vector<int32_t>> chunks;
  if (args.tokenizer.empty() || args.texts.empty()) {
    source = "pseudo-random ids (pass --tokenizer and --text for real text)";
    std::mt19937 rng(kSeed);
    const size_t tokens = static_cast<size_t>(args.doc_words) * 3 / 2;  // ~1.5 tokens a word
    for (size_t done = 0; done < tokens; done += kChunkTokens - 2) {
      std::vector<int32_t> c{50281};
      for (size_t i = 0; i < kChunkTokens - 2; ++i)
        c.push_back(static_cast<int32_t>(1000 + rng() % 49000));
      c.push_back(50282);
      chunks.push_back(std::move(c));
    }
    return chunks;
  }
  std::vector<std::string> words;
  for (const auto& t : args.texts) {
    std::istringstream in(read_file(t));
    for (std::string w; in >> w;) words.push_back(w);
  }
  if (words.empty()) throw Error("bench: the --text files hold no words");
  std::string doc;
  for (int i = 0; i < args.doc_words; ++i)
    doc += words[static_cast<size_t>(i) % words.size()] + " ";
  const auto tokenizer = Tokenizer::from_file(args.tokenizer);
  const auto ids = tokenizer.encode(doc, {.add_special_tokens = false}).ids;
  source = "real text: " + std::to_string(args.doc_words) + " words, " +
           std::to_string(ids.size()) + " tokens";
  for (size_t i = 0; i < ids.size(); i += kChunkTokens - 2) {
    std::vector<int32_t> c{tokenizer.token_to_id("[CLS]")};
    c.insert(c.end(), ids.begin() + static_cast<std::ptrdiff_t>(i),
             ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kChunkTokens - 2)));
    c.push_back(tokenizer.token_to_id("[SEP]"));
    chunks.push_back(std::move(c));
  }
  return chunks;
}

// The child: argv after --child is MODEL_DIR PRECISION WORKLOAD BATCH CHUNKS PASSES THREADS IDS,
// or "ceiling" MODEL_DIR PRECISION REPS THREADS for the GEMM ceiling.
void run_child(const std::vector<std::string>& a) {
  if (a.size() == 5 && a[0] == "ceiling") {
    if (std::stoi(a[4]) > 0) omp_set_num_threads(std::stoi(a[4]));
    const ModelInfo info = Model::load(a[1]).info();
    const double c =
        gemm_ceiling_tokens_per_s(info, parse_precision(a[2]), kChunkTokens, std::stoi(a[3]));
    std::printf("%s\n", nlohmann::json{{"ceiling", c}}.dump().c_str());
    return;
  }
  if (a.size() != 8) throw Error("bench --child: expected 8 values");
  const auto all = nlohmann::json::parse(read_file(a[7])).get<std::vector<std::vector<int32_t>>>();
  const size_t n = std::min(all.size(), static_cast<size_t>(std::stoul(a[4])));
  const std::vector<std::vector<int32_t>> chunks(all.begin(),
                                                 all.begin() + static_cast<std::ptrdiff_t>(n));
  BenchRow row = measure_model(a[0], parse_precision(a[1]), std::stoi(a[6]), chunks,
                               std::stoi(a[3]), std::stoi(a[5]));
  row.workload = a[2];
  std::printf("%s\n", to_json(row).dump().c_str());
}

// OpenMP's spin-waiting threads steal the cores from each other on a shared or oversubscribed
// machine (2.4x slower here); children sleep at barriers unless the caller chose a policy.
std::string wait_policy() {
  const char* set = std::getenv("OMP_WAIT_POLICY");
  return set && *set ? set : "PASSIVE";
}

nlohmann::json run_in_child(const std::vector<std::string>& values) {
  std::string cmd = "OMP_WAIT_POLICY=" + wait_policy() + " '" +
                    fs::read_symlink("/proc/self/exe").string() + "' bench --child";
  for (const auto& v : values) cmd += " '" + v + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("bench: cannot start " + cmd);
  std::string out;
  char buf[4096];
  while (const size_t got = fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
  if (pclose(pipe) != 0 || out.empty()) throw Error("bench: measurement failed: " + cmd);
  return nlohmann::json::parse(out.substr(out.rfind('{')));
}

void print_table(const std::vector<BenchRow>& rows, const nlohmann::json& ceiling,
                 const std::string& source) {
  std::printf(
      "kompress bench: ModernBERT-base shape, seeded random weights, %s, OMP_WAIT_POLICY=%s\n",
      source.c_str(), wait_policy().c_str());
  std::printf("%-9s %-5s %-9s %6s %9s %9s %9s %9s %8s %8s\n", "engine", "prec", "workload", "batch",
              "tokens/s", "p50 ms", "p99 ms", "RSS MB", "load ms", "ceiling");
  for (const auto& r : rows) {
    const double c = ceiling.value(r.precision, 0.0);
    std::printf("%-9s %-5s %-9s %6d %9.0f %9.1f %9.1f %9.0f %8.0f %7.0f%%\n", r.engine.c_str(),
                r.precision.c_str(), r.workload.c_str(), r.batch, r.tokens_per_s, r.p50_ms,
                r.p99_ms, r.peak_rss_mb, r.load_ms, c > 0 ? 100.0 * r.tokens_per_s / c : 0.0);
  }
  std::printf("GEMM ceiling (oneDNN matmul alone on the same shapes, 512 rows), tokens/s:");
  for (const auto& [k, v] : ceiling.items()) std::printf(" %s %.0f", k.c_str(), v.get<double>());
  std::printf(
      "\nRatios: int8/fp32 and bf16/fp32 speed-ups per workload are the tokens/s columns "
      "divided by the fp32 row of the same workload.\n");
}

void run_bench(const BenchArgs& args) {
  if (!args.child.empty()) return run_child(args.child);
  const bool bf16_ok = kernels::cpu::cpu_features().isa == kernels::cpu::CpuIsa::kAvx512;
  const fs::path work = args.work_dir.empty() ? fs::temp_directory_path() /
                                                    ("kompress-bench-" + std::to_string(getpid()))
                                              : fs::path(args.work_dir);
  const fs::path fp32_dir = work / "fp32";
  fs::create_directories(fp32_dir);
  if (!fs::exists(fp32_dir / "model.safetensors")) {
    std::ofstream(fp32_dir / "config.json") << kBaseConfig;
    model::write_random_checkpoint(
        weights::ModelConfig::from_file((fp32_dir / "config.json").string()),
        model::CheckpointLayout::kKompressV1, kSeed, (fp32_dir / "model.safetensors").string());
  }
  std::string source;
  const auto chunks = document_chunks(args, source);
  const fs::path ids_path = work / "ids.json";
  std::ofstream(ids_path) << nlohmann::json(chunks).dump();

  struct Workload {
    std::string name;
    size_t chunks;
    int batch;
    int passes;
  };
  const std::vector<Workload> workloads = {
      {"1x512", 1, 1, 2 * args.passes},
      {"8x512", 8, 8, args.passes},
      {"doc" + std::to_string(args.doc_words), chunks.size(), 8, 1}};
  std::vector<BenchRow> rows;
  nlohmann::json ceiling = nlohmann::json::object();
  for (const auto& p : args.precisions) {
    if (p == "bf16" && !bf16_ok) {
      std::fprintf(stderr, "kompress bench: skipping bf16: oneDNN 2.6 needs AVX-512 for it\n");
      continue;
    }
    // Quantized precisions load a `kompress quantize` checkpoint: the load a user sees.
    fs::path dir = fp32_dir;
    if (p != "fp32") {
      dir = work / p;
      if (!fs::exists(dir / "model.safetensors"))
        Model::quantize(fp32_dir.string(), dir.string(), parse_precision(p));
    }
    for (const auto& w : workloads) {
      rows.push_back(row_from_json(run_in_child(
          {dir.string(), p, w.name, std::to_string(w.batch), std::to_string(w.chunks),
           std::to_string(w.passes), std::to_string(args.threads), ids_path.string()})));
      std::fprintf(stderr, "kompress bench: %s %s %.0f tokens/s\n", p.c_str(), w.name.c_str(),
                   rows.back().tokens_per_s);
    }
    ceiling[p] = run_in_child({"ceiling", fp32_dir.string(), p, std::to_string(2 * args.passes),
                               std::to_string(args.threads)})
                     .at("ceiling");
  }
  if (args.work_dir.empty()) fs::remove_all(work);
  if (!args.json) return print_table(rows, ceiling, source);
  nlohmann::json out = {{"rows", nlohmann::json::array()},
                        {"gemm_ceiling_tokens_per_s", ceiling},
                        {"input", source},
                        {"omp_wait_policy", wait_policy()}};
  for (const auto& r : rows) {
    auto j = to_json(r);
    if (ceiling.contains(r.precision))
      j["fraction_of_ceiling"] = r.tokens_per_s / ceiling[r.precision].get<double>();
    out["rows"].push_back(j);
  }
  std::printf("%s\n", out.dump(2).c_str());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Measure tokens/s, latency, RSS and load time of the ModernBERT-base shape");
  auto args = std::make_shared<BenchArgs>();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->add_option("--precision", args->precisions, "Precisions to measure (default all)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
  cmd->add_option("--threads", args->threads, "OpenMP threads (default: one per core)");
  cmd->add_option("--passes", args->passes, "Timed passes per workload (1x512 runs twice as many)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--doc-words", args->doc_words, "Words in the document workload")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer.json for real ids")
      ->check(CLI::ExistingFile);
  cmd->add_option("--text", args->texts, "Text files the document is made of")
      ->check(CLI::ExistingFile);
  cmd->add_option("--work-dir", args->work_dir,
                  "Keep the random checkpoints here and reuse them (default: a temp dir)");
  cmd->add_option("--child", args->child)->group("");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace kompress::cli
