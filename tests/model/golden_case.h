// Golden cases written by tools/reference/make_model_goldens.py: a config, a seed for
// model/random_init, and per sequence the ids and the reference's outputs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "weights/safetensors.h"

namespace kompress::testing {

struct GoldenSequence {
  std::vector<int32_t> ids;
  std::vector<float> hidden;
  std::vector<float> p_keep;
  std::vector<float> span;
  std::vector<float> final_scores;
};

struct GoldenCase {
  uint64_t seed = 0;
  std::vector<GoldenSequence> sequences;
};

GoldenCase read_golden(const std::filesystem::path& path);

// Largest |a[i] - b[i]|; a gtest failure when the sizes differ.
double max_abs_diff(std::span<const float> a, std::span<const float> b);

}  // namespace kompress::testing
