// How many OpenMP threads a forward pass runs on, and setting them for one pass.
#pragma once

#include <cstdint>

#include "kernels/linear.h"
#include "weights/model_config.h"

namespace kompress::model {

// Multiply-adds of the encoder's linear layers per token.
double linear_macs_per_token(const weights::ModelConfig& config);

// Threads for a pass of `tokens` tokens: `most`, or fewer for a pass too small to share. Each of
// a pass's parallel regions, about ten a layer, wakes the other threads, tens of microseconds
// each on a VM: kompress-mini's 60-token passes ran 2.4x faster at int8 on one thread than on two
// (p50 2.1 vs 5.0 ms a request), 150-token ones 1.35x, while 300-token ones were 1.3x faster on
// two. A thread gets 192M multiply-adds at fp32, 480M at bf16 and int8 (faster per multiply-add):
// the ModernBERT-base shape (110M a token) runs on two threads from 4 and 9 tokens on.
int pass_threads(int64_t tokens, double macs_per_token, kernels::LinearPrecision precision,
                 int most);

// Sets the calling thread's OpenMP threads (regions here and inside oneDNN use them) for as long
// as it lives, then restores the caller's.
class PassThreads {
 public:
  explicit PassThreads(int threads);
  ~PassThreads();
  PassThreads(const PassThreads&) = delete;
  PassThreads& operator=(const PassThreads&) = delete;

 private:
  int before_;
};

}  // namespace kompress::model
