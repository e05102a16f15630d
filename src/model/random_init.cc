#include "model/random_init.h"

#include <cmath>
#include <span>
#include <string_view>

#include "weights/safetensors.h"

namespace kompress::model {
namespace {

uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Distribution {
  double center;
  double scale;
};

Distribution distribution_for(const ExpectedTensor& t, int64_t numel) {
  const double fan_in = static_cast<double>(numel / t.shape[0]);
  if (ends_with(t.name, "norm.weight")) return {1.0, 0.2};
  if (ends_with(t.name, ".bias")) return {0.0, 0.1};
  if (ends_with(t.name, "embeddings.tok_embeddings.weight")) return {0.0, 1.0};
  if (t.name == "token_head.weight") return {0.0, std::sqrt(6.0 / fan_in)};
  return {0.0, std::sqrt(3.0 / fan_in)};
}

}  // namespace

std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed) {
  int64_t numel = 1;
  for (const int64_t d : tensor.shape) numel *= d;
  const Distribution dist = distribution_for(tensor, numel);
  const uint64_t base = fnv1a64(tensor.name) ^ mix64(seed);
  std::vector<float> out(static_cast<size_t>(numel));
  for (uint64_t k = 0; k < out.size(); ++k) {
    const uint64_t r = mix64(base + (k + 1) * 0x9E3779B97F4A7C15ULL);
    const double v = 2.0 * (static_cast<double>(r >> 40) / 16777216.0) - 1.0;
    // Multiply, round, add, round: this file is built with -ffp-contract=off so that no
    // fused multiply-add changes the bits numpy produces.
    out[k] = static_cast<float>(dist.center + dist.scale * v);
  }
  return out;
}

void write_random_checkpoint(const weights::ModelConfig& config, CheckpointLayout layout,
                             uint64_t seed, const std::string& path) {
  const auto expected = expected_tensors(config, layout);
  std::vector<std::vector<float>> values;
  values.reserve(expected.size());
  std::vector<weights::TensorData> tensors;
  for (const auto& t : expected) {
    values.push_back(random_tensor(t, seed));
    tensors.push_back({t.name, weights::DType::kF32, t.shape,
                       std::as_bytes(std::span<const float>(values.back()))});
  }
  weights::write_safetensors(path, tensors, {{"kompress_random_seed", std::to_string(seed)}});
}

}  // namespace kompress::model
