// Deterministic random Kompress checkpoints from a seed, for tests and benchmarks at the real
// model shape without committing hundreds of MB. Two ways to draw the values (RandomInit).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/layout.h"
#include "weights/model_config.h"

namespace kompress::model {

enum class RandomInit {
  // Uniform values of variance 1/fan_in in every matrix, norm weights 1 +- 0.2, token embeddings
  // in [-1, 1): every residual block adds as much as it is given, so a perturbation (rounding,
  // quantization) grows through the layers; a harsher case than trained weights. The golden
  // files, the ONNX and PyTorch side-by-side benchmarks use it, and
  // tools/reference/random_weights.py implements it bit for bit:
  //   base = fnv1a64(name) ^ mix64(seed)
  //   r_k  = mix64(base + (k + 1) * 0x9E3779B97F4A7C15)      (mod 2^64, k row-major)
  //   v_k  = 2 * (r_k >> 40) / 2^24 - 1                      in [-1, 1), exact in double
  //   w_k  = float(center + scale * v_k)                     computed in double
  // center/scale: "*norm.weight" 1/0.2, "*.bias" 0/0.1, token embeddings 0/1,
  // token_head.weight 0/sqrt(6/fan_in), others 0/sqrt(3/fan_in); fan_in = numel / shape[0].
  kUnitGain,
  // ModernBERT's own initialization from its config, as transformers' _init_weights draws it:
  // normal values of standard deviation `initializer_range` cut at +-initializer_cutoff_factor of
  // it for the token embeddings, Wqkv and Wi; that divided by sqrt(2 * num_layers) for the
  // residual outputs attn.Wo and mlp.Wo; norm weights 1. The heads as a transformers token
  // classifier (token_head: hidden_size^-0.5, bias 0) and PyTorch's Conv1d default (span_conv:
  // uniform within +-1/sqrt(fan_in), biases too). Same hash stream as kUnitGain, normals by
  // Box-Muller with rejection beyond the cutoff; no bit-exact Python twin.
  kModernBert,
};

// The values of one tensor of the layout for `config` (kUnitGain needs only the shape).
std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed, RandomInit init,
                                 const weights::ModelConfig& config);
std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed);  // kUnitGain

// Writes `path` (safetensors, F32) with every tensor of `layout` for `config`.
void write_random_checkpoint(const weights::ModelConfig& config, CheckpointLayout layout,
                             uint64_t seed, const std::string& path,
                             RandomInit init = RandomInit::kUnitGain);

}  // namespace kompress::model
