#include "tokenizer/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kompress/error.h"

namespace kompress::tokenizer {
namespace {

using nlohmann::json;

// Error helper: every message starts with the origin (usually the file path).
class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(origin_ + ": " + problem);
  }

  const json& object(const json& node, const std::string& where) const {
    if (!node.is_object()) fail(where + " is not a JSON object");
    return node;
  }

  // The "type" tag of a stage object, or "" when absent.
  std::string type_of(const json& node, const std::string& where) const {
    object(node, where);
    auto it = node.find("type");
    if (it == node.end()) return "";
    if (!it->is_string()) fail(where + ".type is not a string");
    return it->get<std::string>();
  }

  bool boolean(const json& node, const char* key, bool fallback, const std::string& where) const {
    auto it = node.find(key);
    if (it == node.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(where + "." + key + " is not a boolean");
    return it->get<bool>();
  }

  std::string string(const json& node, const char* key, const std::string& where) const {
    auto it = node.find(key);
    if (it == node.end() || !it->is_string())
      fail(where + "." + key + " is missing or not a string");
    return it->get<std::string>();
  }

  int32_t id(const json& node, const std::string& where) const {
    if (!node.is_number_integer() || node.get<int64_t>() < 0 ||
        node.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
      fail(where + " is not a token id (an integer from 0 to 2^31-1)");
    }
    return static_cast<int32_t>(node.get<int64_t>());
  }

 private:
  std::string origin_;
};

void collect_normal_forms(const Reader& r, const json& node, const std::string& where,
                          std::vector<NormalForm>& steps) {
  if (node.is_null()) return;
  const std::string type = r.type_of(node, where);
  if (type == "NFC") {
    steps.push_back(NormalForm::kNFC);
  } else if (type == "NFD") {
    steps.push_back(NormalForm::kNFD);
  } else if (type == "NFKC") {
    steps.push_back(NormalForm::kNFKC);
  } else if (type == "NFKD") {
    steps.push_back(NormalForm::kNFKD);
  } else if (type == "Sequence") {
    auto it = node.find("normalizers");
    if (it == node.end() || !it->is_array()) r.fail(where + ".normalizers is not an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      collect_normal_forms(r, (*it)[i], where + ".normalizers[" + std::to_string(i) + "]", steps);
    }
  } else {
    r.fail("unsupported normalizer type '" + type + "' (kompress reads NFC, NFD, NFKC, NFKD)");
  }
}

Normalizer read_normalizer(const Reader& r, const json& root) {
  std::vector<NormalForm> steps;
  if (auto it = root.find("normalizer"); it != root.end()) {
    collect_normal_forms(r, *it, "normalizer", steps);
  }
  return Normalizer(std::move(steps));
}

ByteLevelPreTokenizer read_pre_tokenizer(const Reader& r, const json& root) {
  auto it = root.find("pre_tokenizer");
  if (it == root.end() || it->is_null()) {
    r.fail("no pre_tokenizer (kompress reads byte-level BPE, which needs ByteLevel)");
  }
  const json* node = &*it;
  std::string where = "pre_tokenizer";
  std::string type = r.type_of(*node, where);
  if (type == "Sequence") {  // accepted when it holds the ByteLevel stage alone
    auto list = node->find("pretokenizers");
    if (list == node->end() || !list->is_array() || list->size() != 1) {
      r.fail("unsupported pre_tokenizer Sequence (kompress reads a single ByteLevel)");
    }
    node = &(*list)[0];
    where += ".pretokenizers[0]";
    type = r.type_of(*node, where);
  }
  if (type != "ByteLevel") {
    r.fail("unsupported pre_tokenizer type '" + type + "' (kompress reads byte-level BPE)");
  }
  return ByteLevelPreTokenizer(r.boolean(*node, "add_prefix_space", true, where),
                               r.boolean(*node, "use_regex", true, where));
}

std::vector<std::pair<std::string, std::string>> read_merges(const Reader& r, const json& model) {
  auto it = model.find("merges");
  if (it == model.end() || !it->is_array()) r.fail("model.merges is missing or not an array");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(it->size());
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& m = (*it)[i];
    const std::string where = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {  // "a b"
      const std::string& line = m.get_ref<const std::string&>();
      const std::size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        r.fail(where + " '" + line + "' is not two tokens separated by one space");
      }
      merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      r.fail(where + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
  return merges;
}

Bpe read_model(const Reader& r, const json& root, std::string_view origin) {
  auto it = root.find("model");
  if (it == root.end()) r.fail("no model");
  const json& model = r.object(*it, "model");
  const std::string type = r.type_of(model, "model");
  if (!type.empty() && type != "BPE") {
    r.fail("unsupported tokenizer model type '" + type + "' (kompress reads byte-level BPE)");
  }
  if (type.empty() && !model.contains("merges")) {
    r.fail("unsupported tokenizer model without type nor merges (kompress reads byte-level BPE)");
  }
  if (auto d = model.find("dropout");
      d != model.end() && !d->is_null() && !(d->is_number() && d->get<double>() == 0.0)) {
    r.fail("unsupported BPE dropout (kompress encodes deterministically)");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (auto v = model.find(key);
        v != model.end() && !v->is_null() && !(v->is_string() && v->get<std::string>().empty())) {
      r.fail(std::string("unsupported BPE ") + key + " (byte-level BPE has none)");
    }
  }
  auto vocab_it = model.find("vocab");
  if (vocab_it == model.end() || !vocab_it->is_object()) {
    r.fail("model.vocab is missing or not an object");
  }
  std::unordered_map<std::string, int32_t> vocab;
  vocab.reserve(vocab_it->size());
  for (const auto& [token, id] : vocab_it->items()) {
    vocab.emplace(token, r.id(id, "model.vocab['" + token + "']"));
  }
  BpeOptions options;
  if (auto u = model.find("unk_token"); u != model.end() && !u->is_null()) {
    if (!u->is_string()) r.fail("model.unk_token is not a string");
    options.unk_token = u->get<std::string>();
  }
  options.fuse_unk = r.boolean(model, "fuse_unk", false, "model");
  options.byte_fallback = r.boolean(model, "byte_fallback", false, "model");
  options.ignore_merges = r.boolean(model, "ignore_merges", false, "model");
  return Bpe(std::move(vocab), read_merges(r, model), std::move(options), origin);
}

std::vector<AddedToken> read_added_tokens(const Reader& r, const json& root) {
  std::vector<AddedToken> tokens;
  auto it = root.find("added_tokens");
  if (it == root.end() || it->is_null()) return tokens;
  if (!it->is_array()) r.fail("added_tokens is not an array");
  for (std::size_t i = 0; i < it->size(); ++i) {
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    const json& node = r.object((*it)[i], where);
    AddedToken t;
    auto id = node.find("id");
    if (id == node.end()) r.fail(where + ".id is missing");
    t.id = r.id(*id, where + ".id");
    t.content = r.string(node, "content", where);
    t.single_word = r.boolean(node, "single_word", false, where);
    t.lstrip = r.boolean(node, "lstrip", false, where);
    t.rstrip = r.boolean(node, "rstrip", false, where);
    t.special = r.boolean(node, "special", false, where);
    // Hugging Face's default: special tokens are matched on the raw text.
    t.normalized = r.boolean(node, "normalized", !t.special, where);
    tokens.push_back(std::move(t));
  }
  return tokens;
}

// Id of a token named by a post-processor, looked up like Hugging Face's token_to_id.
int32_t special_id(const Reader& r, const json& node, const std::string& where) {
  if (node.is_number_integer()) return r.id(node, where);
  r.fail(where + " is not a token id");
}

// Ids of one "SpecialToken" of a template, from the template's special_tokens table.
std::vector<int32_t> template_special(const Reader& r, const json& processor,
                                      const std::string& name, const std::string& where) {
  auto table = processor.find("special_tokens");
  if (table == processor.end() || !table->is_object() || !table->contains(name)) {
    r.fail(where + ": special token '" + name + "' is not in special_tokens");
  }
  const json& entry = r.object((*table)[name], "post_processor.special_tokens['" + name + "']");
  auto ids = entry.find("ids");
  if (ids == entry.end() || !ids->is_array()) {
    r.fail("post_processor.special_tokens['" + name + "'].ids is not an array");
  }
  std::vector<int32_t> out;
  for (const json& id : *ids) out.push_back(r.id(id, "post_processor.special_tokens ids"));
  return out;
}

PostProcessor read_template(const Reader& r, const json& processor) {
  auto single = processor.find("single");
  if (single == processor.end() || !single->is_array()) {
    r.fail("post_processor.single is missing or not an array");
  }
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
  bool seen_sequence = false;
  for (std::size_t i = 0; i < single->size(); ++i) {
    const std::string where = "post_processor.single[" + std::to_string(i) + "]";
    const json& piece = r.object((*single)[i], where);
    if (auto seq = piece.find("Sequence"); seq != piece.end()) {
      if (seen_sequence || r.string(*seq, "id", where + ".Sequence") != "A") {
        r.fail(where + ": a single template holds the sequence $A once");
      }
      seen_sequence = true;
    } else if (auto sp = piece.find("SpecialToken"); sp != piece.end()) {
      const auto ids = template_special(r, processor, r.string(*sp, "id", where), where);
      auto& target = seen_sequence ? suffix : prefix;
      target.insert(target.end(), ids.begin(), ids.end());
    } else {
      r.fail(where + " is neither a Sequence nor a SpecialToken");
    }
  }
  if (!seen_sequence) r.fail("post_processor.single has no $A");
  return PostProcessor(std::move(prefix), std::move(suffix));
}

PostProcessor read_post_processor(const Reader& r, const json& node, const std::string& where) {
  if (node.is_null()) return {};
  const std::string type = r.type_of(node, where);
  if (type == "TemplateProcessing") return read_template(r, node);
  if (type == "ByteLevel") return {};  // only trims offsets, which kompress does not report
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    // "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]
    auto pair_id = [&](const char* key) {
      auto it = node.find(key);
      if (it == node.end() || !it->is_array() || it->size() != 2) {
        r.fail(where + "." + key + " is not [token, id]");
      }
      return special_id(r, (*it)[1], where + "." + key);
    };
    return PostProcessor({pair_id("cls")}, {pair_id("sep")});
  }
  if (type == "Sequence") {
    auto list = node.find("processors");
    if (list == node.end() || !list->is_array()) r.fail(where + ".processors is not an array");
    PostProcessor result;
    for (std::size_t i = 0; i < list->size(); ++i) {
      PostProcessor p =
          read_post_processor(r, (*list)[i], where + ".processors[" + std::to_string(i) + "]");
      if (p.added_tokens() > 0) {
        if (result.added_tokens() > 0) r.fail(where + ": more than one processor adds tokens");
        result = std::move(p);
      }
    }
    return result;
  }
  r.fail("unsupported post_processor type '" + type + "'");
}

}  // namespace

std::unique_ptr<Pipeline> parse_tokenizer_json(std::string_view text, std::string_view origin) {
  const Reader r(origin);
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    r.fail(std::string("not valid JSON: ") + e.what());
  }
  r.object(root, "the top level");
  try {
    Normalizer normalizer = read_normalizer(r, root);
    AddedVocabulary added(read_added_tokens(r, root), normalizer);
    ByteLevelPreTokenizer pre_tokenizer = read_pre_tokenizer(r, root);
    Bpe model = read_model(r, root, origin);
    PostProcessor post;
    if (auto it = root.find("post_processor"); it != root.end()) {
      post = read_post_processor(r, *it, "post_processor");
    }
    return std::make_unique<Pipeline>(Pipeline{std::move(added), std::move(normalizer),
                                               std::move(pre_tokenizer), std::move(model),
                                               std::move(post)});
  } catch (const json::exception& e) {
    // Type mismatches that slipped past the checks above: still a clean, one-line error.
    r.fail(std::string("malformed tokenizer.json: ") + e.what());
  }
}

}  // namespace kompress::tokenizer
