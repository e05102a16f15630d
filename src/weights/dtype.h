// Element types of weight tensors, as spelled in safetensors headers, and exact conversions
// between the 16-bit float formats and float.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kompress::weights {

// kI8 is reserved for quantized weights; kI32/kI64 hold token ids in golden files.
enum class DType { kF32, kF16, kBF16, kI8, kI32, kI64 };

// Bytes per element.
std::size_t dtype_size(DType dtype);
// The safetensors spelling ("F32", "F16", "BF16", "I8", "I32", "I64").
std::string_view dtype_name(DType dtype);
// Parses a safetensors spelling; nullopt for types kompress does not read.
std::optional<DType> parse_dtype(std::string_view name);

// IEEE binary16 bits -> float. Exact for every input: subnormals become normal floats, infinities
// stay infinite, NaNs stay NaN (payload shifted into the float mantissa, sign kept).
float f16_to_f32(uint16_t bits);
// bfloat16 bits -> float. Exact (bfloat16 is the top half of a float).
float bf16_to_f32(uint16_t bits);
// float -> binary16 bits, rounding to nearest, ties to even; overflow gives infinity, NaN stays a
// quiet NaN of the same sign.
uint16_t f32_to_f16(float value);
// float -> bfloat16 bits, rounding to nearest, ties to even; NaN stays a quiet NaN.
uint16_t f32_to_bf16(float value);

}  // namespace kompress::weights
