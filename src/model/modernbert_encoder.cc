#include "model/modernbert_encoder.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/norm.h"
#include "model/workspace.h"

namespace kompress::model {

using kernels::LinearInput;
using kernels::cpu::layer_norm;

namespace {

kernels::cpu::AttentionProducts attention_products_for(kernels::LinearPrecision precision) {
  using kernels::cpu::AttentionProducts;
  switch (precision) {
    case kernels::LinearPrecision::kInt8:
      return AttentionProducts::kInt8;
    case kernels::LinearPrecision::kBf16:
      return AttentionProducts::kBf16;
    case kernels::LinearPrecision::kFp32:
      break;
  }
  return AttentionProducts::kFp32;
}

}  // namespace

ModernBertEncoder::ModernBertEncoder(const weights::ModelConfig& config, WeightStore& store,
                                     const std::string& prefix, const LinearLoader& linears)
    : config_(config),
      rope_global_(config.global_rope_theta, config.head_dim(), config.max_position_embeddings),
      rope_local_(config.local_rope_theta, config.head_dim(), config.max_position_embeddings),
      attention_products_(attention_products_for(linears.precision())) {
  const int64_t h = config.hidden_size;
  const int64_t inter = config.intermediate_size;
  tok_embeddings_ = store.f32(prefix + "embeddings.tok_embeddings.weight");
  embeddings_norm_ = store.f32(prefix + "embeddings.norm.weight");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const std::string l = prefix + "layers." + std::to_string(i) + ".";
    Layer layer;
    if (i != 0) layer.attn_norm = store.f32(l + "attn_norm.weight");
    layer.wqkv = linears.load(l + "attn.Wqkv.weight", 3 * h, h);
    layer.attn_out = linears.load(l + "attn.Wo.weight", h, h);
    layer.mlp_norm = store.f32(l + "mlp_norm.weight");
    layer.wi = linears.load(l + "mlp.Wi.weight", 2 * inter, h);
    layer.mlp_out = linears.load(l + "mlp.Wo.weight", h, inter);
    layer.global = config.layer_is_global[static_cast<size_t>(i)];
    layers_.push_back(std::move(layer));
  }
  final_norm_ = store.f32(prefix + "final_norm.weight");
}

size_t ModernBertEncoder::Plan::total() const {
  return scratch_rounded(wide) + scratch_rounded(context) + scratch_rounded(attn) +
         scratch_rounded(linear);
}

ModernBertEncoder::Plan ModernBertEncoder::plan(std::span<const int64_t> seq_starts) const {
  // Buffers a linear layer reads or writes hold its padded rows.
  const auto t = static_cast<size_t>(kernels::linear_rows(seq_starts.back()));
  const auto h = static_cast<size_t>(config_.hidden_size);
  const auto inter = static_cast<size_t>(config_.intermediate_size);
  const kernels::cpu::AttentionShape shape{config_.num_heads, config_.head_dim(), -1};
  const auto attn_floats = static_cast<size_t>(kernels::cpu::attention_scratch_floats(
      shape, seq_starts.back(), kernels::cpu::longest_sequence(seq_starts), omp_get_max_threads()));
  Plan p{};
  p.wide = t * std::max(3 * h, 2 * inter) * sizeof(float);
  p.context = t * h * sizeof(float);
  p.attn = attn_floats * sizeof(float);
  // Every layer has the same shapes, so the first one's needs are every layer's.
  const Layer& l = layers_.front();
  const auto rows = seq_starts.back();
  using Op = LinearInput::Op;
  p.linear = std::max({l.wqkv->scratch_bytes(rows, false, Op::kLayerNorm),
                       l.attn_out->scratch_bytes(rows, true),
                       l.wi->scratch_bytes(rows, false, Op::kLayerNorm),
                       l.mlp_out->scratch_bytes(rows, true, Op::kGeglu)});
  return p;
}

size_t ModernBertEncoder::scratch_bytes(std::span<const int64_t> seq_starts) const {
  return plan(seq_starts).total();
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
                                  int64_t tokens, float* h, const Buffers& b) const {
  // Attention block: h += Wo(attention(Wqkv(attn_norm(h)))). The norms and the GeGLU are the
  // input functions of the linear layers that read them (int8 fuses them into quantising).
  const float eps = static_cast<float>(config_.norm_eps);
  const LinearInput attn_in =
      layer.attn_norm ? LinearInput::layer_norm(h, layer.attn_norm, eps) : LinearInput::rows(h);
  layer.wqkv->forward(attn_in, tokens, b.wide, false, b.linear);
  const kernels::cpu::AttentionShape shape{config_.num_heads, config_.head_dim(),
                                           layer.global ? -1 : config_.local_window_half,
                                           attention_products_};
  kernels::cpu::attention(
      b.wide, seq_starts, shape, layer.global ? rope_global_ : rope_local_,
      {reinterpret_cast<float*>(b.attn_scratch.data()), b.attn_scratch.size() / sizeof(float)},
      b.context);
  layer.attn_out->forward(b.context, tokens, h, /*accumulate=*/true, b.linear);

  // MLP block: h += Wo(gelu(input) * gate), [input | gate] = Wi(mlp_norm(h)).
  layer.wi->forward(LinearInput::layer_norm(h, layer.mlp_norm, eps), tokens, b.wide, false,
                    b.linear);
  layer.mlp_out->forward(LinearInput::geglu(b.wide), tokens, h, /*accumulate=*/true, b.linear);
}

void ModernBertEncoder::forward(std::span<const int32_t> ids, std::span<const int64_t> seq_starts,
                                float* hidden, std::span<std::byte> scratch) const {
  const int64_t tokens = static_cast<int64_t>(ids.size());
  const Plan p = plan(seq_starts);
  Carver carver(scratch);
  Buffers b{};
  b.wide = reinterpret_cast<float*>(carver.take_bytes(p.wide).data());
  b.context = reinterpret_cast<float*>(carver.take_bytes(p.context).data());
  b.attn_scratch = carver.take_bytes(p.attn);
  b.linear = carver.take_bytes(p.linear);
  embed(ids, hidden);
  for (const Layer& layer : layers_) run_layer(layer, seq_starts, tokens, hidden, b);
  layer_norm(hidden, tokens, config_.hidden_size, final_norm_, config_.norm_eps, hidden);
}

}  // namespace kompress::model
