// Checkpoint layouts: which tensors a config expects, and checking a file against them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/linear.h"
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
  bool packed = false;  // a linear weight packed by `kompress quantize`: any shape
};

// Prefix of encoder tensor names in a layout ("encoder." or "").
std::string encoder_prefix(CheckpointLayout layout);

// Every tensor of `layout` for `config`, in model order. For a checkpoint quantized to
// `stored` (not fp32), the linear weights are packed and int8 adds their scales and column sums.
std::vector<ExpectedTensor> expected_tensors(
    const weights::ModelConfig& config, CheckpointLayout layout,
    kernels::LinearPrecision stored = kernels::LinearPrecision::kFp32);

// Whether `name` is one of the linear layers' weights (the ones quantization packs).
bool is_linear_weight(const std::string& name);

// Kompress v1 when the file has `encoder.embeddings.tok_embeddings.weight`, else bare.
CheckpointLayout detect_layout(const weights::SafetensorsFile& file);

// Throws kompress::Error naming the file and listing missing, unexpected and mis-shaped
// tensors when `file` does not hold exactly `expected`.
void check_tensors(const weights::SafetensorsFile& file,
                   const std::vector<ExpectedTensor>& expected);

}  // namespace kompress::model
