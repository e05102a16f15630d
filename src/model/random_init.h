// Deterministic random Kompress checkpoints from a seed, for tests and benchmarks at the real
// model shape without committing hundreds of MB. tools/reference/random_weights.py implements
// the same formula bit for bit:
//   base = fnv1a64(name) ^ mix64(seed)
//   r_k  = mix64(base + (k + 1) * 0x9E3779B97F4A7C15)      (mod 2^64, k row-major)
//   v_k  = 2 * (r_k >> 40) / 2^24 - 1                      in [-1, 1), exact in double
//   w_k  = float(center + scale * v_k)                     computed in double
// center/scale: "*norm.weight" 1/0.2, "*.bias" 0/0.1, token embeddings 0/1,
// token_head.weight 0/sqrt(6/fan_in), others 0/sqrt(3/fan_in); fan_in = numel / shape[0].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/layout.h"
#include "weights/model_config.h"

namespace kompress::model {

// The values of one tensor of the layout.
std::vector<float> random_tensor(const ExpectedTensor& tensor, uint64_t seed);

// Writes `path` (safetensors, F32) with every tensor of `layout` for `config`.
void write_random_checkpoint(const weights::ModelConfig& config, CheckpointLayout layout,
                             uint64_t seed, const std::string& path);

}  // namespace kompress::model
