#include "weights/dtype.h"

#include <bit>

namespace kompress::weights {

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
      return 2;
    case DType::kI8:
      return 1;
    case DType::kI64:
      return 8;
  }
  return 0;  // unreachable for valid enumerators
}

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "F32";
    case DType::kF16:
      return "F16";
    case DType::kBF16:
      return "BF16";
    case DType::kI8:
      return "I8";
    case DType::kI32:
      return "I32";
    case DType::kI64:
      return "I64";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType d : {DType::kF32, DType::kF16, DType::kBF16, DType::kI8, DType::kI32, DType::kI64}) {
    if (dtype_name(d) == name) return d;
  }
  return std::nullopt;
}

float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exp = (bits >> 10) & 0x1fu;
  uint32_t mant = bits & 0x3ffu;
  uint32_t out = 0;
  if (exp == 0x1f) {  // inf / NaN: keep the payload
    out = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {  // normal: rebias 15 -> 127
    out = sign | ((exp + 112u) << 23) | (mant << 13);
  } else if (mant == 0) {  // signed zero
    out = sign;
  } else {            // subnormal: normalise, every binary16 subnormal is a normal float
    int32_t e = 113;  // biased float exponent of 2^-14
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    out = sign | (static_cast<uint32_t>(e) << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(out);
}

float bf16_to_f32(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

namespace {

// Shifts `value` right by `shift` (1..31), rounding to nearest, ties to even.
uint32_t shift_round_even(uint32_t value, uint32_t shift) {
  const uint32_t q = value >> shift;
  const uint32_t rem = value & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  return (rem > half || (rem == half && (q & 1u) != 0)) ? q + 1 : q;
}

}  // namespace

uint16_t f32_to_f16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t exp = (bits >> 23) & 0xffu;
  const uint32_t mant = bits & 0x7fffffu;
  if (exp == 0xff) {  // inf, or NaN forced quiet so the payload cannot vanish
    return static_cast<uint16_t>(sign | 0x7c00u | (mant != 0 ? 0x200u | (mant >> 13) : 0u));
  }
  const int32_t e = static_cast<int32_t>(exp) - 127 + 15;  // binary16 biased exponent
  if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    // Subnormal (or zero) result; float subnormals are far below half the smallest binary16.
    if (exp == 0) return static_cast<uint16_t>(sign);
    const uint32_t shift = static_cast<uint32_t>(14 - e);
    if (shift > 24) return static_cast<uint16_t>(sign);
    // A carry into bit 10 yields the smallest normal, which is the correct encoding.
    return static_cast<uint16_t>(sign | shift_round_even(mant | 0x800000u, shift));
  }
  // Normal: a mantissa carry propagates into the exponent, and up to infinity at the top.
  const uint32_t combined = (static_cast<uint32_t>(e) << 23) | mant;
  return static_cast<uint16_t>(sign | shift_round_even(combined, 13));
}

uint16_t f32_to_bf16(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) {  // NaN: truncate, keep it quiet
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  }
  return static_cast<uint16_t>(shift_round_even(bits, 16));
}

}  // namespace kompress::weights
