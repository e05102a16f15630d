// Which model `kompress compress` and `kompress scores` load: --model DIR, else $KOMPRESS_MODEL,
// else the embedded default kompress-mini (the installed data folder, then the source tree).
#pragma once

#include <string>
#include <vector>

namespace kompress::cli {

// Files a model folder must hold.
inline constexpr const char* kModelFiles[] = {"config.json", "model.safetensors", "tokenizer.json"};

struct ModelLocation {
  std::string dir;
  std::string origin;  // "--model", "KOMPRESS_MODEL" or "default model"
};

// Where the default model is looked for, in order: the data folder relative to the running
// binary (PREFIX/bin/../share/kompress/models/kompress-mini), the configured install prefix's,
// the source tree's.
std::vector<std::string> default_model_dirs();

// The model folder to load. `flag` is the --model value (empty when not given); `defaults` are
// the places of the default model. Throws kompress::Error naming the folder, where it came from
// and the missing file; when no model is given and the default is absent, the message says how
// to get one.
ModelLocation locate_model(const std::string& flag,
                           const std::vector<std::string>& defaults = default_model_dirs());

// The model's name in results (Result::model_used): the folder's name.
std::string model_name(const ModelLocation& location);

}  // namespace kompress::cli
