// Which model `kompress compress` and `kompress scores` load: --model, else $KOMPRESS_MODEL,
// else the embedded default kompress-mini (the installed data folder, then the source tree).
// A value is a model folder, or a Hugging Face repository "ORG/NAME[@REVISION]" when no folder
// has that name; a hub model comes from the hub cache (hub_model.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kompress/hub.h"

namespace kompress::cli {

// Files a model folder must hold.
inline constexpr const char* kModelFiles[] = {"config.json", "model.safetensors", "tokenizer.json"};

struct ModelLocation {
  std::string dir;        // the model folder; a hub model's snapshot folder
  std::string origin;     // "--model", "KOMPRESS_MODEL" or "default model"
  std::string config;     // config.json
  std::string weights;    // model.safetensors
  std::string tokenizer;  // tokenizer.json (ModernBERT-base's for a hub model without one)
  std::string repo;       // "ORG/NAME[@REVISION]" for a hub model, else empty
};

// Where the default model is looked for, in order: the data folder relative to the running
// binary (PREFIX/bin/../share/kompress/models/kompress-mini), the configured install prefix's,
// the source tree's.
std::vector<std::string> default_model_dirs();

// The model to load. `flag` is the --model value (empty when not given); `defaults` are the
// places of the default model. A hub model missing from the cache is downloaded, with progress
// on stderr, unless offline (HF_HUB_OFFLINE=1). Throws kompress::Error naming the value, where
// it came from and the problem (a missing file, a hub error); when no model is given and the
// default is absent, the message says how to get one.
ModelLocation locate_model(const std::string& flag,
                           const std::vector<std::string>& defaults = default_model_dirs());

// For a server that must not block on the network: the model when it can be loaded now; nullopt
// while a hub model is not in the cache (fetch_model it on a background thread meanwhile). Reads
// the disk only. Throws as locate_model for a bad folder.
std::optional<ModelLocation> locate_cached_model(
    const std::string& flag, const std::vector<std::string>& defaults = default_model_dirs());

// Downloads a hub model into the cache and locates it; blocks for the whole transfer, reporting
// to `progress`. A folder is located as by locate_model. Throws kompress::Error (offline and not
// in the cache, network and HTTP errors, with the hub's message).
ModelLocation fetch_model(const std::string& flag, const hub::ProgressFn& progress = {},
                          const std::vector<std::string>& defaults = default_model_dirs());

// The model's name in results (Result::model_used): the repository of a hub model, else the
// folder's name.
std::string model_name(const ModelLocation& location);

}  // namespace kompress::cli
