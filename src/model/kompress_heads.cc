#include "model/kompress_heads.h"

#include <algorithm>

#include "kernels/cpu/activations.h"
#include "model/layout.h"
#include "model/workspace.h"

namespace kompress::model {

using kernels::cpu::gelu;
using kernels::cpu::sigmoid;

std::vector<float> KompressHeads::conv_matrix(const float* w, int64_t out_channels,
                                              int64_t in_channels, int64_t kernel) {
  std::vector<float> taps(static_cast<size_t>(kernel * out_channels * in_channels));
  for (int64_t o = 0; o < out_channels; ++o) {
    for (int64_t c = 0; c < in_channels; ++c) {
      for (int64_t k = 0; k < kernel; ++k) {
        taps[static_cast<size_t>((k * out_channels + o) * in_channels + c)] =
            w[(o * in_channels + c) * kernel + k];
      }
    }
  }
  return taps;
}

std::vector<float> KompressHeads::conv0_matrix(const float* w, int64_t hidden_size) {
  return conv_matrix(w, kSpanChannels, hidden_size, kSpanKernel0);
}

KompressHeads::KompressHeads(int64_t hidden_size, WeightStore& store, const LinearLoader& linears)
    : hidden_size_(hidden_size) {
  token_head_ = linears.load("token_head.weight", 2, hidden_size);
  token_bias_ = store.f32("token_head.bias");
  // The convolution becomes one GEMM giving every tap's contribution, then shifted sums.
  conv0_ = linears.load("span_conv.0.weight", kSpanKernel0 * kSpanChannels, hidden_size,
                        [hidden_size](const float* w) { return conv0_matrix(w, hidden_size); });
  conv0_bias_ = store.f32("span_conv.0.bias");
  const std::vector<float> conv1_matrix =
      conv_matrix(store.f32("span_conv.2.weight"), 1, kSpanChannels, kSpanKernel1);
  conv1_ = kernels::make_linear(kernels::LinearPrecision::kFp32, conv1_matrix.data(), kSpanKernel1,
                                kSpanChannels);
  conv1_bias_ = *store.f32("span_conv.2.bias");
}

size_t KompressHeads::scratch_bytes(int64_t tokens) const {
  const auto t = static_cast<size_t>(tokens);
  const auto padded = static_cast<size_t>(kernels::linear_rows(tokens));  // linear outputs
  return scratch_rounded(padded * 2 * sizeof(float)) +
         scratch_rounded(padded * kSpanKernel0 * kSpanChannels * sizeof(float)) +
         scratch_rounded(padded * kSpanChannels * sizeof(float)) +
         scratch_rounded(padded * kSpanKernel1 * sizeof(float)) +
         scratch_rounded(t * sizeof(float)) +
         std::max({token_head_->scratch_bytes(tokens, false), conv0_->scratch_bytes(tokens, false),
                   conv1_->scratch_bytes(tokens, false)});
}

void KompressHeads::span_logits(const float* taps, std::span<const int64_t> seq_starts, float* act,
                                float* taps1, std::span<std::byte> linear, float* logits) const {
  constexpr int64_t kTaps0 = kSpanKernel0 * kSpanChannels;
  // First conv (kernel 5, padding 2) per sequence, then GELU over every row.
  constexpr int64_t kPad0 = kSpanKernel0 / 2;
  for (size_t s = 0; s + 1 < seq_starts.size(); ++s) {
    const int64_t begin = seq_starts[s], end = seq_starts[s + 1];
    for (int64_t t = begin; t < end; ++t) {
      float* a = act + t * kSpanChannels;
      std::copy(conv0_bias_, conv0_bias_ + kSpanChannels, a);
      for (int64_t k = 0; k < kSpanKernel0; ++k) {
        const int64_t src = t + k - kPad0;
        if (src < begin || src >= end) continue;  // zero padding at the sequence edges
        const float* tap = taps + src * kTaps0 + k * kSpanChannels;
        for (int64_t o = 0; o < kSpanChannels; ++o) a[o] += tap[o];
      }
    }
  }
  gelu(act, seq_starts.back(), kSpanChannels);

  // Second conv (256 -> 1, kernel 3, padding 1): a GEMM for the three taps, then shifted sums.
  conv1_->forward(act, seq_starts.back(), taps1, false, linear);
  constexpr int64_t kPad1 = kSpanKernel1 / 2;
  for (size_t s = 0; s + 1 < seq_starts.size(); ++s) {
    const int64_t begin = seq_starts[s], end = seq_starts[s + 1];
    for (int64_t t = begin; t < end; ++t) {
      float sum = conv1_bias_;
      for (int64_t k = 0; k < kSpanKernel1; ++k) {
        const int64_t src = t + k - kPad1;
        if (src >= begin && src < end) sum += taps1[src * kSpanKernel1 + k];
      }
      logits[t] = sum;
    }
  }
}

HeadOutputs KompressHeads::forward(const float* hidden, std::span<const int64_t> seq_starts,
                                   std::span<std::byte> scratch) const {
  const int64_t tokens = seq_starts.back();
  Carver carver(scratch);
  const int64_t padded = kernels::linear_rows(tokens);
  float* token_logits = carver.take<float>(padded * 2);
  float* taps = carver.take<float>(padded * kSpanKernel0 * kSpanChannels);
  float* act = carver.take<float>(padded * kSpanChannels);
  float* taps1 = carver.take<float>(padded * kSpanKernel1);
  float* span = carver.take<float>(tokens);
  const std::span<std::byte> linear = carver.rest();
  token_head_->forward(hidden, tokens, token_logits, false, linear);
  conv0_->forward(hidden, tokens, taps, false, linear);
  span_logits(taps, seq_starts, act, taps1, linear, span);

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
