#include "model/quantize.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <vector>

#include "kompress/error.h"
#include "model/kompress_heads.h"
#include "model/layout.h"
#include "model/linear_loader.h"
#include "weights/model_config.h"
#include "weights/safetensors.h"

namespace kompress::model {
namespace {

namespace fs = std::filesystem;
using kernels::LinearPrecision;

template <class T>
std::span<const std::byte> bytes_of(const std::vector<T>& v) {
  return std::as_bytes(std::span<const T>(v));
}

// The [out, in] matrix the model multiplies by; the span convolution is stored as its taps.
std::vector<float> linear_matrix(const weights::TensorView& t, int64_t& out, int64_t& in) {
  std::vector<float> values = weights::to_f32(t);
  if (t.name == "span_conv.0.weight") {
    in = t.shape[1];
    out = t.shape[0] * t.shape[2];
    return KompressHeads::conv0_matrix(values.data(), in);
  }
  out = t.shape[0];
  in = t.shape[1];
  return values;
}

}  // namespace

void quantize_checkpoint(const std::string& in_dir, const std::string& out_dir,
                         LinearPrecision precision) {
  if (precision == LinearPrecision::kFp32)
    throw Error("quantize: the precision must be int8 or bf16");
  const fs::path in(in_dir), out(out_dir);
  const auto config = weights::ModelConfig::from_file((in / "config.json").string());
  const auto file = weights::SafetensorsFile::open((in / "model.safetensors").string());
  if (stored_precision(file) != LinearPrecision::kFp32) {
    throw Error(file.path() + ": already quantized to " + precision_name(stored_precision(file)) +
                "; quantize the fp32 checkpoint");
  }
  const CheckpointLayout layout = detect_layout(file);
  check_tensors(file, expected_tensors(config, layout));

  std::deque<kernels::OwnedPackedWeights> packed;
  std::vector<weights::TensorData> tensors;
  std::map<std::string, std::string> metadata = {{kPrecisionKey, precision_name(precision)}};
  const weights::DType packed_type =
      precision == LinearPrecision::kInt8 ? weights::DType::kI8 : weights::DType::kBF16;
  for (const weights::TensorView& t : file.tensors()) {
    if (!is_linear_weight(t.name)) {
      tensors.push_back({t.name, t.dtype, t.shape, {t.data, t.nbytes}});
      continue;
    }
    int64_t rows = 0, cols = 0;
    const std::vector<float> matrix = linear_matrix(t, rows, cols);
    const int64_t hadamard = precision == LinearPrecision::kInt8 ? int8_hadamard_block(t.name) : 0;
    const auto& p =
        packed.emplace_back(kernels::pack_weights(precision, matrix.data(), rows, cols, hadamard));
    const auto elements = static_cast<int64_t>(p.data.size() / weights::dtype_size(packed_type));
    tensors.push_back({t.name, packed_type, {elements}, p.data});
    metadata[t.name + kLayoutSuffix] = p.view.layout;
    if (hadamard > 0) metadata[t.name + kHadamardSuffix] = std::to_string(hadamard);
    if (precision == LinearPrecision::kInt8) {
      tensors.push_back({t.name + kScaleSuffix, weights::DType::kF32, {rows}, bytes_of(p.scales)});
      tensors.push_back(
          {t.name + kColSumSuffix, weights::DType::kI32, {rows}, bytes_of(p.col_sums)});
    }
  }
  // Wider elements first: every tensor then starts aligned for its dtype, so all of them map in
  // place.
  std::stable_sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) {
    return weights::dtype_size(a.dtype) > weights::dtype_size(b.dtype);
  });
  fs::create_directories(out);
  weights::write_safetensors((out / "model.safetensors").string(), tensors, metadata);
  for (const char* name : {"config.json", "tokenizer.json"}) {
    if (fs::exists(in / name) && !fs::equivalent(in, out)) {
      fs::copy_file(in / name, out / name, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace kompress::model
