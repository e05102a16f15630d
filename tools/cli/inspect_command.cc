// `kompress inspect DIR`: loads a model directory and prints what it holds. Loading runs every
// check, so this is also the way to validate a downloaded or exported model.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/precision_option.h"
#include "kompress/model.h"

namespace kompress::cli {
namespace {

std::string layer_pattern(const ModelInfo& info) {
  std::string out;
  for (const bool global : info.layer_is_global) out += global ? 'G' : 'l';
  return out;
}

void run_inspect(const std::string& dir, const std::string& precision) {
  const Model model = Model::load(dir, load_options(precision));
  const ModelInfo& i = model.info();
  std::printf("layout        %s%s\n", i.layout.c_str(),
              model.has_heads() ? " (encoder + token head + span head)" : " (encoder only)");
  std::printf("layers        %lld (%s: G global, l local +-%lld)\n",
              static_cast<long long>(i.num_layers), layer_pattern(i).c_str(),
              static_cast<long long>(i.local_window));
  std::printf("hidden        %lld, %lld heads, MLP %lld\n", static_cast<long long>(i.hidden_size),
              static_cast<long long>(i.num_heads), static_cast<long long>(i.intermediate_size));
  std::printf("vocabulary    %lld\n", static_cast<long long>(i.vocab_size));
  std::printf("max tokens    %lld\n", static_cast<long long>(i.max_tokens));
  std::printf("precision     %s (%s kernels)\n", i.precision.c_str(), i.cpu.c_str());
  std::printf("attention     %s\n", i.attention.c_str());
  std::printf("parameters    %lld (%.1f MB of weights)\n", static_cast<long long>(i.parameters),
              static_cast<double>(i.weight_bytes) / 1e6);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Load a model directory, check it, and describe it");
  auto dir = std::make_shared<std::string>();
  auto precision = std::make_shared<std::string>();
  cmd->add_option("dir", *dir, "Directory with config.json and model.safetensors")->required();
  add_load_precision_option(*cmd, *precision);
  cmd->callback([dir, precision] { run_inspect(*dir, *precision); });
}

}  // namespace kompress::cli
