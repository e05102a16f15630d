// Selection over given unit scores: the threshold and ratio paths.
#include <gtest/gtest.h>

#include "compress/selection.h"

namespace kompress {
namespace {

using compress::UnitScore;

std::vector<UnitScore> scored(std::vector<float> scores) {
  std::vector<UnitScore> out;
  for (float s : scores) out.push_back({true, s, s > 0.5f});
  return out;
}

std::vector<bool> kept(std::vector<bool> v) { return v; }

TEST(RatioKeepCount, IsMaxOneFloorLikePython) {
  EXPECT_EQ(compress::ratio_keep_count(10, 0.5), 5u);
  EXPECT_EQ(compress::ratio_keep_count(10, 0.39), 3u);  // floor, not round
  EXPECT_EQ(compress::ratio_keep_count(3, 0.1), 1u);    // max(1, 0)
  EXPECT_EQ(compress::ratio_keep_count(3, 0.0), 1u);
  EXPECT_EQ(compress::ratio_keep_count(10, 1.0), 10u);
  // Python: int(100 * 0.29) == 28 (the product is 28.999999999999996), int(10 * 0.7) == 7.
  EXPECT_EQ(compress::ratio_keep_count(100, 0.29), 28u);
  EXPECT_EQ(compress::ratio_keep_count(10, 0.7), 7u);
}

TEST(SelectByRatio, KeepsTheTopScoresInTextOrder) {
  const auto units = scored({0.1f, 0.9f, 0.3f, 0.8f, 0.2f});
  EXPECT_EQ(compress::select_by_ratio(units, 0.4), kept({false, true, false, true, false}));
}

TEST(SelectByRatio, TiesGoToTheLowerIndex) {
  const auto units = scored({0.5f, 0.7f, 0.5f, 0.5f, 0.1f});
  // k = 2: 0.7 first, then the earliest 0.5.
  EXPECT_EQ(compress::select_by_ratio(units, 0.4), kept({true, true, false, false, false}));
  // k = 3: the next 0.5 in text order.
  EXPECT_EQ(compress::select_by_ratio(units, 0.6), kept({true, true, true, false, false}));
}

TEST(SelectByRatio, UnscoredUnitsNeitherCountNorGetPicked) {
  auto units = scored({0.9f, 0.1f, 0.2f, 0.3f});
  units[0].scored = false;  // n = 3 scored units: k = max(1, int(3 * 0.5)) = 1
  EXPECT_EQ(compress::select_by_ratio(units, 0.5), kept({false, false, false, true}));
}

TEST(SelectByRatio, AlwaysKeepsAtLeastOne) {
  EXPECT_EQ(compress::select_by_ratio(scored({0.1f, 0.2f, 0.05f}), 0.0),
            kept({false, true, false}));
}

TEST(SelectByRule, KeepsScoredUnitsWhoseTokensPassed) {
  auto units = scored({0.9f, 0.4f, 0.7f});
  units[2].scored = false;
  EXPECT_EQ(compress::select_by_rule(units), kept({true, false, false}));
}

TEST(FoldTokenScores, TakesTheMaxOverAWordsTokensAndSkipsSpecials) {
  Encoding e;
  e.ids = {100, 1, 2, 3, 4, 101};
  e.word_ids = {kNoWord, 0, 0, 1, 1, kNoWord};
  SequenceScores s;
  s.final_scores = {0.99f, 0.2f, 0.6f, 0.5f, 0.1f, 0.99f};
  std::vector<UnitScore> units(2);
  compress::fold_token_scores(e, s, KeepRule::kThreshold, 0.5f, units);
  EXPECT_FLOAT_EQ(units[0].max_score, 0.6f);
  EXPECT_TRUE(units[0].rule_keep);
  EXPECT_FLOAT_EQ(units[1].max_score, 0.5f);
  EXPECT_FALSE(units[1].rule_keep);  // strictly greater than the threshold
}

TEST(FoldTokenScores, PyTorchRule) {
  Encoding e;
  e.ids = {1, 2, 3, 4};
  e.word_ids = {0, 1, 2, 3};
  SequenceScores s;
  s.final_scores = {0.0f, 0.0f, 0.0f, 0.0f};
  s.p_keep = {0.51f, 0.4f, 0.4f, 0.3f};
  s.span = {0.0f, 0.6f, 0.5f, 0.9f};
  std::vector<UnitScore> units(4);
  compress::fold_token_scores(e, s, KeepRule::kPyTorch, 0.5f, units);
  EXPECT_TRUE(units[0].rule_keep);   // logit1 > logit0
  EXPECT_TRUE(units[1].rule_keep);   // borderline, span > 0.5
  EXPECT_FALSE(units[2].rule_keep);  // span not above 0.5
  EXPECT_FALSE(units[3].rule_keep);  // p_keep not above 0.3
}

}  // namespace
}  // namespace kompress
