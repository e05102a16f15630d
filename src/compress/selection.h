// Which units a chunk keeps, from per-token scores: the threshold and ratio paths of the
// reference, then the must-keep override.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "kompress/compressor.h"
#include "kompress/model.h"
#include "kompress/tokenizer.h"
#include "text/must_keep.h"

namespace kompress::compress {

// A unit's scores, folded over its tokens.
struct UnitScore {
  bool scored = false;     // the model saw at least one of its tokens
  float max_score = 0;     // max final score over its tokens
  bool rule_keep = false;  // some token passes the keep rule
};

// Folds one scored piece into `units` (indexed like the piece's word ids, offset by `first`):
// max final score per unit, and whether any token passes `rule` at `threshold`.
void fold_token_scores(const Encoding& piece, const SequenceScores& scores, KeepRule rule,
                       float threshold, std::span<UnitScore> units);

// Threshold path: a scored unit is kept when a token passed the rule.
std::vector<bool> select_by_rule(std::span<const UnitScore> units);

// Ratio path over one chunk: the top max(1, floor(n * ratio)) scored units by max score, n the
// scored units; equal scores go to the lower index. Unscored units are not selected here.
std::vector<bool> select_by_ratio(std::span<const UnitScore> units, double ratio);

// Number kept by the ratio path for n scored units, exactly Python's max(1, int(n * ratio)).
std::size_t ratio_keep_count(std::size_t n, double ratio);

}  // namespace kompress::compress
