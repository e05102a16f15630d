#include "kernels/cpu/cpu_isa.h"

#include <oneapi/dnnl/dnnl.h>

#include <cstdlib>
#include <string>

#include "kompress/error.h"

namespace kompress::kernels::cpu {
namespace {

CpuFeatures detect() {
  __builtin_cpu_init();
  CpuFeatures f;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f.isa = CpuIsa::kAvx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    f.isa = CpuIsa::kAvx512;
    f.vnni = __builtin_cpu_supports("avx512vnni");
    f.bf16 = __builtin_cpu_supports("avx512bf16");
  }
  return f;
}

CpuIsa parse_isa(const std::string& value) {
  if (value == "avx512") return CpuIsa::kAvx512;
  if (value == "avx2") return CpuIsa::kAvx2;
  if (value == "generic") return CpuIsa::kGeneric;
  throw Error("KOMPRESS_CPU='" + value + "': expected avx512, avx2 or generic");
}

dnnl_cpu_isa_t dnnl_isa(const CpuFeatures& f) {
  switch (f.isa) {
    case CpuIsa::kAvx512:
      return dnnl_cpu_isa_all;
    case CpuIsa::kAvx2:
      return dnnl_cpu_isa_avx2;
    case CpuIsa::kGeneric:
      return dnnl_cpu_isa_sse41;
  }
  return dnnl_cpu_isa_all;
}

CpuFeatures select() {
  CpuFeatures f = detect();
  if (const char* forced = std::getenv("KOMPRESS_CPU"); forced && *forced) {
    const CpuIsa want = parse_isa(forced);
    if (want > f.isa) {
      throw Error("KOMPRESS_CPU=" + std::string(forced) + ": this CPU only supports " +
                  std::string(isa_name(f.isa)));
    }
    if (want != f.isa) f = CpuFeatures{want, false, false};
  }
  // Only effective before oneDNN's first primitive; a host that already used oneDNN keeps its cap.
  dnnl_set_max_cpu_isa(dnnl_isa(f));
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = select();
  return features;
}

std::string_view isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::kAvx512:
      return "avx512";
    case CpuIsa::kAvx2:
      return "avx2";
    case CpuIsa::kGeneric:
      return "generic";
  }
  return "unknown";
}

}  // namespace kompress::kernels::cpu
