// Which instruction set the hand-written kernels and oneDNN use, chosen once per process.
//
// Detected from the CPU, or forced with the environment variable KOMPRESS_CPU=avx512|avx2|generic
// (a forced level above what the CPU has is an error). oneDNN is capped at the same level so a
// forced fallback exercises the fallback GEMMs too.
#pragma once

#include <string_view>

namespace kompress::kernels::cpu {

enum class CpuIsa {
  kGeneric,  // SSE2 baseline: any x86-64
  kAvx2,     // AVX2 + FMA
  kAvx512,   // AVX-512 F/BW/VL/DQ (+ VNNI, BF16 where the CPU has them)
};

struct CpuFeatures {
  CpuIsa isa = CpuIsa::kGeneric;
  bool vnni = false;  // u8 x s8 dot products without 16-bit saturation (AVX512_VNNI)
  bool bf16 = false;  // AVX512_BF16 dot products
};

// The level in force. The first call reads KOMPRESS_CPU and caps oneDNN; throws kompress::Error
// for an unknown or unsupported KOMPRESS_CPU value.
const CpuFeatures& cpu_features();

std::string_view isa_name(CpuIsa isa);

}  // namespace kompress::kernels::cpu
