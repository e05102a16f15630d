#include "compress/chunker.h"

#include <string>

#include "kompress/error.h"

namespace kompress::compress {
namespace {

// Tokens per unit of an encoding made with encode_words.
std::vector<std::size_t> tokens_per_unit(const Encoding& e, std::size_t n) {
  std::vector<std::size_t> counts(n, 0);
  for (int32_t w : e.word_ids) {
    if (w != kNoWord && static_cast<std::size_t>(w) < n) ++counts[static_cast<std::size_t>(w)];
  }
  return counts;
}

// Splits one over-budget chunk greedily: a piece grows while its units fit `content_budget`;
// a unit too long for any piece, or without tokens, ends the piece and stays unscored.
std::vector<Piece> split_by_budget(std::span<const std::string_view> units, std::size_t first,
                                   const std::vector<std::size_t>& counts,
                                   const Tokenizer& tokenizer, std::size_t content_budget) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  std::size_t used = 0;
  auto close = [&](std::size_t end) {
    if (end > start) {
      Piece p;
      p.first = first + start;
      p.count = end - start;
      p.encoding = tokenizer.encode_words(units.subspan(start, p.count));
      pieces.push_back(std::move(p));
    }
  };
  for (std::size_t i = 0; i < units.size(); ++i) {
    const std::size_t n = counts[i];
    if (n == 0 || n > content_budget) {
      close(i);
      start = i + 1;
      used = 0;
      continue;
    }
    if (used + n > content_budget) {
      close(i);
      start = i;
      used = 0;
    }
    used += n;
  }
  close(units.size());
  return pieces;
}

}  // namespace

std::vector<Chunk> make_chunks(std::span<const std::string_view> units, std::size_t chunk_words,
                               const Tokenizer& tokenizer, std::size_t max_tokens) {
  const std::size_t specials = tokenizer.num_special_tokens();
  if (max_tokens <= specials) {
    throw Error("token budget " + std::to_string(max_tokens) + " leaves no room beside " +
                std::to_string(specials) + " special tokens");
  }
  std::vector<Chunk> chunks;
  for (std::size_t first = 0; first < units.size(); first += chunk_words) {
    Chunk chunk;
    chunk.first = first;
    chunk.count = std::min(chunk_words, units.size() - first);
    const auto words = units.subspan(first, chunk.count);
    Encoding whole = tokenizer.encode_words(words);
    const auto counts = tokens_per_unit(whole, words.size());
    bool all_scored = true;
    for (std::size_t c : counts) all_scored = all_scored && c > 0;
    if (whole.ids.size() <= max_tokens && all_scored) {
      chunk.pieces.push_back({first, chunk.count, std::move(whole)});
    } else {
      chunk.pieces = split_by_budget(words, first, counts, tokenizer, max_tokens - specials);
    }
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

}  // namespace kompress::compress
