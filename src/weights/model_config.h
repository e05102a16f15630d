// ModernBERT config.json, in both spellings found on the hub.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kompress::weights {

struct ModelConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;  // MLP width after the GeGLU split (Wi has 2x this many rows)
  double norm_eps = 1e-5;
  // Sliding window of local layers: a query sees keys with |i - j| <= local_window_half.
  // config.json's `local_attention` is the full window (128 -> 64).
  int64_t local_window_half = 64;
  double global_rope_theta = 160000.0;
  double local_rope_theta = 10000.0;
  std::vector<bool> layer_is_global;  // one per layer
  int64_t max_position_embeddings = 8192;
  int64_t pad_token_id = -1;
  // How transformers draws random weights for this config (ModernBertPreTrainedModel's
  // _init_weights): normal of this standard deviation cut at +-cutoff_factor of it. Inference
  // ignores them; random test models use them (model/random_init.h).
  double initializer_range = 0.02;
  double initializer_cutoff_factor = 2.0;

  int64_t head_dim() const { return hidden_size / num_heads; }
  bool operator==(const ModelConfig&) const = default;

  // Parses config.json text. Accepts the legacy spelling (global_attn_every_n_layers,
  // global_rope_theta, local_rope_theta) and the newer one (layer_types, rope_parameters),
  // norm_eps or layer_norm_eps. Rejects, with a kompress::Error naming `origin` and the key,
  // missing or non-finite values, inconsistent sizes, and features kompress does not implement
  // (biases in the encoder, an activation other than gelu, RoPE scaling). Errors read
  // "<origin>: '<key>': <problem>". When both spellings are present the newer one wins, as in
  // transformers. Unlike transformers, the RoPE thetas have no silent defaults: a config must
  // state them in one spelling or the other.
  static ModelConfig from_json(std::string_view json, std::string_view origin);
  // Reads and parses `path`; errors name the file.
  static ModelConfig from_file(const std::string& path);
};

}  // namespace kompress::weights
