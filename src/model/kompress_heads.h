// The Kompress heads on the encoder's final hidden states: a keep/drop token head and a span
// CNN, combined into final_scores = p_keep * (0.5 + 0.5 * span).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernels/linear.h"
#include "model/linear_loader.h"
#include "model/weight_store.h"

namespace kompress::model {

struct HeadOutputs {
  std::vector<float> p_keep;
  std::vector<float> span;
  std::vector<float> final_scores;
};

class KompressHeads {
 public:
  KompressHeads(int64_t hidden_size, WeightStore& store, const LinearLoader& linears);

  // Bytes of scratch forward() needs for `tokens` tokens.
  size_t scratch_bytes(int64_t tokens) const;

  // `hidden` is [tokens, hidden_size] for the packed sequences of `seq_starts`; the span
  // convolutions zero-pad at each sequence's edges, never across sequences. `scratch` is
  // 64-byte aligned and scratch_bytes() long.
  HeadOutputs forward(const float* hidden, std::span<const int64_t> seq_starts,
                      std::span<std::byte> scratch) const;

  // span_conv.0 [out, in, k] as one GEMM matrix: tap k of output channel o is row
  // k * kSpanChannels + o. Quantized checkpoints store this matrix.
  static std::vector<float> conv0_matrix(const float* conv_weight, int64_t hidden_size);
  // Any conv weight [out, in, k] as that GEMM matrix [k * out, in].
  static std::vector<float> conv_matrix(const float* conv_weight, int64_t out_channels,
                                        int64_t in_channels, int64_t kernel);

 private:
  void span_logits(const float* taps, std::span<const int64_t> seq_starts, float* act, float* taps1,
                   std::span<std::byte> linear, float* logits) const;

  int64_t hidden_size_;
  std::unique_ptr<kernels::Linear> token_head_;
  const float* token_bias_ = nullptr;
  std::unique_ptr<kernels::Linear> conv0_;
  const float* conv0_bias_ = nullptr;
  std::unique_ptr<kernels::Linear> conv1_;  // fp32 at every precision: three taps a token
  float conv1_bias_ = 0.0f;
};

}  // namespace kompress::model
