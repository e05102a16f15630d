// `kompress quantize IN_DIR OUT_DIR --precision int8|bf16`: writes a checkpoint with the linear
// layers packed for this CPU (docs/quantized-checkpoints.md); loading it maps them in place.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/precision_option.h"
#include "kompress/model.h"

namespace kompress::cli {
namespace {

struct QuantizeArgs {
  std::string in_dir;
  std::string out_dir;
  std::string precision = "int8";
};

void run_quantize(const QuantizeArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  Model::quantize(args.in_dir, args.out_dir, parse_precision(args.precision));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto bytes = [](const std::string& dir) {
    return static_cast<double>(
               std::filesystem::file_size(std::filesystem::path(dir) / "model.safetensors")) /
           1e6;
  };
  std::fprintf(stderr,
               "kompress: wrote %s/model.safetensors (%s, %.1f MB from %.1f MB) in %.1f s\n",
               args.out_dir.c_str(), args.precision.c_str(), bytes(args.out_dir),
               bytes(args.in_dir), seconds);
}

}  // namespace

void add_quantize_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "quantize", "Write a copy of a model with its linear layers packed as int8 or bf16");
  auto args = std::make_shared<QuantizeArgs>();
  cmd->add_option("in_dir", args->in_dir, "Model directory (config.json, model.safetensors)")
      ->required();
  cmd->add_option("out_dir", args->out_dir, "Directory to write")->required();
  add_precision_option(*cmd, args->precision, "int8 (default) or bf16 (needs AVX-512)",
                       {"int8", "bf16"});
  cmd->callback([args] { run_quantize(*args); });
}

}  // namespace kompress::cli
