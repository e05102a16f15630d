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

}  // namespace kompress::cli
