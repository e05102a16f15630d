// Writes a checkpoint whose linear layers are already packed for bf16 or int8, so that loading
// it maps the packed weights in place: no fp32 copy, no repacking (docs/quantized-checkpoints.md).
#pragma once

#include <string>

#include "kernels/linear.h"

namespace kompress::model {

// Reads `in_dir` (config.json + model.safetensors, fp32 or half precision) and writes `out_dir`
// with config.json, a tokenizer.json when `in_dir` has one, and model.safetensors holding the
// packed linear weights. Throws kompress::Error naming the file for bad input, an already
// quantized checkpoint, or a precision this CPU cannot pack (bf16 needs AVX-512).
void quantize_checkpoint(const std::string& in_dir, const std::string& out_dir,
                         kernels::LinearPrecision precision);

}  // namespace kompress::model
