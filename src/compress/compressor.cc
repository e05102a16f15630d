// The pipeline: check and split each text, chunk it, score the chunks of all texts together
// under a deadline, select, lay out, and store originals in CCR.
#include "kompress/compressor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>

#include "compress/cache_key.h"
#include "compress/job.h"
#include "compress/layout.h"
#include "compress/marker.h"
#include "compress/result_cache.h"
#include "kompress/error.h"
#include "text/must_keep.h"

namespace kompress {

using compress::Job;

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kScore:
      return "score";
    case Reason::kRatio:
      return "ratio";
    case Reason::kMustKeep:
      return "must_keep";
    case Reason::kUnscored:
      return "unscored";
    case Reason::kDeadline:
      return "deadline";
    case Reason::kDropped:
      return "dropped";
    case Reason::kPassthrough:
      break;
  }
  return "passthrough";
}

namespace {

// Below this ratio the original is worth storing (the reference's rule).
constexpr double kCcrRatio = 0.8;

void check_options(const CompressOptions& o) {
  if (o.chunk_words == 0) throw Error("chunk_words must be at least 1");
  if (o.batch_size == 0) throw Error("batch_size must be at least 1");
  if (!std::isfinite(o.threshold)) throw Error("threshold must be a finite number");
}

void check_ratio(std::optional<double> ratio) {
  if (ratio && !(*ratio >= 0.0 && *ratio <= 1.0)) {
    throw Error("ratio must be between 0 and 1, got " + std::to_string(*ratio));
  }
}

// Where a piece of the scoring queue belongs.
struct PieceRef {
  std::size_t job;
  std::size_t chunk;
  std::size_t piece;
};

float value_or_nan(const std::vector<float>& values, std::size_t i) {
  return i < values.size() ? values[i] : std::numeric_limits<float>::quiet_NaN();
}

// The trace of one scored piece; its word ids are relative to the piece's first unit.
SequenceTrace trace_piece(const Encoding& e, const SequenceScores& s, std::size_t chunk,
                          std::size_t first) {
  SequenceTrace t;
  t.chunk = chunk;
  t.first_word = first;
  t.tokens.reserve(e.ids.size());
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    TokenTrace tok;
    tok.id = e.ids[i];
    tok.word = e.word_ids[i] == kNoWord ? -1 : static_cast<int64_t>(first) + e.word_ids[i];
    tok.final_score = value_or_nan(s.final_scores, i);
    tok.p_keep = value_or_nan(s.p_keep, i);
    tok.span = value_or_nan(s.span, i);
    t.tokens.push_back(tok);
  }
  return t;
}

}  // namespace

struct Compressor::Impl {
  std::shared_ptr<const Tokenizer> tokenizer;
  std::shared_ptr<const Scorer> scorer;
  std::shared_ptr<ccr::Store> store;
  compress::ResultCache cache;
  bool cache_enabled;
  std::mutex must_keep_mutex;
  std::map<std::vector<std::string>, std::shared_ptr<const text::MustKeep>> must_keep_sets;

  Impl(std::shared_ptr<const Tokenizer> t, std::shared_ptr<const Scorer> s,
       std::shared_ptr<ccr::Store> st, std::size_t cache_bytes)
      : tokenizer(std::move(t)),
        scorer(std::move(s)),
        store(std::move(st)),
        cache(cache_bytes),
        cache_enabled(cache_bytes > 0) {}

  // The compiled must-keep set of the options; null when the override is off.
  std::shared_ptr<const text::MustKeep> must_keep(const CompressOptions& o) {
    if (!o.must_keep) return nullptr;
    if (o.must_keep_patterns.empty()) {
      return std::shared_ptr<const text::MustKeep>(&text::MustKeep::defaults(),
                                                   [](const text::MustKeep*) {});
    }
    std::lock_guard lock(must_keep_mutex);
    auto& slot = must_keep_sets[o.must_keep_patterns];
    if (!slot) slot = std::make_shared<const text::MustKeep>(o.must_keep_patterns);
    return slot;
  }

  bool ccr_on(const CompressOptions& o) const { return o.ccr && store != nullptr; }

  void prepare(Job& job, std::string_view input, const CompressOptions& o, std::string_view where);
  std::optional<Result> cached(const std::string& key);
  void score_all(std::vector<Job>& jobs, const CompressOptions& o,
                 std::chrono::steady_clock::time_point start);
  Result finish(Job& job, const CompressOptions& o, const text::MustKeep* must_keep);
  void store_original(Result& r, const Job& job, const CompressOptions& o);
};

void Compressor::Impl::prepare(Job& job, std::string_view input, const CompressOptions& o,
                               std::string_view where) {
  // The result cache first: only texts that passed the UTF-8 check and the floor were cached,
  // so a hit skips both (at 200 KB the word split costs 20x the hash).
  if (o.use_cache && cache_enabled && !o.trace) {
    job.cache_key = compress::result_cache_key(input, o, job.ratio, ccr_on(o), scorer->name(),
                                               scorer->max_tokens());
    if (auto hit = cached(job.cache_key)) {
      job.result = std::move(hit);
      return;
    }
  }
  job.text = compress::checked_utf8(input, o.lossy, where);
  compress::split_job(job, o.split_cjk);
  if (job.units.size() < o.min_words || job.units.empty()) {
    job.result = compress::passthrough_result(job, scorer->name());
    return;
  }
  const auto texts = compress::unit_texts(job);
  job.chunks = compress::make_chunks(texts, o.chunk_words, *tokenizer, scorer->max_tokens());
  job.scores.assign(job.units.size(), {});
  for (const auto& c : job.chunks) job.pieces_left.push_back(c.pieces.size());
}

// A cached result, unless the CCR entry its marker points at is gone: then the text is
// compressed again so that the marker is backed by a stored original.
std::optional<Result> Compressor::Impl::cached(const std::string& key) {
  auto hit = cache.find(key);
  if (!hit) return std::nullopt;
  if (!hit->cache_key.empty()) {
    ccr::Status status = ccr::Status::kMissing;
    try {
      if (store) status = store->peek(hit->cache_key);
    } catch (const std::exception&) {
      status = ccr::Status::kMissing;
    }
    if (status != ccr::Status::kOk) {
      cache.erase(key);
      return std::nullopt;
    }
  }
  Result r = *hit;
  r.from_cache = true;
  return r;
}

void Compressor::Impl::score_all(std::vector<Job>& jobs, const CompressOptions& o,
                                 std::chrono::steady_clock::time_point start) {
  std::vector<PieceRef> queue;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    for (std::size_t c = 0; c < jobs[j].chunks.size(); ++c) {
      for (std::size_t p = 0; p < jobs[j].chunks[c].pieces.size(); ++p) queue.push_back({j, c, p});
    }
  }
  const bool has_deadline = o.deadline.count() > 0;
  if (o.progress && !queue.empty()) o.progress(0, queue.size());
  std::vector<Encoding> batch;
  for (std::size_t at = 0; at < queue.size(); at += o.batch_size) {
    if (has_deadline && std::chrono::steady_clock::now() - start >= o.deadline) return;
    const std::size_t end = std::min(queue.size(), at + o.batch_size);
    batch.clear();
    for (std::size_t q = at; q < end; ++q) {
      const PieceRef& r = queue[q];
      batch.push_back(std::move(jobs[r.job].chunks[r.chunk].pieces[r.piece].encoding));
    }
    const std::optional<std::vector<SequenceScores>> scored =
        has_deadline ? scorer->score_until(batch, start + o.deadline) : scorer->score(batch);
    if (!scored) return;  // the scorer gave up at the deadline: the rest stays unscored
    const std::vector<SequenceScores>& scores = *scored;
    if (scores.size() != batch.size()) {
      throw Error("scorer returned " + std::to_string(scores.size()) + " results for " +
                  std::to_string(batch.size()) + " chunks");
    }
    for (std::size_t q = at; q < end; ++q) {
      const PieceRef& r = queue[q];
      Job& job = jobs[r.job];
      const compress::Piece& piece = job.chunks[r.chunk].pieces[r.piece];
      std::span<compress::UnitScore> units(job.scores.data() + piece.first, piece.count);
      compress::fold_token_scores(batch[q - at], scores[q - at], o.keep_rule, o.threshold, units);
      --job.pieces_left[r.chunk];
      if (o.trace) {
        job.trace.push_back(trace_piece(batch[q - at], scores[q - at], r.chunk, piece.first));
      }
    }
    if (o.progress) o.progress(end, queue.size());
  }
}

Result Compressor::Impl::finish(Job& job, const CompressOptions& o,
                                const text::MustKeep* must_keep) {
  const std::size_t n = job.units.size();
  std::vector<bool> kept(n, false);
  std::vector<WordDecision> decisions(n);
  Result r;
  for (std::size_t c = 0; c < job.chunks.size(); ++c) {
    const compress::Chunk& chunk = job.chunks[c];
    const std::span<const compress::UnitScore> scores(job.scores.data() + chunk.first, chunk.count);
    const bool reached = job.pieces_left[c] == 0;
    if (!reached) {
      r.deadline_hit = true;
      ++r.chunks_skipped;
    }
    const std::vector<bool> selected = !reached    ? std::vector<bool>(chunk.count)
                                       : job.ratio ? compress::select_by_ratio(scores, *job.ratio)
                                                   : compress::select_by_rule(scores);
    for (std::size_t k = 0; k < chunk.count; ++k) {
      const std::size_t i = chunk.first + k;
      const compress::Unit& u = job.units[i];
      WordDecision& d = decisions[i];
      d.begin = u.begin;
      d.end = u.end;
      d.score = scores[k].max_score;
      if (!reached) {
        d.reason = Reason::kDeadline;
      } else if (!scores[k].scored) {
        d.reason = Reason::kUnscored;
      } else if (selected[k]) {
        d.reason = job.ratio ? Reason::kRatio : Reason::kScore;
      } else if (must_keep != nullptr &&
                 must_keep->matches(std::string_view(job.text).substr(u.begin, u.end - u.begin))) {
        d.reason = Reason::kMustKeep;
      } else {
        d.reason = Reason::kDropped;
      }
      d.kept = d.reason != Reason::kDropped;
      kept[i] = d.kept;
    }
  }
  const auto kept_count = static_cast<int64_t>(std::count(kept.begin(), kept.end(), true));
  // Nothing kept: pass through (the reference). Everything kept: in layout mode the original is
  // the best layout of itself; join=space keeps the reference's respaced text.
  const bool all_kept = kept_count == static_cast<int64_t>(n) && o.join == Join::kLayout;
  if (kept_count == 0 || all_kept) {
    Result p = compress::passthrough_result(job, scorer->name());
    p.deadline_hit = r.deadline_hit;
    p.chunks_skipped = r.chunks_skipped;
    p.trace = std::move(job.trace);
    return p;
  }
  r.original = job.text;
  r.compressed = compress::join_units(job.text, job.split, job.units, kept, o.join);
  r.original_tokens = static_cast<int64_t>(n);
  r.compressed_tokens = kept_count;
  r.compression_ratio = static_cast<double>(kept_count) / static_cast<double>(n);
  r.model_used = scorer->name();
  r.passthrough = false;
  r.words = std::move(decisions);
  r.trace = std::move(job.trace);
  if (ccr_on(o) && r.compression_ratio < kCcrRatio) store_original(r, job, o);
  return r;
}

// Stores the original and appends the marker; a failing store leaves the result unmarked and
// says why.
void Compressor::Impl::store_original(Result& r, const Job& job, const CompressOptions& o) {
  ccr::Entry e;
  e.original = job.text;
  e.compressed = r.compressed;
  e.original_tokens = r.original_tokens;
  e.compressed_tokens = r.compressed_tokens;
  e.original_item_count = r.original_tokens;
  e.compressed_item_count = r.compressed_tokens;
  try {
    r.cache_key = store->put(e);
  } catch (const std::exception& ex) {
    r.ccr_error = std::string("CCR store ") + store->describe() +
                  " failed, original not stored: " + ex.what();
    return;
  }
  r.compressed += compress::retrieval_marker(o.marker, r.original_tokens, r.compressed_tokens,
                                             job.text, r.cache_key);
}

Compressor::Compressor(std::shared_ptr<const Tokenizer> tokenizer,
                       std::shared_ptr<const Scorer> scorer, std::shared_ptr<ccr::Store> store,
                       std::size_t cache_bytes) {
  if (tokenizer == nullptr) throw Error("compressor: no tokenizer");
  if (scorer == nullptr) throw Error("compressor: no scorer");
  impl_ = std::make_unique<Impl>(std::move(tokenizer), std::move(scorer), std::move(store),
                                 cache_bytes);
}

Compressor::Compressor(Compressor&&) noexcept = default;
Compressor& Compressor::operator=(Compressor&&) noexcept = default;
Compressor::~Compressor() = default;

Result Compressor::compress(std::string_view text, const CompressOptions& options) const {
  return std::move(compress_batch(std::span(&text, 1), options).front());
}

std::vector<Result> Compressor::compress_batch(
    std::span<const std::string_view> texts, const CompressOptions& options,
    std::span<const std::optional<double>> ratios) const {
  const auto start = std::chrono::steady_clock::now();
  check_options(options);
  if (!ratios.empty() && ratios.size() != texts.size()) {
    throw Error("compress_batch: " + std::to_string(ratios.size()) + " ratios for " +
                std::to_string(texts.size()) + " texts");
  }
  const auto must_keep = impl_->must_keep(options);
  std::vector<Job> jobs(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    jobs[i].ratio = ratios.empty() ? options.ratio : ratios[i];
    check_ratio(jobs[i].ratio);
    const std::string where = texts.size() > 1 ? "text " + std::to_string(i) + ": " : "";
    impl_->prepare(jobs[i], texts[i], options, where);
  }
  impl_->score_all(jobs, options, start);
  std::vector<Result> results;
  results.reserve(jobs.size());
  for (Job& job : jobs) {
    if (job.result) {
      results.push_back(std::move(*job.result));
      continue;
    }
    Result r = impl_->finish(job, options, must_keep.get());
    if (!job.cache_key.empty() && !r.deadline_hit && r.ccr_error.empty()) {
      impl_->cache.insert(job.cache_key, std::make_shared<const Result>(r));
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::size_t Compressor::cache_bytes() const { return impl_->cache.bytes(); }
std::size_t Compressor::cache_entries() const { return impl_->cache.entries(); }

}  // namespace kompress
