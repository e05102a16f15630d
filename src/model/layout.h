// Checkpoint layouts: which tensors a config expects, and checking a file against them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weights/model_config.h"
#include "weights/safetensors.h"

namespace kompress::model {

// Kompress span head sizes (fixed by the architecture, not by config.json).
inline constexpr int64_t kSpanChannels = 256;
inline constexpr int64_t kSpanKernel0 = 5;
inline constexpr int64_t kSpanKernel1 = 3;

enum class CheckpointLayout {
  kKompressV1,   // encoder.<ModernBertModel key>, token_head.*, span_conv.0/2.*
  kBareEncoder,  // a plain ModernBertModel: embeddings.*, layers.*, final_norm.*
};

struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
};

// Prefix of encoder tensor names in a layout ("encoder." or "").
std::string encoder_prefix(CheckpointLayout layout);

// Every tensor of `layout` for `config`, in model order.
std::vector<ExpectedTensor> expected_tensors(const weights::ModelConfig& config,
                                             CheckpointLayout layout);

// Kompress v1 when the file has `encoder.embeddings.tok_embeddings.weight`, else bare.
CheckpointLayout detect_layout(const weights::SafetensorsFile& file);

// Throws kompress::Error naming the file and listing missing, unexpected and mis-shaped
// tensors when `file` does not hold exactly `expected`.
void check_tensors(const weights::SafetensorsFile& file, const std::vector<ExpectedTensor>& expected);

}  // namespace kompress::model
