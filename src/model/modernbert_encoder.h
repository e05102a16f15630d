// The ModernBERT encoder over packed sequences: embeddings, pre-norm layers with global and
// sliding-window attention, GeGLU MLP, final norm.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/cpu/rope.h"
#include "kernels/linear.h"
#include "model/weight_store.h"
#include "weights/model_config.h"

namespace kompress::model {

class ModernBertEncoder {
 public:
  // Binds the tensors named `prefix` + ModernBertModel keys; `store` must outlive the encoder.
  ModernBertEncoder(const weights::ModelConfig& config, WeightStore& store,
                    const std::string& prefix, kernels::LinearPrecision precision);

  // `ids` holds the sequences back to back; `seq_starts` their starts plus the total.
  // Writes the final hidden states [tokens, hidden] to `hidden` (resized).
  void forward(std::span<const int32_t> ids, std::span<const int64_t> seq_starts,
               std::vector<float>& hidden) const;

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

  void embed(std::span<const int32_t> ids, float* h) const;
  void run_layer(const Layer& layer, std::span<const int64_t> seq_starts, int64_t tokens,
                 float* h) const;

  weights::ModelConfig config_;
  const float* tok_embeddings_ = nullptr;
  const float* embeddings_norm_ = nullptr;
  std::vector<Layer> layers_;
  const float* final_norm_ = nullptr;
  kernels::cpu::RopeTable rope_global_;
  kernels::cpu::RopeTable rope_local_;
};

}  // namespace kompress::model
