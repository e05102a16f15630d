#include "model/kompress_heads.h"

#include <algorithm>

#include "kernels/cpu/activations.h"
#include "model/layout.h"

namespace kompress::model {

using kernels::cpu::gelu;
using kernels::cpu::sigmoid;

KompressHeads::KompressHeads(int64_t hidden_size, WeightStore& store,
                             kernels::LinearPrecision precision)
    : hidden_size_(hidden_size) {
  token_head_ = kernels::make_linear(precision, store.f32("token_head.weight"), 2, hidden_size);
  token_bias_ = store.f32("token_head.bias");

  // Conv1d weight [out, in, k] -> per-tap matrices stacked [k * out, in], so one GEMM gives
  // every tap's contribution and the convolution becomes shifted sums.
  const float* w = store.f32("span_conv.0.weight");
  conv0_taps_.resize(static_cast<size_t>(kSpanKernel0 * kSpanChannels * hidden_size));
  for (int64_t o = 0; o < kSpanChannels; ++o) {
    for (int64_t c = 0; c < hidden_size; ++c) {
      for (int64_t k = 0; k < kSpanKernel0; ++k) {
        conv0_taps_[static_cast<size_t>((k * kSpanChannels + o) * hidden_size + c)] =
            w[(o * hidden_size + c) * kSpanKernel0 + k];
      }
    }
  }
  conv0_ = kernels::make_linear(precision, conv0_taps_.data(), kSpanKernel0 * kSpanChannels,
                                hidden_size);
  conv0_bias_ = store.f32("span_conv.0.bias");
  conv1_weight_ = store.f32("span_conv.2.weight");
  conv1_bias_ = *store.f32("span_conv.2.bias");
}

std::vector<float> KompressHeads::span_logits(const float* hidden,
                                              std::span<const int64_t> seq_starts) const {
  const int64_t tokens = seq_starts.back();
  constexpr int64_t kTaps0 = kSpanKernel0 * kSpanChannels;
  std::vector<float> taps(static_cast<size_t>(tokens * kTaps0));
  conv0_->forward(hidden, tokens, taps.data());

  // First conv (kernel 5, padding 2) + GELU, per sequence.
  std::vector<float> act(static_cast<size_t>(tokens * kSpanChannels));
  constexpr int64_t kPad0 = kSpanKernel0 / 2;
  for (size_t s = 0; s + 1 < seq_starts.size(); ++s) {
    const int64_t begin = seq_starts[s], end = seq_starts[s + 1];
    for (int64_t t = begin; t < end; ++t) {
      float* a = act.data() + t * kSpanChannels;
      std::copy(conv0_bias_, conv0_bias_ + kSpanChannels, a);
      for (int64_t k = 0; k < kSpanKernel0; ++k) {
        const int64_t src = t + k - kPad0;
        if (src < begin || src >= end) continue;  // zero padding at the sequence edges
        const float* tap = taps.data() + src * kTaps0 + k * kSpanChannels;
        for (int64_t o = 0; o < kSpanChannels; ++o) a[o] += tap[o];
      }
      for (int64_t o = 0; o < kSpanChannels; ++o) a[o] = gelu(a[o]);
    }
  }

  // Second conv (256 -> 1, kernel 3, padding 1).
  std::vector<float> logits(static_cast<size_t>(tokens));
  constexpr int64_t kPad1 = kSpanKernel1 / 2;
  for (size_t s = 0; s + 1 < seq_starts.size(); ++s) {
    const int64_t begin = seq_starts[s], end = seq_starts[s + 1];
    for (int64_t t = begin; t < end; ++t) {
      float sum = conv1_bias_;
      for (int64_t k = 0; k < kSpanKernel1; ++k) {
        const int64_t src = t + k - kPad1;
        if (src < begin || src >= end) continue;
        const float* a = act.data() + src * kSpanChannels;
        for (int64_t c = 0; c < kSpanChannels; ++c) sum += conv1_weight_[c * kSpanKernel1 + k] * a[c];
      }
      logits[static_cast<size_t>(t)] = sum;
    }
  }
  return logits;
}

HeadOutputs KompressHeads::forward(const float* hidden, std::span<const int64_t> seq_starts) const {
  const int64_t tokens = seq_starts.back();
  std::vector<float> token_logits(static_cast<size_t>(tokens * 2));
  token_head_->forward(hidden, tokens, token_logits.data());
  const std::vector<float> span = span_logits(hidden, seq_starts);

  HeadOutputs out;
  out.p_keep.resize(static_cast<size_t>(tokens));
  out.span.resize(static_cast<size_t>(tokens));
  out.final_scores.resize(static_cast<size_t>(tokens));
  for (size_t t = 0; t < static_cast<size_t>(tokens); ++t) {
    const float l0 = token_logits[2 * t] + token_bias_[0];
    const float l1 = token_logits[2 * t + 1] + token_bias_[1];
    out.p_keep[t] = sigmoid(l1 - l0);  // softmax([l0, l1])[1]
    out.span[t] = sigmoid(span[t]);
    out.final_scores[t] = out.p_keep[t] * (0.5f + 0.5f * out.span[t]);
  }
  return out;
}

}  // namespace kompress::model
