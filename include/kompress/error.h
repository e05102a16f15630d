// kompress/error.h: the one exception type of the public API.
#pragma once

#include <stdexcept>
#include <string>

namespace kompress {

// Thrown for bad input, malformed model files and unsupported configurations. The message is
// one line that names the file (when there is one) and the problem, e.g.
//   "model.safetensors: tensor 'encoder.final_norm.weight': data end 4100 past file size 4096".
// Never thrown for programming errors inside kompress; those are bugs.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace kompress
