#include "compress/job.h"

#include "kompress/error.h"
#include "text/utf8.h"

namespace kompress::compress {

std::string checked_utf8(std::string_view text, bool lossy, std::string_view where) {
  const auto bad = text::find_invalid_utf8(text);
  if (!bad) return std::string(text);
  if (!lossy) {
    throw Error(std::string(where) + "invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  std::string out(text.substr(0, *bad));
  out.reserve(text.size() + 16);
  std::size_t pos = *bad;
  while (pos < text.size()) text::append_utf8(out, text::decode_lenient(text, pos));
  return out;
}

void split_job(Job& job, bool split_cjk) {
  job.split = text::split_words(job.text);
  job.units = make_units(job.text, job.split, split_cjk);
}

std::vector<std::string_view> unit_texts(const Job& job) {
  std::vector<std::string_view> out;
  out.reserve(job.units.size());
  const std::string_view text = job.text;
  for (const Unit& u : job.units) out.push_back(text.substr(u.begin, u.end - u.begin));
  return out;
}

Result passthrough_result(const Job& job, std::string model) {
  Result r;
  r.compressed = job.text;
  r.original = job.text;
  r.original_tokens = static_cast<int64_t>(job.units.size());
  r.compressed_tokens = r.original_tokens;
  r.compression_ratio = 1.0;
  r.model_used = std::move(model);
  r.passthrough = true;
  r.words.reserve(job.units.size());
  for (std::size_t i = 0; i < job.units.size(); ++i) {
    WordDecision d;
    d.begin = job.units[i].begin;
    d.end = job.units[i].end;
    if (i < job.scores.size()) d.score = job.scores[i].max_score;
    r.words.push_back(d);
  }
  return r;
}

}  // namespace kompress::compress
