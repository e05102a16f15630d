#include "model/golden_case.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace kompress::testing {

GoldenCase read_golden(const std::filesystem::path& path) {
  const auto file = weights::SafetensorsFile::open(path.string());
  GoldenCase out;
  out.seed = std::stoull(file.metadata().at("seed"));
  for (int k = 0;; ++k) {
    const std::string suffix = "_" + std::to_string(k);
    const auto* ids = file.find("input_ids" + suffix);
    if (!ids) break;
    GoldenSequence seq;
    for (const int64_t id : weights::to_i64(*ids)) seq.ids.push_back(static_cast<int32_t>(id));
    seq.hidden = weights::to_f32(*file.find("hidden" + suffix));
    seq.p_keep = weights::to_f32(*file.find("p_keep" + suffix));
    seq.span = weights::to_f32(*file.find("span" + suffix));
    seq.final_scores = weights::to_f32(*file.find("final_scores" + suffix));
    out.sequences.push_back(std::move(seq));
  }
  return out;
}

double max_abs_diff(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0.0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]));
  }
  return worst;
}

}  // namespace kompress::testing
