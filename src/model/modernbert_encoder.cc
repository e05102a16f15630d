#include "model/modernbert_encoder.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/activations.h"
#include "kernels/cpu/attention.h"
#include "kernels/cpu/norm.h"

namespace kompress::model {

using kernels::cpu::layer_norm;

ModernBertEncoder::ModernBertEncoder(const weights::ModelConfig& config, WeightStore& store,
                                     const std::string& prefix,
                                     kernels::LinearPrecision precision)
    : config_(config),
      rope_global_(config.global_rope_theta, config.head_dim(), config.max_position_embeddings),
      rope_local_(config.local_rope_theta, config.head_dim(), config.max_position_embeddings) {
  const int64_t h = config.hidden_size;
  const int64_t inter = config.intermediate_size;
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    return kernels::make_linear(precision, store.f32(prefix + name), out, in);
  };
  tok_embeddings_ = store.f32(prefix + "embeddings.tok_embeddings.weight");
  embeddings_norm_ = store.f32(prefix + "embeddings.norm.weight");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const std::string l = "layers." + std::to_string(i) + ".";
    Layer layer;
    if (i != 0) layer.attn_norm = store.f32(prefix + l + "attn_norm.weight");
    layer.wqkv = linear(l + "attn.Wqkv.weight", 3 * h, h);
    layer.attn_out = linear(l + "attn.Wo.weight", h, h);
    layer.mlp_norm = store.f32(prefix + l + "mlp_norm.weight");
    layer.wi = linear(l + "mlp.Wi.weight", 2 * inter, h);
    layer.mlp_out = linear(l + "mlp.Wo.weight", h, inter);
    layer.global = config.layer_is_global[static_cast<size_t>(i)];
    layers_.push_back(std::move(layer));
  }
  final_norm_ = store.f32(prefix + "final_norm.weight");
}

void ModernBertEncoder::embed(std::span<const int32_t> ids, float* h) const {
  const int64_t dim = config_.hidden_size;
  for (size_t t = 0; t < ids.size(); ++t) {
    std::memcpy(h + static_cast<int64_t>(t) * dim, tok_embeddings_ + ids[t] * dim,
                static_cast<size_t>(dim) * sizeof(float));
  }
  layer_norm(h, static_cast<int64_t>(ids.size()), dim, embeddings_norm_, config_.norm_eps, h);
}

void ModernBertEncoder::run_layer(const Layer& layer, std::span<const int64_t> seq_starts,
                                  int64_t tokens, float* h) const {
  const int64_t dim = config_.hidden_size;
  const int64_t inter = config_.intermediate_size;
  std::vector<float> normed(static_cast<size_t>(tokens * dim));
  std::vector<float> qkv(static_cast<size_t>(tokens * 3 * dim));
  std::vector<float> context(static_cast<size_t>(tokens * dim));

  // Attention block: h += Wo(attention(Wqkv(attn_norm(h)))).
  const float* attn_in = h;
  if (layer.attn_norm) {
    layer_norm(h, tokens, dim, layer.attn_norm, config_.norm_eps, normed.data());
    attn_in = normed.data();
  }
  layer.wqkv->forward(attn_in, tokens, qkv.data());
  const kernels::cpu::AttentionShape shape{config_.num_heads, config_.head_dim(),
                                           layer.global ? -1 : config_.local_window_half};
  kernels::cpu::attention(qkv.data(), seq_starts, shape, layer.global ? rope_global_ : rope_local_,
                          context.data());
  layer.attn_out->forward(context.data(), tokens, h, /*accumulate=*/true);

  // MLP block: h += Wo(gelu(input) * gate), [input | gate] = Wi(mlp_norm(h)).
  layer_norm(h, tokens, dim, layer.mlp_norm, config_.norm_eps, normed.data());
  std::vector<float> wi_out(static_cast<size_t>(tokens * 2 * inter));
  layer.wi->forward(normed.data(), tokens, wi_out.data());
  std::vector<float> gated(static_cast<size_t>(tokens * inter));
  kernels::cpu::geglu(wi_out.data(), tokens, inter, gated.data());
  layer.mlp_out->forward(gated.data(), tokens, h, /*accumulate=*/true);
}

void ModernBertEncoder::forward(std::span<const int32_t> ids, std::span<const int64_t> seq_starts,
                                std::vector<float>& hidden) const {
  const int64_t tokens = static_cast<int64_t>(ids.size());
  hidden.assign(static_cast<size_t>(tokens * config_.hidden_size), 0.0f);
  embed(ids, hidden.data());
  for (const Layer& layer : layers_) run_layer(layer, seq_starts, tokens, hidden.data());
  layer_norm(hidden.data(), tokens, config_.hidden_size, final_norm_, config_.norm_eps,
             hidden.data());
}

}  // namespace kompress::model
