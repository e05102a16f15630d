// The production Scorer: a loaded Kompress model.
#include <algorithm>

#include "kompress/error.h"
#include "kompress/scorer.h"

namespace kompress {
namespace {

// The reference tokenizes with truncation at 512 tokens; the model was trained on no more.
constexpr std::size_t kKompressMaxTokens = 512;

class ModelScorer final : public Scorer {
 public:
  ModelScorer(std::shared_ptr<const Model> model, std::string name)
      : model_(std::move(model)), name_(std::move(name)) {
    if (model_ == nullptr) throw Error("model scorer: no model");
    if (!model_->has_heads()) throw Error("model scorer: the checkpoint has no Kompress heads");
  }

  std::vector<SequenceScores> score(std::span<const Encoding> chunks) const override {
    std::vector<std::span<const int32_t>> batch;
    batch.reserve(chunks.size());
    for (const Encoding& e : chunks) batch.emplace_back(e.ids);
    return model_->score(batch);
  }

  std::size_t max_tokens() const override {
    const auto model_max = model_->max_tokens();
    return model_max > 0 ? std::min(kKompressMaxTokens, static_cast<std::size_t>(model_max))
                         : kKompressMaxTokens;
  }

  std::string name() const override { return name_; }

 private:
  std::shared_ptr<const Model> model_;
  std::string name_;
};

}  // namespace

std::shared_ptr<Scorer> make_model_scorer(std::shared_ptr<const Model> model, std::string name) {
  return std::make_shared<ModelScorer>(std::move(model), std::move(name));
}

}  // namespace kompress
