// The must-keep override: words that are kept whatever the model scores, because an agent
// cannot reconstruct them (numbers, identifiers, paths, flags) or because dropping them inverts
// the meaning (negations, modals, connectives).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kompress::text {

// The reference's patterns (Python `re` syntax), one per class: hex, standalone number,
// ALLCAPS, dotted name, path, extension, flag, CamelCase, negations and modals, connectives.
const std::vector<std::string>& default_must_keep_patterns();

// A compiled set of patterns; a word is must-keep when any pattern matches anywhere in it
// (Python `re.search`). Patterns compile with PCRE2 in UTF and UCP modes so that \b, \d and \w
// are Unicode-aware as in Python 3 str patterns. Thread-safe after construction.
class MustKeep {
 public:
  // Throws kompress::Error naming the pattern and the offset of a syntax error.
  explicit MustKeep(std::span<const std::string> patterns);
  MustKeep(MustKeep&&) noexcept;
  MustKeep& operator=(MustKeep&&) noexcept;
  ~MustKeep();

  // The reference's set.
  static const MustKeep& defaults();

  // True when `word` (valid UTF-8) contains a match of any pattern.
  bool matches(std::string_view word) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kompress::text
