#include "model/random_init.h"

#include <algorithm>
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

// Element k's stream of 64-bit draws: draw n of it is mix64(base + (k + 1 + n * 2^40) * gamma),
// so draw 0 is the one kUnitGain has always used and later draws (rejections) stay distinct for
// tensors of up to 2^40 elements.
class Draws {
 public:
  Draws(std::string_view name, uint64_t seed) : base_(fnv1a64(name) ^ mix64(seed)) {}
  uint64_t operator()(uint64_t k, uint64_t n) const {
    return mix64(base_ + (k + 1 + (n << 40)) * 0x9E3779B97F4A7C15ULL);
  }
  // In [-1, 1), exact in double (the top 24 bits).
  static double symmetric(uint64_t r) {
    return 2.0 * (static_cast<double>(r >> 40) / 16777216.0) - 1.0;
  }
  // In (0, 1] (the top 53 bits).
  static double positive(uint64_t r) {
    return static_cast<double>((r >> 11) + 1) / 9007199254740992.0;
  }

 private:
  uint64_t base_;
};

// center + scale * v, v uniform in [-1, 1).
struct Uniform {
  double center;
  double scale;
};

Uniform unit_gain_uniform(const ExpectedTensor& t, int64_t numel) {
  const double fan_in = static_cast<double>(numel / t.shape[0]);
  if (ends_with(t.name, "norm.weight")) return {1.0, 0.2};
  if (ends_with(t.name, ".bias")) return {0.0, 0.1};
  if (ends_with(t.name, "embeddings.tok_embeddings.weight")) return {0.0, 1.0};
  if (t.name == "token_head.weight") return {0.0, std::sqrt(6.0 / fan_in)};
  return {0.0, std::sqrt(3.0 / fan_in)};
}

// A ModernBERT-initialized tensor: a truncated normal of `std`, or a uniform (norms, biases and
// the span convolutions, which transformers' _init_weights does not reach).
struct ModernBertDraw {
  double std = 0.0;
  Uniform uniform{};
};

// PyTorch bounds a Conv1d's weights and biases alike by 1/sqrt of the weights' fan-in.
double span_conv_fan_in(std::string_view name, const weights::ModelConfig& config) {
  const bool first = name.starts_with("span_conv.0.");
  return static_cast<double>(first ? config.hidden_size * kSpanKernel0
                                   : kSpanChannels * kSpanKernel1);
}

ModernBertDraw modernbert_draw(const ExpectedTensor& t, const weights::ModelConfig& config) {
  if (ends_with(t.name, "norm.weight")) return {.uniform = {1.0, 0.0}};
  if (t.name == "token_head.bias") return {.uniform = {0.0, 0.0}};
  if (t.name.starts_with("span_conv.")) {
    return {.uniform = {0.0, 1.0 / std::sqrt(span_conv_fan_in(t.name, config))}};
  }
  if (t.name == "token_head.weight") {
    return {.std = 1.0 / std::sqrt(static_cast<double>(config.hidden_size))};
  }
  if (ends_with(t.name, "Wo.weight")) {
    return {.std =
                config.initializer_range / std::sqrt(2.0 * static_cast<double>(config.num_layers))};
  }
  return {.std = config.initializer_range};  // token embeddings, Wqkv, Wi
}

// A standard normal cut at +-cutoff: Box-Muller on draws 2n + 1 and 2n + 2 of element k until
// one lands inside (at a cutoff of 2, 95% of first tries do); clamped after 64 tries, which only
// a cutoff near 0 ever reaches.
double truncated_normal(const Draws& draws, uint64_t k, double cutoff) {
  constexpr double kTwoPi = 6.283185307179586;
  double z = 0.0;
  for (uint64_t n = 0; n < 64; ++n) {
    const double radius = std::sqrt(-2.0 * std::log(Draws::positive(draws(k, 2 * n + 1))));
    z = radius * std::cos(kTwoPi * Draws::positive(draws(k, 2 * n + 2)));
    if (std::abs(z) <= cutoff) return z;
  }
  return std::clamp(z, -cutoff, cutoff);
}

int64_t element_count(const ExpectedTensor& tensor) {
  int64_t numel = 1;
  for (const int64_t d : tensor.shape) numel *= d;
  return numel;
}

// Multiply, round, add, round: this file is built with -ffp-contract=off so that no fused
// multiply-add changes the bits numpy produces.
std::vector<float> uniform_tensor(const Draws& draws, int64_t numel, Uniform u) {
  std::vector<float> out(static_cast<size_t>(numel));
  for (uint64_t k = 0; k < out.size(); ++k) {
    out[k] = static_cast<float>(u.center + u.scale * Draws::symmetric(draws(k, 0)));
  }
  return out;
}

std::vector<float> modernbert_tensor(const ExpectedTensor& t, const Draws& draws, int64_t numel,
                                     const weights::ModelConfig& config) {
  const ModernBertDraw d = modernbert_draw(t, config);
  if (d.std == 0.0) return uniform_tensor(draws, numel, d.uniform);
  std::vector<float> out(static_cast<size_t>(numel));
  for (uint64_t k = 0; k < out.size(); ++k) {
    out[k] =
        static_cast<float>(d.std * truncated_normal(draws, k, config.initializer_cutoff_factor));
  }
  return out;
}

}  // namespace

std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed, RandomInit init,
                                 const weights::ModelConfig& config) {
  const int64_t numel = element_count(tensor);
  const Draws draws(tensor.name, seed);
  if (init == RandomInit::kModernBert) return modernbert_tensor(tensor, draws, numel, config);
  return uniform_tensor(draws, numel, unit_gain_uniform(tensor, numel));
}

std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed) {
  return random_tensor(tensor, seed, RandomInit::kUnitGain, {});
}

void write_random_checkpoint(const weights::ModelConfig& config, CheckpointLayout layout,
                             uint64_t seed, const std::string& path, RandomInit init) {
  const auto expected = expected_tensors(config, layout);
  std::vector<std::vector<float>> values;
  values.reserve(expected.size());
  std::vector<weights::TensorData> tensors;
  for (const auto& t : expected) {
    values.push_back(random_tensor(t, seed, init, config));
    tensors.push_back({t.name, weights::DType::kF32, t.shape,
                       std::as_bytes(std::span<const float>(values.back()))});
  }
  weights::write_safetensors(path, tensors, {{"kompress_random_seed", std::to_string(seed)}});
}

}  // namespace kompress::model
