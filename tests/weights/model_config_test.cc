// ModernBERT config.json parsing in both spellings, and its rejections.
#include "weights/model_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "kompress/error.h"
#include "test_paths.h"

namespace kompress::weights {
namespace {

using nlohmann::json;

// The fields kompress reads from ModernBERT-base's config.json, legacy spelling.
json legacy_config() {
  return json::parse(R"({
    "model_type": "modernbert", "vocab_size": 50368, "hidden_size": 768,
    "intermediate_size": 1152, "num_hidden_layers": 22, "num_attention_heads": 12,
    "hidden_activation": "gelu", "attention_bias": false, "mlp_bias": false, "norm_bias": false,
    "norm_eps": 1e-05, "layer_norm_eps": 1e-05, "global_attn_every_n_layers": 3,
    "global_rope_theta": 160000.0, "local_rope_theta": 10000.0, "local_attention": 128,
    "max_position_embeddings": 8192, "pad_token_id": 50283
  })");
}

// The same config as transformers now writes it: layer_types + rope_parameters.
json new_spelling(json c) {
  const int every = c["global_attn_every_n_layers"].get<int>();
  json types = json::array();
  for (int i = 0; i < c["num_hidden_layers"].get<int>(); ++i) {
    types.push_back(i % every == 0 ? "full_attention" : "sliding_attention");
  }
  c["layer_types"] = types;
  c["rope_parameters"] = {
      {"full_attention", {{"rope_theta", c["global_rope_theta"]}, {"rope_type", "default"}}},
      {"sliding_attention", {{"rope_theta", c["local_rope_theta"]}, {"rope_type", "default"}}}};
  c.erase("global_attn_every_n_layers");
  c.erase("global_rope_theta");
  c.erase("local_rope_theta");
  c.erase("layer_norm_eps");
  return c;
}

void expect_modernbert_base(const ModelConfig& c) {
  EXPECT_EQ(c.vocab_size, 50368);
  EXPECT_EQ(c.hidden_size, 768);
  EXPECT_EQ(c.num_layers, 22);
  EXPECT_EQ(c.num_heads, 12);
  EXPECT_EQ(c.head_dim(), 64);
  EXPECT_EQ(c.intermediate_size, 1152);
  EXPECT_EQ(c.norm_eps, 1e-5);
  EXPECT_EQ(c.local_window_half, 64);
  EXPECT_EQ(c.global_rope_theta, 160000.0);
  EXPECT_EQ(c.local_rope_theta, 10000.0);
  EXPECT_EQ(c.max_position_embeddings, 8192);
  EXPECT_EQ(c.pad_token_id, 50283);
  ASSERT_EQ(c.layer_is_global.size(), 22u);
  for (int i = 0; i < 22; ++i) EXPECT_EQ(c.layer_is_global[i], i % 3 == 0) << "layer " << i;
}

// Parsing `text` must fail with "<origin>: ..." containing every fragment.
void expect_text_rejected(const std::string& text, std::initializer_list<std::string> fragments) {
  try {
    (void)ModelConfig::from_json(text, "cfg.json");
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("cfg.json: ", 0), 0u) << msg;
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}
void expect_rejected(const json& config, std::initializer_list<std::string> fragments) {
  expect_text_rejected(config.dump(), fragments);
}

json with(json c, const std::string& key, json value) {
  c[key] = std::move(value);
  return c;
}
json without(json c, const std::string& key) {
  c.erase(key);
  return c;
}

TEST(ModelConfig, RealModernBertConfig) {
  KOMPRESS_REQUIRE_MODERNBERT(dir);
  const std::string path = (dir / "config.json").string();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  const ModelConfig c = ModelConfig::from_file(path);
  expect_modernbert_base(c);

  // The same file rewritten in the new spelling gives an identical config.
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const json rewritten = new_spelling(json::parse(text.str()));
  EXPECT_EQ(ModelConfig::from_json(rewritten.dump(), "new.json"), c);
  EXPECT_EQ(ModelConfig::from_json(legacy_config().dump(), "inline.json"), c);
}

TEST(ModelConfig, BothSpellingsAgree) {
  const ModelConfig legacy = ModelConfig::from_json(legacy_config().dump(), "a");
  expect_modernbert_base(legacy);
  EXPECT_EQ(ModelConfig::from_json(new_spelling(legacy_config()).dump(), "b"), legacy);
}

TEST(ModelConfig, NewSpellingWinsWhenBothArePresent) {
  json c = new_spelling(legacy_config());
  c["global_attn_every_n_layers"] = 2;  // stale legacy keys, as transformers may keep them
  c["global_rope_theta"] = 1.0;
  c["layer_types"][1] = "full_attention";
  const ModelConfig m = ModelConfig::from_json(c.dump(), "x");
  EXPECT_TRUE(m.layer_is_global[1]);
  EXPECT_FALSE(m.layer_is_global[2]);
  EXPECT_EQ(m.global_rope_theta, 160000.0);
}

TEST(ModelConfig, AcceptsEitherEpsSpellingAndOptionalKeys) {
  json c = without(legacy_config(), "norm_eps");
  c["layer_norm_eps"] = 1e-6;
  EXPECT_EQ(ModelConfig::from_json(c.dump(), "x").norm_eps, 1e-6);
  // norm_eps is what ModernBERT reads, so it wins over layer_norm_eps.
  c["norm_eps"] = 2e-6;
  EXPECT_EQ(ModelConfig::from_json(c.dump(), "x").norm_eps, 2e-6);
  // Absent biases/activation/pad mean the transformers defaults (no bias, gelu, no pad).
  c = legacy_config();
  for (const char* k : {"attention_bias", "mlp_bias", "norm_bias", "hidden_activation",
                        "model_type", "max_position_embeddings"}) {
    c.erase(k);
  }
  c["pad_token_id"] = nullptr;
  const ModelConfig m = ModelConfig::from_json(c.dump(), "x");
  EXPECT_EQ(m.pad_token_id, -1);
  EXPECT_EQ(m.max_position_embeddings, 8192);
  // Odd local_attention rounds down, like transformers' local_attention // 2.
  EXPECT_EQ(ModelConfig::from_json(with(c, "local_attention", 257).dump(), "x").local_window_half,
            128);
}

// The random-weight scale transformers draws from: read when given, its defaults otherwise (an
// explicit null cutoff is 3 there), rejected when not a positive number.
TEST(ModelConfig, ReadsTheInitializerScale) {
  json c = with(with(legacy_config(), "initializer_range", 0.05), "initializer_cutoff_factor", 2.5);
  ModelConfig m = ModelConfig::from_json(c.dump(), "x");
  EXPECT_EQ(m.initializer_range, 0.05);
  EXPECT_EQ(m.initializer_cutoff_factor, 2.5);
  m = ModelConfig::from_json(
      without(without(legacy_config(), "initializer_range"), "initializer_cutoff_factor").dump(),
      "x");
  EXPECT_EQ(m.initializer_range, 0.02);
  EXPECT_EQ(m.initializer_cutoff_factor, 2.0);
  m = ModelConfig::from_json(with(legacy_config(), "initializer_cutoff_factor", nullptr).dump(),
                             "x");
  EXPECT_EQ(m.initializer_cutoff_factor, 3.0);
  expect_rejected(with(legacy_config(), "initializer_range", -0.02),
                  {"'initializer_range': must be positive"});
  expect_rejected(with(legacy_config(), "initializer_cutoff_factor", "2"),
                  {"'initializer_cutoff_factor': not a number"});
}

TEST(ModelConfig, RejectsInvalidJson) {
  expect_text_rejected(R"({"norm_eps": NaN})", {"not valid JSON"});
  expect_text_rejected(R"({"norm_eps": Infinity})", {"not valid JSON"});
  expect_text_rejected(R"({"norm_eps": 1e400})", {"not valid JSON"});
  expect_text_rejected("", {"not valid JSON"});
  expect_text_rejected(std::string(100000, '['), {"JSON nested too deeply"});
  expect_text_rejected("[1]", {"not a JSON object"});
  expect_text_rejected(legacy_config().dump() + std::string("\0{", 2), {"NUL byte"});
}

TEST(ModelConfig, RejectsMissingKeys) {
  for (const char* key : {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                          "num_attention_heads", "local_attention"}) {
    expect_rejected(without(legacy_config(), key), {"'" + std::string(key) + "': missing"});
  }
  expect_rejected(without(without(legacy_config(), "norm_eps"), "layer_norm_eps"),
                  {"'norm_eps': missing"});
  expect_rejected(without(legacy_config(), "global_attn_every_n_layers"),
                  {"'layer_types': missing"});
  expect_rejected(without(legacy_config(), "global_rope_theta"),
                  {"'rope_parameters.full_attention.rope_theta': missing", "global_rope_theta"});
  expect_rejected(without(legacy_config(), "local_rope_theta"),
                  {"'rope_parameters.sliding_attention.rope_theta': missing"});
  json c = new_spelling(legacy_config());
  c["rope_parameters"]["sliding_attention"].erase("rope_theta");
  expect_rejected(c, {"'rope_parameters.sliding_attention.rope_theta': missing"});
  expect_rejected(with(legacy_config(), "hidden_size", nullptr), {"'hidden_size': missing"});
}

TEST(ModelConfig, RejectsWrongTypes) {
  expect_rejected(with(legacy_config(), "hidden_size", "768"), {"'hidden_size': not an integer"});
  expect_rejected(with(legacy_config(), "hidden_size", 768.0), {"'hidden_size': not an integer"});
  expect_rejected(with(legacy_config(), "norm_eps", "1e-5"), {"'norm_eps': not a number"});
  expect_rejected(with(legacy_config(), "global_rope_theta", json::array()),
                  {"'global_rope_theta': not a number"});
  expect_rejected(with(legacy_config(), "mlp_bias", 0), {"'mlp_bias': not a boolean"});
  expect_rejected(with(legacy_config(), "hidden_activation", 1),
                  {"'hidden_activation': not a string"});
  expect_rejected(with(legacy_config(), "layer_types", "full_attention"),
                  {"'layer_types': not an array"});
  expect_rejected(with(legacy_config(), "rope_parameters", 3),
                  {"'rope_parameters': not an object"});
}

TEST(ModelConfig, RejectsHugeNegativeAndZeroValues) {
  expect_rejected(with(legacy_config(), "hidden_size", 1e30), {"'hidden_size': not an integer"});
  expect_text_rejected(R"({"vocab_size": 99999999999999999999999})",
                       {"'vocab_size': not an integer"});
  expect_rejected(with(legacy_config(), "vocab_size", 18446744073709551615u),
                  {"'vocab_size': too large"});
  expect_rejected(with(legacy_config(), "num_hidden_layers", 1000000000),
                  {"'num_hidden_layers': too large"});
  expect_rejected(with(legacy_config(), "num_hidden_layers", -1),
                  {"'num_hidden_layers': must be at least 1"});
  expect_rejected(with(legacy_config(), "num_attention_heads", 0),
                  {"'num_attention_heads': must be at least 1"});
  expect_rejected(with(legacy_config(), "norm_eps", -1e-5), {"'norm_eps': must be positive"});
  expect_rejected(with(legacy_config(), "norm_eps", 0), {"'norm_eps': must be positive"});
  expect_rejected(with(legacy_config(), "local_rope_theta", -10000.0),
                  {"'local_rope_theta': must be positive"});
  expect_rejected(with(legacy_config(), "global_attn_every_n_layers", 0),
                  {"'global_attn_every_n_layers': must be at least 1"});
  expect_rejected(with(legacy_config(), "pad_token_id", 50368), {"'pad_token_id': too large"});
  json c = new_spelling(legacy_config());
  c["rope_parameters"]["full_attention"]["rope_theta"] = -1;
  expect_rejected(c, {"'rope_parameters.full_attention.rope_theta': must be positive"});
}

TEST(ModelConfig, RejectsInconsistentSizes) {
  expect_rejected(with(legacy_config(), "num_attention_heads", 7),
                  {"'num_attention_heads': hidden_size 768 is not divisible by 7"});
  expect_rejected(with(with(legacy_config(), "hidden_size", 36), "num_attention_heads", 12),
                  {"'num_attention_heads': head_dim 3 is odd"});
  json c = new_spelling(legacy_config());
  c["layer_types"].erase(0);
  expect_rejected(c, {"'layer_types': has 21 entries, but num_hidden_layers is 22"});
}

TEST(ModelConfig, RejectsUnknownLayerTypeAndRope) {
  json c = new_spelling(legacy_config());
  c["layer_types"][4] = "chunked_attention";
  expect_rejected(c, {"'layer_types': entry 4 is not"});
  c = new_spelling(legacy_config());
  c["rope_parameters"]["full_attention"]["rope_type"] = "yarn";
  expect_rejected(c, {"'rope_parameters.full_attention.rope_type'", "default"});
  c = new_spelling(legacy_config());
  c["rope_parameters"] = {{"rope_theta", 160000.0}, {"rope_type", "default"}};
  expect_rejected(c, {"'rope_parameters': expected one entry per layer type"});
  expect_rejected(with(legacy_config(), "rope_scaling", {{"type", "linear"}}),
                  {"'rope_scaling': RoPE scaling is not implemented"});
}

TEST(ModelConfig, RejectsUnimplementedFeatures) {
  for (const char* key : {"attention_bias", "mlp_bias", "norm_bias"}) {
    expect_rejected(with(legacy_config(), key, true),
                    {"'" + std::string(key) + "': true is not implemented"});
  }
  expect_rejected(with(legacy_config(), "hidden_activation", "gelu_pytorch_tanh"),
                  {"'hidden_activation': 'gelu_pytorch_tanh' is not implemented"});
  expect_rejected(with(legacy_config(), "model_type", "bert"), {"'model_type': 'bert'"});
}

TEST(ModelConfig, FromFileNamesTheFile) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("kompress_config_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string missing = (dir / "missing.json").string();
  try {
    (void)ModelConfig::from_file(missing);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(missing + ": cannot open", 0), 0u) << e.what();
  }
  const std::string bad = (dir / "bad.json").string();
  std::ofstream(bad) << with(legacy_config(), "norm_bias", true).dump();
  try {
    (void)ModelConfig::from_file(bad);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(bad + ": 'norm_bias': true is not implemented", 0), 0u)
        << e.what();
  }
  const std::string good = (dir / "good.json").string();
  std::ofstream(good) << legacy_config().dump();
  expect_modernbert_base(ModelConfig::from_file(good));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kompress::weights
