// A tiny random Kompress model folder for CLI tests: the golden tiny config (3 layers, hidden
// 64), seeded random weights with the Kompress heads, and the byte-level test tokenizer.
#pragma once

#include <cstdint>
#include <filesystem>

#include "model/random_init.h"
#include "test_paths.h"
#include "weights/model_config.h"

namespace kompress::testing {

inline void write_tiny_model(const std::filesystem::path& dir, uint64_t seed = 7) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const auto config = test_data("golden/tiny_config.json");
  fs::copy_file(config, dir / "config.json", fs::copy_options::overwrite_existing);
  fs::copy_file(test_data("compress/byte_tokenizer.json"), dir / "tokenizer.json",
                fs::copy_options::overwrite_existing);
  model::write_random_checkpoint(weights::ModelConfig::from_file(config.string()),
                                 model::CheckpointLayout::kKompressV1, seed,
                                 (dir / "model.safetensors").string());
}

}  // namespace kompress::testing
