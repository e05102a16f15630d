// `kompress bench [--json]`: tokens/s, per-chunk latency, peak RSS and load time of the
// ModernBERT-base shape (seeded random weights) at 1x512, 8x512 and a 20,000-word document, per
// precision, beside oneDNN's GEMM ceiling on the same shapes and, side by side on the same ids,
// ONNX Runtime on an ONNX export of the same weights (fp32, dynamic int8) and PyTorch eager fp32.
// Each measurement runs in a fresh child process (`kompress bench --child ...`, or the PyTorch
// script), so its peak RSS and load time are its own.
#include <omp.h>
#include <unistd.h>
#include <algorithm>
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
#include "cli/bench_onnxruntime.h"
#include "cli/bench_report.h"
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
  std::vector<std::string> engines = {"kompress", "onnxruntime", "pytorch"};
  int threads = 0;
  int passes = 5;
  int doc_words = 20000;
  std::string tokenizer;
  std::vector<std::string> texts;
  std::string work_dir;
  std::string onnxruntime_lib;  // default: $KOMPRESS_ONNXRUNTIME_LIB, else the npm install's
  std::string python = "/usr/bin/python3";
  std::string reference_dir = KOMPRESS_REFERENCE_DIR;
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

constexpr int64_t kPadId = 50283;  // kBaseConfig's pad_token_id
const std::vector<std::string> kOnnxPrecisions = {"fp32", "int8"};

struct Workload {
  std::string name;
  size_t chunks;
  int batch;
  int passes;
};

// The first `n` chunks of the ids file the parent wrote.
std::vector<Chunk> load_chunks(const std::string& path, size_t n) {
  auto all = nlohmann::json::parse(read_file(path)).get<std::vector<Chunk>>();
  all.resize(std::min(all.size(), n));
  return all;
}

// OpenMP's spin-waiting threads steal the cores from each other on a shared or oversubscribed
// machine (2.4x slower here); children sleep at barriers unless the caller chose a policy.
std::string wait_policy() {
  const char* set = std::getenv("OMP_WAIT_POLICY");
  return set && *set ? set : "PASSIVE";
}

// The child, one measurement: argv after --child is
//   ceiling MODEL_DIR PRECISION REPS THREADS                       (the GEMM ceiling)
//   onnxruntime LIBRARY MODEL.onnx PRECISION WORKLOAD BATCH CHUNKS PASSES THREADS IDS
//   MODEL_DIR PRECISION WORKLOAD BATCH CHUNKS PASSES THREADS IDS  (kompress)
void run_child(const std::vector<std::string>& a) {
  if (a.size() == 5 && a[0] == "ceiling") {
    if (std::stoi(a[4]) > 0) omp_set_num_threads(std::stoi(a[4]));
    const ModelInfo info = Model::load(a[1]).info();
    const GemmCeiling c = gemm_ceiling(info, parse_precision(a[2]), kChunkTokens, std::stoi(a[3]));
    std::printf("%s\n", nlohmann::json{{"ceiling", c.tokens_per_s},
                                       {"linear_ceiling", c.linear_tokens_per_s}}
                            .dump()
                            .c_str());
    return;
  }
  const bool onnxruntime = !a.empty() && a[0] == "onnxruntime";
  const size_t w = onnxruntime ? 4 : 2;  // where WORKLOAD is
  if (a.size() != w + 6) throw Error("bench --child: wrong number of values");
  const int batch = std::stoi(a[w + 1]), passes = std::stoi(a[w + 3]),
            threads = std::stoi(a[w + 4]);
  const auto chunks = load_chunks(a[w + 5], std::stoul(a[w + 2]));
  BenchRow row = onnxruntime
                     ? measure_onnxruntime(a[1], a[2], threads, wait_policy() != "PASSIVE", chunks,
                                           batch, passes, kPadId)
                     : measure_model(a[0], parse_precision(a[1]), threads, chunks, batch, passes);
  row.precision = a[w - 1];
  row.workload = a[w];
  std::printf("%s\n", to_json(row).dump().c_str());
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_command(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + quoted(a);
  return cmd;
}

// Runs one measurement in its own process (`env` prefixes it) and parses the JSON line it prints
// last; stderr passes through.
nlohmann::json run_measurement(const std::vector<std::string>& argv, const std::string& env = "") {
  const std::string cmd =
      "OMP_WAIT_POLICY=" + wait_policy() + " " + env + " " + shell_command(argv);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw Error("bench: cannot start " + cmd);
  std::string out;
  char buf[4096];
  while (const size_t got = fread(buf, 1, sizeof buf, pipe)) out.append(buf, got);
  if (pclose(pipe) != 0 || out.find('{') == std::string::npos)
    throw Error("bench: measurement failed: " + cmd);
  return nlohmann::json::parse(out.substr(out.rfind('{')));
}

std::vector<std::string> self_child(std::vector<std::string> values) {
  values.insert(values.begin(), {fs::read_symlink("/proc/self/exe").string(), "bench", "--child"});
  return values;
}

bool python_imports(const std::string& python, const std::string& modules) {
  return std::system((quoted(python) + " -c 'import " + modules + "' >/dev/null 2>&1").c_str()) ==
         0;
}

// One run of `kompress bench`: where things are, and the report the engines add rows to.
struct BenchRun {
  const BenchArgs& args;
  fs::path work;
  fs::path fp32_dir;
  std::string ids_path = {};
  std::vector<Workload> workloads = {};
  BenchReport report = {};

  bool wants(const std::vector<std::string>& list, const std::string& item) const {
    return std::find(list.begin(), list.end(), item) != list.end();
  }
  // WORKLOAD BATCH CHUNKS PASSES THREADS IDS, as every child takes them.
  std::vector<std::string> workload_values(const Workload& w) const {
    return {w.name,
            std::to_string(w.batch),
            std::to_string(w.chunks),
            std::to_string(w.passes),
            std::to_string(report.threads),
            ids_path};
  }
  void skip(const std::string& what, const std::string& why) {
    report.notes.push_back(what + " skipped: " + why);
    std::fprintf(stderr, "kompress bench: %s\n", report.notes.back().c_str());
  }
  // Measures with `argv`, or notes why not (other engines' failures do not stop the run).
  void add_row(const std::vector<std::string>& argv, const std::string& what,
               const std::string& env = "") {
    try {
      report.rows.push_back(row_from_json(run_measurement(argv, env)));
      std::fprintf(stderr, "kompress bench: %s %.0f tokens/s\n", what.c_str(),
                   report.rows.back().tokens_per_s);
    } catch (const std::exception& e) {
      if (what.rfind("kompress", 0) == 0) throw;
      skip(what, e.what());
    }
  }
};

std::vector<std::string> with_prefix(std::vector<std::string> prefix,
                                     const std::vector<std::string>& rest) {
  prefix.insert(prefix.end(), rest.begin(), rest.end());
  return prefix;
}

// {"ceiling", "linear_ceiling"} (GemmCeiling) at precision `p`, in a child.
nlohmann::json measure_ceiling(BenchRun& run, const std::string& p) {
  return run_measurement(self_child({"ceiling", run.fp32_dir.string(), p,
                                     std::to_string(std::max(20, 2 * run.args.passes)),
                                     std::to_string(run.report.threads)}));
}

void add_kompress_rows(BenchRun& run) {
  const bool bf16_ok = kernels::cpu::cpu_features().isa == kernels::cpu::CpuIsa::kAvx512;
  for (const auto& p : run.args.precisions) {
    if (p == "bf16" && !bf16_ok) {
      run.skip("kompress bf16", "oneDNN 2.6 needs AVX-512 for it");
      continue;
    }
    // Quantized precisions load a `kompress quantize` checkpoint: the load a user sees.
    fs::path dir = run.fp32_dir;
    if (p != "fp32") {
      dir = run.work / p;
      if (!fs::exists(dir / "model.safetensors"))
        Model::quantize(run.fp32_dir.string(), dir.string(), parse_precision(p));
    }
    // The ceiling before and after the rows, the higher kept: it is a peak, and a slow spell
    // of the machine during one measurement would put the rows above it.
    nlohmann::json ceiling = measure_ceiling(run, p);
    for (const auto& w : run.workloads) {
      run.add_row(self_child(with_prefix({dir.string(), p}, run.workload_values(w))),
                  "kompress " + p + " " + w.name);
    }
    const nlohmann::json after = measure_ceiling(run, p);
    if (after.at("ceiling").get<double>() > ceiling.at("ceiling").get<double>()) ceiling = after;
    run.report.gemm_ceiling[p] = ceiling.at("ceiling");
    run.report.gemm_ceiling_linear[p] = ceiling.at("linear_ceiling");
  }
}

std::string onnxruntime_library(const BenchArgs& args) {
  if (!args.onnxruntime_lib.empty()) return args.onnxruntime_lib;
  const char* env = std::getenv("KOMPRESS_ONNXRUNTIME_LIB");
  return env && *env ? env : KOMPRESS_ONNXRUNTIME_LIBRARY;
}

// The ONNX export of the fp32 checkpoint (tools/reference/export_onnx.py), made once per seed in
// the work dir; "" with a note when it cannot be made.
fs::path onnx_export(BenchRun& run) {
  const fs::path dir = run.work / ("onnx-" + std::to_string(kSeed));
  if (fs::exists(dir / "kompress-fp32.onnx") && fs::exists(dir / "kompress-int8.onnx")) return dir;
  if (!python_imports(run.args.python, "torch, onnx")) {
    run.skip("onnxruntime", run.args.python +
                                " cannot import torch and onnx to export the model "
                                "(python3-torch, python3-onnx)");
    return {};
  }
  std::fprintf(stderr, "kompress bench: exporting the checkpoint to ONNX in %s\n", dir.c_str());
  const std::string cmd =
      shell_command({run.args.python, run.args.reference_dir + "/export_onnx.py",
                     run.fp32_dir.string(), dir.string()}) +
      " 1>&2";
  if (std::system(cmd.c_str()) != 0) {
    run.skip("onnxruntime", "the ONNX export failed: " + cmd);
    return {};
  }
  return dir;
}

void add_onnxruntime_rows(BenchRun& run) {
  if (const std::string why = onnxruntime_unavailable_reason(); !why.empty())
    return run.skip("onnxruntime", why);
  const std::string library = onnxruntime_library(run.args);
  if (!fs::exists(library)) {
    return run.skip("onnxruntime", "no library at " + library +
                                       " (scripts/install-onnxruntime.sh, or --onnxruntime-lib)");
  }
  const fs::path dir = onnx_export(run);
  if (dir.empty()) return;
  for (const auto& p : kOnnxPrecisions) {
    if (!run.wants(run.args.precisions, p)) continue;
    const std::string model = (dir / ("kompress-" + p + ".onnx")).string();
    for (const auto& w : run.workloads) {
      run.add_row(
          self_child(with_prefix({"onnxruntime", library, model, p}, run.workload_values(w))),
          "onnxruntime " + p + " " + w.name);
    }
  }
}

// PyTorch eager fp32 (tools/reference/bench_pytorch.py): torch's own threads and OpenBLAS's
// both get the thread count.
void add_pytorch_rows(BenchRun& run) {
  if (!run.wants(run.args.precisions, "fp32")) return;
  if (!python_imports(run.args.python, "torch"))
    return run.skip("pytorch", run.args.python + " cannot import torch (python3-torch)");
  const std::string script = run.args.reference_dir + "/bench_pytorch.py";
  const std::string env = "OPENBLAS_NUM_THREADS=" + std::to_string(run.report.threads);
  for (const auto& w : run.workloads) {
    run.add_row(
        with_prefix({run.args.python, script, run.fp32_dir.string()}, run.workload_values(w)),
        "pytorch fp32 " + w.name, env);
  }
}

void run_bench(const BenchArgs& args) {
  if (!args.child.empty()) return run_child(args.child);
  const fs::path work = args.work_dir.empty() ? fs::temp_directory_path() /
                                                    ("kompress-bench-" + std::to_string(getpid()))
                                              : fs::path(args.work_dir);
  BenchRun run{.args = args, .work = work, .fp32_dir = work / "fp32"};
  fs::create_directories(run.fp32_dir);
  if (!fs::exists(run.fp32_dir / "model.safetensors")) {
    std::ofstream(run.fp32_dir / "config.json") << kBaseConfig;
    model::write_random_checkpoint(
        weights::ModelConfig::from_file((run.fp32_dir / "config.json").string()),
        model::CheckpointLayout::kKompressV1, kSeed, (run.fp32_dir / "model.safetensors").string());
  }
  const auto chunks = document_chunks(args, run.report.input);
  run.ids_path = (work / "ids.json").string();
  std::ofstream(run.ids_path) << nlohmann::json(chunks).dump();
  run.report.omp_wait_policy = wait_policy();
  run.report.threads = args.threads > 0 ? args.threads : omp_get_num_procs();
  run.workloads = {{"1x512", 1, 1, 2 * args.passes},
                   {"8x512", 8, 8, args.passes},
                   {"doc" + std::to_string(args.doc_words), chunks.size(), 8, 1}};
  if (run.wants(args.engines, "kompress")) add_kompress_rows(run);
  if (run.wants(args.engines, "onnxruntime")) add_onnxruntime_rows(run);
  if (run.wants(args.engines, "pytorch")) add_pytorch_rows(run);
  if (args.work_dir.empty()) fs::remove_all(work);
  const std::string out = args.json ? to_json(run.report).dump(2) + "\n" : to_table(run.report);
  std::fputs(out.c_str(), stdout);
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Measure tokens/s, latency, RSS and load time of the ModernBERT-base shape");
  auto args = std::make_shared<BenchArgs>();
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  cmd->add_option("--precision", args->precisions, "Precisions to measure (default all)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
  cmd->add_option("--threads", args->threads, "Threads of every engine (default: one per core)");
  cmd->add_option("--passes", args->passes, "Timed passes per workload (1x512 runs twice as many)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--doc-words", args->doc_words, "Words in the document workload")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tokenizer", args->tokenizer, "tokenizer.json for real ids")
      ->check(CLI::ExistingFile);
  cmd->add_option("--text", args->texts, "Text files the document is made of")
      ->check(CLI::ExistingFile);
  cmd->add_option("--work-dir", args->work_dir,
                  "Keep the random checkpoints and ONNX exports here and reuse them (default: a "
                  "temp dir)");
  cmd->add_option("--engine", args->engines, "Engines to measure (default all)")
      ->check(CLI::IsMember({"kompress", "onnxruntime", "pytorch"}));
  cmd->add_option("--onnxruntime-lib", args->onnxruntime_lib,
                  "ONNX Runtime's libonnxruntime.so (default: $KOMPRESS_ONNXRUNTIME_LIB, else the "
                  "one scripts/install-onnxruntime.sh installs)");
  cmd->add_option("--python", args->python,
                  "Python with torch (and onnx, for the export) for the PyTorch and ONNX rows");
  cmd->add_option("--reference-dir", args->reference_dir,
                  "Where export_onnx.py and bench_pytorch.py are (tools/reference)");
  cmd->add_option("--child", args->child)->group("");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace kompress::cli
