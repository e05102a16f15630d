#include "model/linear_loader.h"

#include <span>
#include <string_view>

#include "kompress/error.h"

namespace kompress::model {

using kernels::LinearPrecision;

kernels::LinearPrecision stored_precision(const weights::SafetensorsFile& file) {
  const auto it = file.metadata().find(kPrecisionKey);
  if (it == file.metadata().end()) return LinearPrecision::kFp32;
  if (it->second == "int8") return LinearPrecision::kInt8;
  if (it->second == "bf16") return LinearPrecision::kBf16;
  throw Error(file.path() + ": metadata " + kPrecisionKey + "='" + it->second +
              "' (expected int8 or bf16)");
}

std::string precision_name(kernels::LinearPrecision precision) {
  switch (precision) {
    case LinearPrecision::kFp32:
      return "fp32";
    case LinearPrecision::kBf16:
      return "bf16";
    case LinearPrecision::kInt8:
      return "int8";
  }
  return "unknown";
}

int64_t int8_hadamard_block(const std::string& name) {
  constexpr std::string_view kMlpOut = "mlp.Wo.weight";
  // 64: as good as 16 or 128 in docs/performance.md's measurements, and 1/sqrt(64) is exact.
  return name.ends_with(kMlpOut) ? 64 : 0;
}

LinearLoader::LinearLoader(WeightStore& store, kernels::LinearPrecision precision)
    : store_(store),
      precision_(precision),
      packed_(stored_precision(store.file()) != LinearPrecision::kFp32) {}

std::unique_ptr<kernels::Linear> LinearLoader::load(const std::string& name, int64_t out,
                                                    int64_t in, const ToMatrix& to_matrix) const {
  if (packed_) return load_packed(name, out, in);
  const float* stored = store_.f32(name);
  const float* matrix = to_matrix ? store_.keep(to_matrix(stored)) : stored;
  auto layer = kernels::make_linear(precision_, matrix, out, in, int8_hadamard_block(name));
  // The layer packed a copy: the checkpoint's tensor need not stay in memory beside it.
  store_.release(stored);
  if (matrix != stored) store_.release(matrix);
  return layer;
}

// Files quantized before the rotation existed have no such entry: unrotated, still exact.
int64_t LinearLoader::stored_hadamard_block(const weights::SafetensorsFile& file,
                                            const std::string& name) {
  const auto it = file.metadata().find(name + kHadamardSuffix);
  if (it == file.metadata().end()) return 0;
  try {
    size_t used = 0;
    const int64_t block = std::stoll(it->second, &used);
    if (used == it->second.size()) return block;
  } catch (const std::logic_error&) {
  }
  throw Error(file.path() + ": metadata '" + name + kHadamardSuffix + "'='" + it->second +
              "' is not a number");
}

std::unique_ptr<kernels::Linear> LinearLoader::load_packed(const std::string& name, int64_t out,
                                                           int64_t in) const {
  const weights::SafetensorsFile& file = store_.file();
  const auto layout = file.metadata().find(name + kLayoutSuffix);
  const weights::TensorView* data = file.find(name);
  if (layout == file.metadata().end() || !data) {
    throw Error(file.path() + ": packed weight '" + name + "' or its metadata '" + name +
                kLayoutSuffix + "' is missing");
  }
  const weights::DType want =
      precision_ == LinearPrecision::kInt8 ? weights::DType::kI8 : weights::DType::kBF16;
  if (data->dtype != want) {
    throw Error(file.path() + ": packed weight '" + name + "' has dtype " +
                std::string(weights::dtype_name(data->dtype)) + ", expected " +
                std::string(weights::dtype_name(want)));
  }
  kernels::PackedWeights packed;
  packed.precision = precision_;
  packed.out_features = out;
  packed.in_features = in;
  packed.layout = layout->second;
  packed.data = {data->data, data->nbytes};
  if (precision_ == LinearPrecision::kInt8) {
    packed.scales = store_.typed<float>(name + kScaleSuffix, weights::DType::kF32);
    packed.col_sums = store_.typed<int32_t>(name + kColSumSuffix, weights::DType::kI32);
    packed.hadamard_block = stored_hadamard_block(file, name);
  }
  try {
    return kernels::make_linear(packed);
  } catch (const Error& e) {
    throw Error(file.path() + ": tensor '" + name + "': " + e.what());
  }
}

}  // namespace kompress::model
