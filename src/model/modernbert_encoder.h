// The ModernBERT encoder over packed sequences: embeddings, pre-norm layers with global and
// sliding-window attention, GeGLU MLP, final norm.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/cpu/attention.h"
#include "kernels/cpu/rope.h"
#include "kernels/linear.h"
#include "model/linear_loader.h"
#include "model/weight_store.h"
#include "weights/model_config.h"

namespace kompress::model {

class ModernBertEncoder {
 public:
  // Binds the tensors named `prefix` + ModernBertModel keys; `store` must outlive the encoder.
  ModernBertEncoder(const weights::ModelConfig& config, WeightStore& store,
                    const std::string& prefix, const LinearLoader& linears);

  // What attention's products run in on this CPU.
  kernels::cpu::AttentionProducts attention_products() const {
    return kernels::cpu::available_attention_products(attention_products_, config_.head_dim());
  }

  // Bytes of scratch forward() needs for this batch shape with the current OpenMP thread count.
  size_t scratch_bytes(std::span<const int64_t> seq_starts) const;

  // `ids` holds the sequences back to back; `seq_starts` their starts plus the total.
  // Writes the final hidden states [tokens, hidden] to `hidden`; `scratch` (64-byte aligned,
  // scratch_bytes() long) holds every intermediate, so a pass allocates nothing.
  void forward(std::span<const int32_t> ids, std::span<const int64_t> seq_starts, float* hidden,
               std::span<std::byte> scratch) const;

 private:
  struct Layer {
    const float* attn_norm = nullptr;  // nullptr in layer 0: identity
    std::unique_ptr<kernels::Linear> wqkv;
    std::unique_ptr<kernels::Linear> attn_out;
    const float* mlp_norm = nullptr;
    std::unique_ptr<kernels::Linear> wi;
    std::unique_ptr<kernels::Linear> mlp_out;
    bool global = true;
  };

  // The buffers of one pass; regions are shared by values that are never alive together.
  struct Buffers {
    float* wide;     // Wqkv output [T, 3H], later Wi output [T, 2I]
    float* context;  // the attention's output [T, H]
    std::span<std::byte> attn_scratch;
    // The linear layers' scratch (fp32: also their inputs' LayerNorm or GeGLU rows).
    std::span<std::byte> linear;
  };
  struct Plan {
    size_t wide, context, attn, linear;
    size_t total() const;
  };
  Plan plan(std::span<const int64_t> seq_starts) const;

  void embed(std::span<const int32_t> ids, float* h) const;
  void run_layer(const Layer& layer, std::span<const int64_t> seq_starts, int64_t tokens, float* h,
                 const Buffers& b) const;

  weights::ModelConfig config_;
  const float* tok_embeddings_ = nullptr;
  const float* embeddings_norm_ = nullptr;
  std::vector<Layer> layers_;
  const float* final_norm_ = nullptr;
  kernels::cpu::RopeTable rope_global_;
  kernels::cpu::RopeTable rope_local_;
  // Attention's products at the precision of the linear layers (int8: Q.K in int8, P.V in
  // bf16); the fp32 model stays the accuracy reference.
  kernels::cpu::AttentionProducts attention_products_;
};

}  // namespace kompress::model
