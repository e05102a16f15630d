#include "model/layout.h"

#include <map>
#include <sstream>

#include "kompress/error.h"
#include "model/linear_loader.h"

namespace kompress::model {
namespace {

std::string shape_string(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
  out << ']';
  return out.str();
}

// "a, b, c and 7 more": error messages stay one readable line for wildly wrong files.
std::string join_capped(const std::vector<std::string>& items) {
  constexpr size_t kMaxListed = 8;
  std::string out;
  for (size_t i = 0; i < items.size() && i < kMaxListed; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > kMaxListed)
    out += " and " + std::to_string(items.size() - kMaxListed) + " more";
  return out;
}

void add_encoder_tensors(const weights::ModelConfig& c, const std::string& p,
                         std::vector<ExpectedTensor>& out) {
  const int64_t h = c.hidden_size;
  out.push_back({p + "embeddings.tok_embeddings.weight", {c.vocab_size, h}});
  out.push_back({p + "embeddings.norm.weight", {h}});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string l = p + "layers." + std::to_string(i) + ".";
    // Layer 0 has no attention norm: the embeddings norm precedes it.
    if (i != 0) out.push_back({l + "attn_norm.weight", {h}});
    out.push_back({l + "attn.Wqkv.weight", {3 * h, h}});
    out.push_back({l + "attn.Wo.weight", {h, h}});
    out.push_back({l + "mlp_norm.weight", {h}});
    out.push_back({l + "mlp.Wi.weight", {2 * c.intermediate_size, h}});
    out.push_back({l + "mlp.Wo.weight", {h, c.intermediate_size}});
  }
  out.push_back({p + "final_norm.weight", {h}});
}

void add_head_tensors(const weights::ModelConfig& c, std::vector<ExpectedTensor>& out) {
  out.push_back({"token_head.weight", {2, c.hidden_size}});
  out.push_back({"token_head.bias", {2}});
  out.push_back({"span_conv.0.weight", {kSpanChannels, c.hidden_size, kSpanKernel0}});
  out.push_back({"span_conv.0.bias", {kSpanChannels}});
  out.push_back({"span_conv.2.weight", {1, kSpanChannels, kSpanKernel1}});
  out.push_back({"span_conv.2.bias", {1}});
}

}  // namespace

std::string encoder_prefix(CheckpointLayout layout) {
  return layout == CheckpointLayout::kKompressV1 ? "encoder." : "";
}

bool is_linear_weight(const std::string& name) {
  for (const char* suffix :
       {"attn.Wqkv.weight", "attn.Wo.weight", "mlp.Wi.weight", "mlp.Wo.weight"}) {
    const std::string_view s(suffix);
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return true;
    }
  }
  return name == "token_head.weight" || name == "span_conv.0.weight";
}

std::vector<ExpectedTensor> expected_tensors(const weights::ModelConfig& config,
                                             CheckpointLayout layout,
                                             kernels::LinearPrecision stored) {
  std::vector<ExpectedTensor> plain;
  add_encoder_tensors(config, encoder_prefix(layout), plain);
  if (layout == CheckpointLayout::kKompressV1) add_head_tensors(config, plain);
  if (stored == kernels::LinearPrecision::kFp32) return plain;
  std::vector<ExpectedTensor> out;
  for (auto& t : plain) {
    if (!is_linear_weight(t.name)) {
      out.push_back(std::move(t));
      continue;
    }
    out.push_back({t.name, {}, true});
    if (stored == kernels::LinearPrecision::kInt8) {
      // span_conv.0 is stored as its GEMM matrix: kSpanKernel0 * out rows.
      const int64_t rows = t.shape.size() == 3 ? t.shape[0] * t.shape[2] : t.shape[0];
      out.push_back({t.name + kScaleSuffix, {rows}});
      out.push_back({t.name + kColSumSuffix, {rows}});
    }
  }
  return out;
}

CheckpointLayout detect_layout(const weights::SafetensorsFile& file) {
  return file.find("encoder.embeddings.tok_embeddings.weight") ? CheckpointLayout::kKompressV1
                                                               : CheckpointLayout::kBareEncoder;
}

void check_tensors(const weights::SafetensorsFile& file,
                   const std::vector<ExpectedTensor>& expected) {
  std::map<std::string, const ExpectedTensor*> wanted;
  for (const auto& t : expected) wanted[t.name] = &t;
  std::vector<std::string> missing, unexpected, misshaped;
  for (const auto& t : expected) {
    if (!file.find(t.name)) missing.push_back(t.name);
  }
  for (const auto& t : file.tensors()) {
    const auto it = wanted.find(t.name);
    if (it == wanted.end()) {
      unexpected.push_back(t.name);
    } else if (!it->second->packed && t.shape != it->second->shape) {
      misshaped.push_back(t.name + " " + shape_string(t.shape) + " (expected " +
                          shape_string(it->second->shape) + ")");
    }
  }
  if (missing.empty() && unexpected.empty() && misshaped.empty()) return;
  std::string message = file.path() + ": checkpoint does not match config.json:";
  if (!missing.empty()) message += " missing: " + join_capped(missing) + ";";
  if (!unexpected.empty()) message += " unexpected: " + join_capped(unexpected) + ";";
  if (!misshaped.empty()) message += " mis-shaped: " + join_capped(misshaped) + ";";
  message.pop_back();
  throw Error(message);
}

}  // namespace kompress::model
