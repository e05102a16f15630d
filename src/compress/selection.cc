#include "compress/selection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kompress/error.h"

namespace kompress::compress {
namespace {

bool passes(KeepRule rule, float threshold, const SequenceScores& s, std::size_t t) {
  if (rule == KeepRule::kThreshold) return s.final_scores[t] > threshold;
  const float p = s.p_keep[t];
  return p > 0.5f || (p > 0.3f && s.span[t] > 0.5f);
}

}  // namespace

void fold_token_scores(const Encoding& piece, const SequenceScores& scores, KeepRule rule,
                       float threshold, std::span<UnitScore> units) {
  const std::size_t n = piece.ids.size();
  if (scores.final_scores.size() != n) {
    throw Error("scorer returned " + std::to_string(scores.final_scores.size()) +
                " scores for a chunk of " + std::to_string(n) + " tokens");
  }
  if (rule == KeepRule::kPyTorch && (scores.p_keep.size() != n || scores.span.size() != n)) {
    throw Error("the PyTorch keep rule needs p_keep and span scores, which the scorer omits");
  }
  for (std::size_t t = 0; t < n; ++t) {
    const int32_t w = piece.word_ids[t];
    if (w == kNoWord) continue;
    if (w < 0 || static_cast<std::size_t>(w) >= units.size()) {
      throw Error("encoding has word id " + std::to_string(w) + " beyond its chunk");
    }
    UnitScore& u = units[static_cast<std::size_t>(w)];
    // A NaN would break the ordering of the ratio path; it scores as nothing instead.
    const float s = std::isnan(scores.final_scores[t]) ? 0.0f : scores.final_scores[t];
    u.max_score = u.scored ? std::max(u.max_score, s) : s;
    u.scored = true;
    u.rule_keep = u.rule_keep || passes(rule, threshold, scores, t);
  }
}

std::vector<bool> select_by_rule(std::span<const UnitScore> units) {
  std::vector<bool> kept(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) kept[i] = units[i].scored && units[i].rule_keep;
  return kept;
}

std::size_t ratio_keep_count(std::size_t n, double ratio) {
  // int() truncates toward zero; the product is computed in double as Python does.
  const double product = static_cast<double>(n) * ratio;
  const auto k = product <= 0 ? std::size_t{0} : static_cast<std::size_t>(product);
  return std::max<std::size_t>(1, std::min(k, n));
}

std::vector<bool> select_by_ratio(std::span<const UnitScore> units, double ratio) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (units[i].scored) order.push_back(i);
  }
  std::vector<bool> kept(units.size(), false);
  if (order.empty()) return kept;
  // Stable: among equal scores the lower index stays first, as Python's sorted() does.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return units[a].max_score > units[b].max_score;
  });
  const std::size_t k = ratio_keep_count(order.size(), ratio);
  for (std::size_t j = 0; j < k; ++j) kept[order[j]] = true;
  return kept;
}

}  // namespace kompress::compress
