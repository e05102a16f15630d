// kompress/model.h: a Kompress model (ModernBERT encoder + token head + span head) that scores
// tokens.
//
//   auto model = kompress::Model::load("models/kompress-mini");   // config.json +
//   model.safetensors std::vector<int32_t> ids = {50281, 12092, 10186, 50282};
//   std::vector<std::span<const int32_t>> batch = {ids};
//   auto out = model.score(batch);                   // out[0].final_scores[i] in [0, 1]
//
// The model is loaded once, read-only, and may be shared by threads: score() is const and
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kompress {

// Per-token outputs of one sequence.
struct SequenceScores {
  std::vector<float> final_scores;  // p_keep * (0.5 + 0.5 * span): the production score
  std::vector<float> p_keep;        // softmax(token_head)[1]
  std::vector<float> span;          // span head sigmoid
  std::vector<float> hidden;        // final hidden states [tokens x hidden], only when requested
};

// Precision of the linear layers (attention, MLP, heads). fp32 is the accuracy reference; bf16
// rounds weights and activations to bf16; int8 quantises weights per output channel and
// activations per row, dynamically.
enum class Precision { kFp32, kBf16, kInt8 };

// What a loaded checkpoint is, for `kompress inspect` and logs.
struct ModelInfo {
  std::string layout;  // "kompress-v1" or "modernbert" (a bare encoder)
  int64_t num_layers = 0;
  int64_t hidden_size = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;
  int64_t vocab_size = 0;
  int64_t max_tokens = 0;    // longest sequence score() accepts
  int64_t local_window = 0;  // keys a local layer sees on each side
  std::vector<bool> layer_is_global;
  int64_t parameters = 0;    // elements in the checkpoint
  int64_t weight_bytes = 0;  // bytes of tensor data in the file
  std::string precision;     // "fp32", "bf16" or "int8": what the linear layers run at
  std::string cpu;           // kernels in use: "avx512", "avx2" or "generic"
  // What attention's products run in: "fp32", "bf16" or "int8 Q.K, bf16 P.V" (the precision's
  // where the CPU has it: AVX512_BF16, and VNNI for int8; fp32 otherwise).
  std::string attention;
};

struct LoadOptions {
  // Unset: the checkpoint's own (fp32 for a plain checkpoint, the stored one for a quantized
  // one). A plain checkpoint is quantised at load; a quantized one only loads at its own
  // precision.
  std::optional<Precision> precision;
  // OpenMP threads per forward pass; 0: the calling thread's (one per core unless it set
  // others). A pass too small to share runs on fewer (one for a short text of a small model).
  int threads = 0;
};

struct ScoreOptions {
  bool return_hidden = false;  // fill SequenceScores::hidden (tests, debugging)
};

class Model {
 public:
  // Loads `dir`/config.json and `dir`/model.safetensors. The checkpoint may be the Kompress v1
  // layout (encoder.*, token_head.*, span_conv.*) or a bare ModernBertModel; a bare encoder
  // has no heads, so score() then throws. Throws kompress::Error naming the file and listing
  // missing, unexpected or mis-shaped tensors.
  static Model load(const std::string& dir, const LoadOptions& options = {});
  // Same with explicit paths.
  static Model load(const std::string& config_path, const std::string& weights_path,
                    const LoadOptions& options = {});

  // Writes `out_dir` with the checkpoint of `in_dir` quantized to `precision` (bf16 or int8):
  // the linear weights packed for this CPU's kernels, so that load() maps them in place with
  // no fp32 copy (a CPU with other kernels repacks a copy at load). Throws kompress::Error for
  // bad input, an already quantized checkpoint, fp32, or bf16 on a CPU without AVX-512.
  static void quantize(const std::string& in_dir, const std::string& out_dir, Precision precision);

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  // Scores a batch of token-id sequences of any lengths (each already framed by [CLS] ... [SEP]
  // as the tokenizer produces them). Sequences are packed: no padding work. Throws
  // kompress::Error for an empty sequence, an id outside the vocabulary, or a sequence longer
  // than max_position_embeddings.
  std::vector<SequenceScores> score(std::span<const std::span<const int32_t>> batch,
                                    const ScoreOptions& options = {}) const;

  // Final hidden states [tokens x hidden] per sequence, for any layout (a bare encoder too).
  // Same checks and errors as score().
  std::vector<std::vector<float>> hidden_states(
      std::span<const std::span<const int32_t>> batch) const;

  // True when the checkpoint has the Kompress heads.
  bool has_heads() const;
  const ModelInfo& info() const;
  int64_t max_tokens() const { return info().max_tokens; }

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kompress
