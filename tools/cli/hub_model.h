// Kompress models named by a Hugging Face repository, "ORG/NAME" or "ORG/NAME@REVISION". The
// weights (model.safetensors) come from the repository, and config.json and tokenizer.json too
// when it has them; otherwise they come from answerdotai/ModernBERT-base, the encoder that every
// Kompress model is built on (the Kompress repositories ship weights only: spec §1).
#pragma once

#include <optional>
#include <string>

#include "kompress/hub.h"

namespace kompress::cli {

inline constexpr const char* kBaseModelRepo = "answerdotai/ModernBERT-base";

struct HubModel {
  std::string repo;
  std::string revision = "main";
};

// nullopt unless `value` is "ORG/NAME" or "ORG/NAME@REVISION" (see hub::is_repo_id).
std::optional<HubModel> parse_hub_model(const std::string& value);
// "ORG/NAME", with "@REVISION" unless it is main.
std::string to_string(const HubModel& model);

struct HubModelFiles {
  std::string snapshot;   // the repository's snapshot folder
  std::string config;     // config.json
  std::string weights;    // model.safetensors
  std::string tokenizer;  // tokenizer.json
};

// From the cache only, never the network: nullopt unless every file is there.
std::optional<HubModelFiles> find_hub_model(const HubModel& model, const hub::Options& options);

// Puts the model's files into the cache and returns them: lists the repository, downloads what
// the cache lacks of its weights, config.json and tokenizer.json, and ModernBERT-base's for those
// it does not have. Offline it answers from the cache or throws, saying to run kompress pull.
// `options.revision` is ignored: the model's revision is used.
HubModelFiles pull_hub_model(const HubModel& model, const hub::Options& options);

}  // namespace kompress::cli
