// Normalizers of tokenizer.json: Unicode normal forms (NFC, NFD, NFKC, NFKD), none, or a
// Sequence of these, applied in order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kompress::tokenizer {

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };

class Normalizer {
 public:
  Normalizer() = default;  // the identity
  explicit Normalizer(std::vector<NormalForm> steps) : steps_(std::move(steps)) {}

  bool is_identity() const { return steps_.empty(); }

  // Normalizes valid UTF-8 `in`. Returns `in` itself when nothing changes (the common case,
  // detected without allocating) or a view of `scratch`, which it overwrites.
  std::string_view apply(std::string_view in, std::string& scratch) const;

 private:
  std::vector<NormalForm> steps_;
};

}  // namespace kompress::tokenizer
