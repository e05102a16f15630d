// `--precision fp32|bf16|int8`, shared by the subcommands that load or write a model.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "kompress/model.h"

namespace kompress::cli {

// Adds `--precision` to `cmd`, storing the choice in `*value`; `allowed` lists the accepted
// names (all three by default).
CLI::Option* add_precision_option(CLI::App& cmd, std::string& value, const std::string& help,
                                  std::vector<std::string> allowed = {"fp32", "bf16", "int8"});

// "fp32" -> Precision::kFp32, ...; the option's check already rejected other names.
Precision parse_precision(const std::string& name);

// Adds `--precision` for a command that loads a model to score with: empty (the default) keeps
// the checkpoint's own precision.
void add_load_precision_option(CLI::App& cmd, std::string& value);

// The load options for a --precision value of add_load_precision_option ("" -> unset).
LoadOptions load_options(const std::string& precision);

}  // namespace kompress::cli
