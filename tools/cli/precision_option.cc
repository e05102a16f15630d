#include "cli/precision_option.h"

#include "kompress/error.h"

namespace kompress::cli {

CLI::Option* add_precision_option(CLI::App& cmd, std::string& value, const std::string& help,
                                  std::vector<std::string> allowed) {
  return cmd.add_option("--precision", value, help)->check(CLI::IsMember(std::move(allowed)));
}

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  if (name == "int8") return Precision::kInt8;
  throw Error("unknown precision '" + name + "' (expected fp32, bf16 or int8)");
}

void add_load_precision_option(CLI::App& cmd, std::string& value) {
  add_precision_option(cmd, value,
                       "Precision of the linear layers: fp32, bf16 (AVX-512 only) or int8 "
                       "(default: the checkpoint's own, fp32 for a plain one, which is then "
                       "quantized at load)");
}

LoadOptions load_options(const std::string& precision) {
  LoadOptions options;
  if (!precision.empty()) options.precision = parse_precision(precision);
  return options;
}

}  // namespace kompress::cli
