#include "weights/model_config.h"

#include <cerrno>
#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "kompress/error.h"

namespace kompress::weights {

namespace {

using nlohmann::json;

constexpr int kMaxJsonDepth = 32;
constexpr std::size_t kMaxConfigBytes = 16u << 20;  // real configs are ~1.5 KB
// Upper bounds that keep every derived allocation sane on a hostile file.
constexpr int64_t kMaxVocab = int64_t{1} << 24;
constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxPositions = int64_t{1} << 24;

struct TooDeep {};

// Reads typed values out of the config object; every error names the file and the key.
class ConfigReader {
 public:
  ConfigReader(const json& root, std::string_view origin) : root_(root), origin_(origin) {}

  [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
    throw Error(std::string(origin_) + ": '" + std::string(key) + "': " + problem);
  }

  // nullptr when absent or JSON null (transformers treats null as "use the default").
  const json* find(const json& obj, std::string_view key) const {
    auto it = obj.find(key);
    return (it == obj.end() || it->is_null()) ? nullptr : &*it;
  }
  const json* find(std::string_view key) const { return find(root_, key); }

  const json& require(std::string_view key) const {
    const json* v = find(key);
    if (v == nullptr) fail(key, "missing");
    return *v;
  }

  int64_t as_int(const json& v, std::string_view key, int64_t min, int64_t max) const {
    if (!v.is_number_integer()) fail(key, "not an integer");
    // Unsigned values above int64 range, and all negatives, are compared without wrapping.
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max)) {
      fail(key, "too large (at most " + std::to_string(max) + ")");
    }
    const auto n = v.get<int64_t>();
    if (n < min) fail(key, "must be at least " + std::to_string(min));
    if (n > max) fail(key, "too large (at most " + std::to_string(max) + ")");
    return n;
  }
  int64_t int_key(std::string_view key, int64_t min, int64_t max) const {
    return as_int(require(key), key, min, max);
  }

  double as_positive(const json& v, std::string_view key) const {
    if (!v.is_number()) fail(key, "not a number");
    const auto d = v.get<double>();
    if (!std::isfinite(d)) fail(key, "not finite");
    if (d <= 0) fail(key, "must be positive");
    return d;
  }

  // Features kompress does not implement must be absent, null or false.
  void require_false(std::string_view key, const char* why) const {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_boolean()) fail(key, "not a boolean");
    if (v->get<bool>()) fail(key, std::string("true is not implemented (") + why + ")");
  }

  void require_string(std::string_view key, std::string_view expected, const char* why) const {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_string()) fail(key, "not a string");
    if (v->get_ref<const std::string&>() != expected) {
      fail(key, "'" + v->get<std::string>() + "' is not implemented (" + why + ")");
    }
  }

 private:
  const json& root_;
  std::string_view origin_;
};

json parse_config_json(std::string_view text, std::string_view origin) {
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw TooDeep{};
    return true;
  };
  // nlohmann's lexer takes a NUL byte for the end of input and would ignore what follows.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    throw Error(std::string(origin) + ": not valid JSON (NUL byte at " + std::to_string(nul) + ")");
  }
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const json::parse_error& e) {
    throw Error(std::string(origin) + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    throw Error(std::string(origin) + ": not valid JSON");
  } catch (const TooDeep&) {
    throw Error(std::string(origin) + ": JSON nested too deeply");
  }
}

double parse_norm_eps(const ConfigReader& r) {
  // ModernBERT reads norm_eps; layer_norm_eps is the older spelling some exports carry.
  for (const char* key : {"norm_eps", "layer_norm_eps"}) {
    if (const json* v = r.find(key)) return r.as_positive(*v, key);
  }
  r.fail("norm_eps", "missing (and no 'layer_norm_eps')");
}

// layer_types (new spelling) wins over global_attn_every_n_layers, as in transformers.
std::vector<bool> parse_layer_pattern(const ConfigReader& r, int64_t num_layers) {
  std::vector<bool> is_global(static_cast<std::size_t>(num_layers));
  if (const json* types = r.find("layer_types")) {
    if (!types->is_array()) r.fail("layer_types", "not an array");
    if (static_cast<int64_t>(types->size()) != num_layers) {
      r.fail("layer_types", "has " + std::to_string(types->size()) + " entries, but " +
                                "num_hidden_layers is " + std::to_string(num_layers));
    }
    for (std::size_t i = 0; i < types->size(); ++i) {
      const json& t = (*types)[i];
      if (t.is_string() && t.get_ref<const std::string&>() == "full_attention") {
        is_global[i] = true;
      } else if (t.is_string() && t.get_ref<const std::string&>() == "sliding_attention") {
        is_global[i] = false;
      } else {
        r.fail("layer_types", "entry " + std::to_string(i) +
                                  " is not \"full_attention\" or \"sliding_attention\"");
      }
    }
    return is_global;
  }
  if (r.find("global_attn_every_n_layers") == nullptr) {
    r.fail("layer_types", "missing (and no 'global_attn_every_n_layers')");
  }
  const int64_t every = r.int_key("global_attn_every_n_layers", 1, kMaxLayers);
  for (int64_t i = 0; i < num_layers; ++i) is_global[static_cast<std::size_t>(i)] = i % every == 0;
  return is_global;
}

// rope_parameters[layer_type].rope_theta (new spelling) or the legacy key.
double parse_rope_theta(const ConfigReader& r, const char* layer_type, const char* legacy_key) {
  if (const json* params = r.find("rope_parameters")) {
    if (!params->is_object()) r.fail("rope_parameters", "not an object");
    if (params->contains("rope_theta") || params->contains("rope_type")) {
      r.fail("rope_parameters",
             "expected one entry per layer type (\"full_attention\", \"sliding_attention\")");
    }
    const std::string key = std::string("rope_parameters.") + layer_type;
    if (const json* p = r.find(*params, layer_type)) {
      if (!p->is_object()) r.fail(key, "not an object");
      if (const json* type = r.find(*p, "rope_type")) {
        if (!type->is_string() || type->get_ref<const std::string&>() != "default") {
          r.fail(key + ".rope_type", "only \"default\" RoPE is implemented");
        }
      }
      if (const json* theta = r.find(*p, "rope_theta")) {
        return r.as_positive(*theta, key + ".rope_theta");
      }
    }
  }
  if (const json* v = r.find(legacy_key)) return r.as_positive(*v, legacy_key);
  r.fail(std::string("rope_parameters.") + layer_type + ".rope_theta",
         std::string("missing (and no '") + legacy_key + "')");
}

}  // namespace

ModelConfig ModelConfig::from_json(std::string_view text, std::string_view origin) {
  const json root = parse_config_json(text, origin);
  if (!root.is_object()) throw Error(std::string(origin) + ": not a JSON object");
  const ConfigReader r(root, origin);

  r.require_string("model_type", "modernbert", "kompress runs ModernBERT only");
  r.require_string("hidden_activation", "gelu", "the encoder uses exact GELU");
  r.require_false("attention_bias", "the encoder has no biases");
  r.require_false("mlp_bias", "the encoder has no biases");
  r.require_false("norm_bias", "the encoder has no biases");
  if (r.find("rope_scaling") != nullptr) r.fail("rope_scaling", "RoPE scaling is not implemented");

  ModelConfig c;
  c.vocab_size = r.int_key("vocab_size", 1, kMaxVocab);
  c.hidden_size = r.int_key("hidden_size", 1, kMaxWidth);
  c.num_layers = r.int_key("num_hidden_layers", 1, kMaxLayers);
  c.num_heads = r.int_key("num_attention_heads", 1, kMaxWidth);
  c.intermediate_size = r.int_key("intermediate_size", 1, kMaxWidth);
  if (c.hidden_size % c.num_heads != 0) {
    r.fail("num_attention_heads", "hidden_size " + std::to_string(c.hidden_size) +
                                      " is not divisible by " + std::to_string(c.num_heads));
  }
  if (c.head_dim() % 2 != 0) {
    r.fail("num_attention_heads",
           "head_dim " + std::to_string(c.head_dim()) + " is odd (RoPE rotates halves)");
  }
  c.norm_eps = parse_norm_eps(r);
  c.local_window_half = r.int_key("local_attention", 1, kMaxPositions) / 2;
  c.global_rope_theta = parse_rope_theta(r, "full_attention", "global_rope_theta");
  c.local_rope_theta = parse_rope_theta(r, "sliding_attention", "local_rope_theta");
  c.layer_is_global = parse_layer_pattern(r, c.num_layers);
  if (r.find("max_position_embeddings") != nullptr) {
    c.max_position_embeddings = r.int_key("max_position_embeddings", 1, kMaxPositions);
  }
  if (r.find("pad_token_id") != nullptr) {
    c.pad_token_id = r.int_key("pad_token_id", 0, c.vocab_size - 1);
  }
  if (const json* v = r.find("initializer_range")) {
    c.initializer_range = r.as_positive(*v, "initializer_range");
  }
  // An explicit null cutoff means 3 in ModernBertPreTrainedModel._init_weights.
  if (const json* v = r.find("initializer_cutoff_factor")) {
    c.initializer_cutoff_factor = r.as_positive(*v, "initializer_cutoff_factor");
  } else if (root.contains("initializer_cutoff_factor")) {
    c.initializer_cutoff_factor = 3.0;
  }
  return c;
}

ModelConfig ModelConfig::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open: " + std::generic_category().message(errno));
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) throw Error(path + ": larger than a config.json can be");
  }
  if (in.bad()) throw Error(path + ": cannot read");
  return from_json(text, path);
}

}  // namespace kompress::weights
