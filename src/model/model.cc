// kompress::Model: loads a checkpoint, checks it against its config, and scores packed batches.
#include "kompress/model.h"

#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>

#include "kernels/cpu/cpu_isa.h"
#include "kernels/linear.h"
#include "kompress/error.h"
#include "model/kompress_heads.h"
#include "model/layout.h"
#include "model/modernbert_encoder.h"
#include "model/pass_threads.h"
#include "model/quantize.h"
#include "model/weight_store.h"
#include "model/workspace.h"

namespace kompress {

using model::CheckpointLayout;

namespace {

// Tokens a forward pass packs at most (Impl::for_each_pass).
constexpr size_t kPassTokens = 1024;

struct PackedBatch {
  std::vector<int32_t> ids;
  std::vector<int64_t> starts{0};
};

// Per sequence: the rows [starts[i], starts[i+1]) of a [tokens, width] array.
std::vector<float> rows_of(std::span<const float> data, const PackedBatch& packed, size_t i,
                           int64_t width) {
  return {data.begin() + packed.starts[i] * width, data.begin() + packed.starts[i + 1] * width};
}

kernels::LinearPrecision to_linear(Precision p) {
  switch (p) {
    case Precision::kBf16:
      return kernels::LinearPrecision::kBf16;
    case Precision::kInt8:
      return kernels::LinearPrecision::kInt8;
    case Precision::kFp32:
      break;
  }
  return kernels::LinearPrecision::kFp32;
}

// The precision to run `file` at; a packed checkpoint cannot change precision.
kernels::LinearPrecision choose_precision(const weights::SafetensorsFile& file,
                                          const std::optional<Precision>& wanted) {
  const kernels::LinearPrecision stored = model::stored_precision(file);
  if (!wanted) return stored;
  const kernels::LinearPrecision want = to_linear(*wanted);
  if (stored != kernels::LinearPrecision::kFp32 && want != stored) {
    throw Error(file.path() + ": the checkpoint is quantized to " + model::precision_name(stored) +
                " and cannot run at " + model::precision_name(want) +
                " (quantize the fp32 checkpoint instead)");
  }
  return want;
}

}  // namespace

struct Model::Impl {
  weights::ModelConfig config;
  CheckpointLayout layout;
  std::string weights_path;
  model::WeightStore store;
  std::optional<model::ModernBertEncoder> encoder;
  std::optional<model::KompressHeads> heads;
  int threads = 0;
  kernels::LinearPrecision precision;
  double macs_per_token;
  ModelInfo info;
  // Scratch per concurrent score() call, kept between calls (planned per batch shape).
  mutable std::mutex pool_mutex;
  mutable std::vector<std::unique_ptr<model::Workspace>> pool;

  Impl(weights::ModelConfig cfg, weights::SafetensorsFile file, const LoadOptions& options)
      : config(std::move(cfg)),
        layout(model::detect_layout(file)),
        weights_path(file.path()),
        store(std::move(file)),
        threads(options.threads),
        precision(choose_precision(store.file(), options.precision)),
        macs_per_token(model::linear_macs_per_token(config)) {
    model::check_tensors(store.file(), model::expected_tensors(
                                           config, layout, model::stored_precision(store.file())));
    const model::LinearLoader linears(store, precision);
    encoder.emplace(config, store, model::encoder_prefix(layout), linears);
    if (layout == CheckpointLayout::kKompressV1) heads.emplace(config.hidden_size, store, linears);
    info = describe();
  }

  // Threads for a pass of `tokens` tokens (model/pass_threads.h): the caller's, or
  // LoadOptions::threads, fewer for a small pass.
  int threads_for(int64_t tokens) const {
    return model::pass_threads(tokens, macs_per_token, precision,
                               threads > 0 ? threads : omp_get_max_threads());
  }

  // A workspace for one call, kept for the next one: steady batch shapes allocate nothing.
  std::unique_ptr<model::Workspace> take_workspace() const {
    std::lock_guard lock(pool_mutex);
    if (pool.empty()) return std::make_unique<model::Workspace>();
    auto w = std::move(pool.back());
    pool.pop_back();
    return w;
  }
  void give_back(std::unique_ptr<model::Workspace> w) const {
    std::lock_guard lock(pool_mutex);
    pool.push_back(std::move(w));
  }

  ModelInfo describe() const {
    ModelInfo i;
    i.layout = layout == CheckpointLayout::kKompressV1 ? "kompress-v1" : "modernbert";
    i.num_layers = config.num_layers;
    i.hidden_size = config.hidden_size;
    i.num_heads = config.num_heads;
    i.intermediate_size = config.intermediate_size;
    i.vocab_size = config.vocab_size;
    i.max_tokens = config.max_position_embeddings;
    i.local_window = config.local_window_half;
    i.layer_is_global = config.layer_is_global;
    for (const auto& t : store.file().tensors()) {
      i.parameters += t.numel();
      i.weight_bytes += static_cast<int64_t>(t.nbytes);
    }
    i.precision = model::precision_name(precision);
    i.cpu = std::string(kernels::cpu::isa_name(kernels::cpu::cpu_features().isa));
    i.attention = kernels::cpu::attention_products_name(encoder->attention_products());
    return i;
  }

  void check_sequence(std::span<const int32_t> ids, size_t index) const {
    const std::string where = "sequence " + std::to_string(index) + ": ";
    if (ids.empty()) throw Error(where + "empty (expected at least [CLS] [SEP])");
    if (static_cast<int64_t>(ids.size()) > config.max_position_embeddings) {
      throw Error(where + std::to_string(ids.size()) + " tokens, more than the model's " +
                  std::to_string(config.max_position_embeddings));
    }
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] < 0 || ids[t] >= config.vocab_size) {
        throw Error(where + "token " + std::to_string(t) + " has id " + std::to_string(ids[t]) +
                    " outside the vocabulary [0, " + std::to_string(config.vocab_size) + ")");
      }
    }
  }

  // Checks every sequence of `batch`, then packs consecutive ones into passes of at most
  // kPassTokens tokens (a longer sequence alone) and calls each(first sequence, pass). Larger
  // passes gain nothing (the matmuls run as fast at 1,024 rows as at 4,096) and their
  // activations (~24 KB a token at the base shape) would spill out of the last-level cache,
  // which the passes between the matmuls then wait on.
  template <class Each>
  void for_each_pass(std::span<const std::span<const int32_t>> batch, Each&& each) const {
    for (size_t i = 0; i < batch.size(); ++i) check_sequence(batch[i], i);
    for (size_t first = 0; first < batch.size();) {
      PackedBatch packed;
      size_t end = first;
      for (; end < batch.size(); ++end) {
        if (end > first && packed.ids.size() + batch[end].size() > kPassTokens) break;
        packed.ids.insert(packed.ids.end(), batch[end].begin(), batch[end].end());
        packed.starts.push_back(static_cast<int64_t>(packed.ids.size()));
      }
      each(first, packed);
      first = end;
    }
  }

  // Runs the encoder (and the heads when `with_heads`) over a non-empty packed batch, all
  // intermediates in one workspace planned for this batch shape.
  template <class Consume>
  void run(const PackedBatch& packed, bool with_heads, Consume&& consume) const {
    const int64_t tokens = packed.starts.back();
    const model::PassThreads pass_threads(threads_for(tokens));
    // The hidden states are a linear layer's input and output: they hold its padded rows.
    const int64_t hidden_floats = kernels::linear_rows(tokens) * config.hidden_size;
    const size_t hidden_bytes =
        model::scratch_rounded(static_cast<size_t>(hidden_floats) * sizeof(float));
    size_t rest = encoder->scratch_bytes(packed.starts);
    if (with_heads) rest = std::max(rest, heads->scratch_bytes(tokens));
    std::unique_ptr<model::Workspace> workspace = take_workspace();
    model::Carver carver(workspace->reserve(hidden_bytes + rest));
    float* hidden = carver.take<float>(hidden_floats);
    encoder->forward(packed.ids, packed.starts, hidden, carver.rest());
    std::optional<model::HeadOutputs> outputs;
    if (with_heads) outputs = heads->forward(hidden, packed.starts, carver.rest());
    consume(std::span<const float>(hidden, static_cast<size_t>(tokens * config.hidden_size)),
            outputs);
    give_back(std::move(workspace));
  }
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model Model::load(const std::string& dir, const LoadOptions& options) {
  const std::filesystem::path d(dir);
  if (!std::filesystem::is_directory(d)) {
    throw Error(dir + ": not a model directory (expected config.json and model.safetensors)");
  }
  return load((d / "config.json").string(), (d / "model.safetensors").string(), options);
}

Model Model::load(const std::string& config_path, const std::string& weights_path,
                  const LoadOptions& options) {
  auto config = weights::ModelConfig::from_file(config_path);
  auto file = weights::SafetensorsFile::open(weights_path);
  return Model(std::make_unique<Impl>(std::move(config), std::move(file), options));
}

void Model::quantize(const std::string& in_dir, const std::string& out_dir, Precision precision) {
  model::quantize_checkpoint(in_dir, out_dir, to_linear(precision));
}

std::vector<SequenceScores> Model::score(std::span<const std::span<const int32_t>> batch,
                                         const ScoreOptions& options) const {
  const Impl& m = *impl_;
  if (!m.heads) {
    throw Error(m.weights_path + ": a bare ModernBertModel has no Kompress heads to score with");
  }
  std::vector<SequenceScores> out(batch.size());
  m.for_each_pass(batch, [&](size_t first, const PackedBatch& packed) {
    m.run(packed, true, [&](std::span<const float> hidden, const auto& heads) {
      for (size_t i = 0; i + 1 < packed.starts.size(); ++i) {
        SequenceScores& o = out[first + i];
        o.final_scores = rows_of(heads->final_scores, packed, i, 1);
        o.p_keep = rows_of(heads->p_keep, packed, i, 1);
        o.span = rows_of(heads->span, packed, i, 1);
        if (options.return_hidden) o.hidden = rows_of(hidden, packed, i, m.config.hidden_size);
      }
    });
  });
  return out;
}

std::vector<std::vector<float>> Model::hidden_states(
    std::span<const std::span<const int32_t>> batch) const {
  const Impl& m = *impl_;
  std::vector<std::vector<float>> out(batch.size());
  m.for_each_pass(batch, [&](size_t first, const PackedBatch& packed) {
    m.run(packed, false, [&](std::span<const float> hidden, const auto&) {
      for (size_t i = 0; i + 1 < packed.starts.size(); ++i) {
        out[first + i] = rows_of(hidden, packed, i, m.config.hidden_size);
      }
    });
  });
  return out;
}

bool Model::has_heads() const { return impl_->heads.has_value(); }
const ModelInfo& Model::info() const { return impl_->info; }

}  // namespace kompress
