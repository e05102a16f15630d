#include "server/compress_routes.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <vector>

#include "kompress/error.h"
#include "server/batching_scorer.h"
#include "text/words.h"

namespace kompress::server {
namespace {

using nlohmann::json;

// Below this ratio the compressor stores the original (the reference's rule).
constexpr double kCcrRatio = 0.8;

std::shared_ptr<const Compressor> ready_compressor(const Engine& engine) {
  if (auto c = engine.compressor()) return c;
  const Engine::Status s = engine.status();
  throw HttpError(503, s.state == Engine::State::kFailed ? "model failed to load: " + s.error
                                                         : "model not ready yet (loading)");
}

std::optional<double> read_ratio(const json& v, const std::string& where) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_number() || !(v.get<double>() >= 0.0 && v.get<double>() <= 1.0)) {
    throw HttpError(400, where + ": must be a number from 0 to 1, or null; got " + v.dump());
  }
  return v.get<double>();
}

float read_threshold(const json& v, const std::string& where) {
  if (!v.is_number() || !(v.get<double>() >= 0.0 && v.get<double>() <= 1.0)) {
    throw HttpError(400, where + ": must be a number from 0 to 1; got " + v.dump());
  }
  return v.get<float>();
}

bool read_bool(const json& v, const std::string& where) {
  if (!v.is_boolean()) throw HttpError(400, where + ": must be true or false; got " + v.dump());
  return v.get<bool>();
}

Join read_join(const json& v, const std::string& where) {
  if (v == "layout") return Join::kLayout;
  if (v == "space") return Join::kSpace;
  throw HttpError(400, where + ": must be \"layout\" or \"space\"; got " + v.dump());
}

// The options a group of texts shares: compress_batch takes one CompressOptions (the ratio may
// differ per text).
struct Settings {
  float threshold = 0.5f;
  bool must_keep = true;
  Join join = Join::kLayout;
  bool ccr = true;
  auto operator<=>(const Settings&) const = default;
};

// The options one text asks for.
struct TextOptions {
  Settings settings;
  std::optional<double> ratio;
};

const std::vector<std::string_view> kTextOptionKeys = {"ratio", "threshold", "must_keep", "join",
                                                       "ccr"};

// Reads the option fields present in `obj` over `o`; `prefix` names the object in messages.
void read_text_options(const json& obj, TextOptions& o, const std::string& prefix) {
  for (const auto& [key, v] : obj.items()) {
    const std::string where = prefix + key;
    if (key == "ratio") o.ratio = read_ratio(v, where);
    if (key == "threshold") o.settings.threshold = read_threshold(v, where);
    if (key == "must_keep") o.settings.must_keep = read_bool(v, where);
    if (key == "join") o.settings.join = read_join(v, where);
    if (key == "ccr") o.settings.ccr = read_bool(v, where);
  }
}

// Unknown fields are errors: a misspelt option must not be silently ignored.
void check_keys(const json& obj, std::vector<std::string_view> allowed, const std::string& prefix) {
  allowed.insert(allowed.end(), kTextOptionKeys.begin(), kTextOptionKeys.end());
  for (const auto& [key, v] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw HttpError(400, prefix + key + ": unknown field");
    }
  }
}

// A float as the shortest decimal that reads back as it (0.8, not 0.800000011920929).
double json_float(float v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

json words_json(const std::vector<WordDecision>& words) {
  json out = json::array();
  for (const WordDecision& w : words) {
    out.push_back({{"begin", w.begin},
                   {"end", w.end},
                   {"score", json_float(w.score)},
                   {"kept", w.kept},
                   {"reason", to_string(w.reason)}});
  }
  return out;
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Every Result field but the original (the client sent it), and why the text was (partly)
// passed through.
json v1_result(const Result& r, std::string_view fail_open, bool with_words) {
  json out = {{"compressed", r.compressed},
              {"original_tokens", r.original_tokens},
              {"compressed_tokens", r.compressed_tokens},
              {"compression_ratio", r.compression_ratio},
              {"tokens_saved", r.tokens_saved()},
              {"savings_percentage", r.savings_percentage()},
              {"cache_key", nullable(r.cache_key)},
              {"model_used", r.model_used},
              {"passthrough", r.passthrough},
              {"from_cache", r.from_cache},
              {"deadline_hit", r.deadline_hit},
              {"chunks_skipped", r.chunks_skipped},
              {"ccr_error", nullable(r.ccr_error)},
              {"fail_open", fail_open.empty() ? json(nullptr) : json(fail_open)}};
  if (with_words) out["words"] = words_json(r.words);
  return out;
}

// The text unchanged, for a request the queue had no room for.
Result queue_full_result(std::string_view text, std::string model) {
  Result r;
  r.compressed = std::string(text);
  for (const text::Word& w : text::split_words(text).words) {
    WordDecision d;
    d.begin = w.begin;
    d.end = w.end;
    r.words.push_back(d);
  }
  r.original_tokens = r.compressed_tokens = static_cast<int64_t>(r.words.size());
  r.model_used = std::move(model);
  return r;
}

// Counts a result in the metrics.
void account(Metrics& m, const Result& r) {
  m.count_words(r.original_tokens, r.compressed_tokens);
  if (r.deadline_hit) m.count_fail_open("deadline");
  if (!r.cache_key.empty() && !r.from_cache) m.count_ccr_store();
  if (!r.ccr_error.empty()) m.count_ccr_error();
}

// The options every route starts from: the server's deadline.
CompressOptions base_options(std::chrono::milliseconds deadline) {
  CompressOptions o;
  o.deadline = deadline;
  return o;
}

}  // namespace

Reply handle_compress(const CompressContext& ctx, std::string_view body, bool lossy) {
  const auto compressor = ready_compressor(ctx.engine);
  const json req = parse_body(body, lossy);
  if (!req.is_object()) {
    throw HttpError(400, "body must be a JSON object {\"content\": ..., \"target_ratio\": ...}");
  }
  const auto content = req.find("content");
  if (content == req.end() || !content->is_string()) {
    throw HttpError(400, "content: must be a string");
  }
  CompressOptions o = base_options(ctx.deadline);
  o.ccr = false;  // stateless: the client keeps CCR itself
  if (const auto ratio = req.find("target_ratio"); ratio != req.end()) {
    o.ratio = read_ratio(*ratio, "target_ratio");
  }
  Result r;
  try {
    r = compressor->compress(content->get_ref<const std::string&>(), o);
  } catch (const QueueFull& e) {
    ctx.metrics.count_fail_open("queue_full");
    Reply busy = error_reply(503, std::string("server busy: ") + e.what());
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  } catch (const Error& e) {
    throw HttpError(500, std::string("compression failed: ") + e.what());
  }
  account(ctx.metrics, r);
  Reply reply = json_reply(200, {{"compressed", r.compressed},
                                 {"original_tokens", r.original_tokens},
                                 {"compressed_tokens", r.compressed_tokens},
                                 {"compression_ratio", r.compression_ratio},
                                 {"model_used", r.model_used}});
  if (r.deadline_hit) reply.headers.emplace_back("X-Kompress-Fail-Open", "deadline");
  return reply;
}

Reply handle_v1_compress(const CompressContext& ctx, std::string_view body, bool lossy) {
  const auto compressor = ready_compressor(ctx.engine);
  const json req = parse_body(body, lossy);
  if (!req.is_object()) throw HttpError(400, "body must be a JSON object {\"texts\": [...]}");
  check_keys(req, {"texts", "deadline_ms", "words"}, "");
  TextOptions defaults;
  read_text_options(req, defaults, "");
  std::chrono::milliseconds deadline = ctx.deadline;
  if (const auto d = req.find("deadline_ms"); d != req.end()) {
    if (!d->is_number_unsigned()) {
      throw HttpError(400, "deadline_ms: must be a whole number of milliseconds (0: none)");
    }
    deadline = std::chrono::milliseconds(d->get<int64_t>());
  }
  const bool with_words = req.contains("words") && read_bool(req["words"], "words");
  const auto texts = req.find("texts");
  if (texts == req.end() || !texts->is_array()) {
    throw HttpError(400, "texts: must be an array of strings or {\"text\": ...} objects");
  }

  std::vector<std::string_view> text_of(texts->size());
  std::map<Settings, std::vector<std::size_t>> groups;
  std::vector<std::optional<double>> ratio_of(texts->size());
  for (std::size_t i = 0; i < texts->size(); ++i) {
    const json& item = (*texts)[i];
    const std::string prefix = "texts[" + std::to_string(i) + "]";
    TextOptions o = defaults;
    if (item.is_object()) {
      check_keys(item, {"text"}, prefix + ".");
      const auto t = item.find("text");
      if (t == item.end() || !t->is_string())
        throw HttpError(400, prefix + ".text: must be a string");
      text_of[i] = t->get_ref<const std::string&>();
      read_text_options(item, o, prefix + ".");
    } else if (item.is_string()) {
      text_of[i] = item.get_ref<const std::string&>();
    } else {
      throw HttpError(400, prefix + ": must be a string or an object with \"text\"");
    }
    ratio_of[i] = o.ratio;
    groups[o.settings].push_back(i);
  }

  // Groups run one after another under the request's one deadline.
  const auto start = std::chrono::steady_clock::now();
  std::vector<json> results(texts->size());
  for (const auto& [settings, members] : groups) {
    CompressOptions o = base_options(deadline);
    o.threshold = settings.threshold;
    o.must_keep = settings.must_keep;
    o.join = settings.join;
    o.ccr = settings.ccr;
    if (deadline.count() > 0) {
      const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      o.deadline = std::max(deadline - spent, std::chrono::milliseconds(1));
    }
    std::vector<std::string_view> batch;
    std::vector<std::optional<double>> ratios;
    for (const std::size_t i : members) {
      batch.push_back(text_of[i]);
      ratios.push_back(ratio_of[i]);
    }
    try {
      std::vector<Result> rs = compressor->compress_batch(batch, o, ratios);
      for (std::size_t k = 0; k < members.size(); ++k) {
        Result& r = rs[k];
        if (settings.ccr && r.cache_key.empty() && !r.passthrough &&
            r.compression_ratio < kCcrRatio && r.ccr_error.empty()) {
          r.ccr_error = ctx.no_store_reason;
        }
        account(ctx.metrics, r);
        results[members[k]] = v1_result(r, r.deadline_hit ? "deadline" : "", with_words);
      }
    } catch (const QueueFull&) {
      for (const std::size_t i : members) {
        ctx.metrics.count_fail_open("queue_full");
        results[i] = v1_result(queue_full_result(text_of[i], ctx.engine.status().model),
                               "queue_full", with_words);
      }
    } catch (const Error& e) {
      throw HttpError(500, std::string("compression failed: ") + e.what());
    }
  }
  return json_reply(200, {{"results", results}});
}

}  // namespace kompress::server
