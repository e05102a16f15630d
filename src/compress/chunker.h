// Cutting a text's units into model chunks: `chunk_words` units each, as the reference does,
// then each chunk into pieces that fit the model's token budget, so that no unit goes unscored
// (the reference truncates at 512 tokens and silently drops the words beyond).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "kompress/tokenizer.h"

namespace kompress::compress {

// Consecutive units [first, first + count) encoded together with encode_words; word ids are
// relative to `first`.
struct Piece {
  std::size_t first = 0;
  std::size_t count = 0;
  Encoding encoding;
};

// One chunk of the reference: units [first, first + count). Its pieces cover every unit except
// those that alone exceed the budget or have no tokens; those are left unscored.
struct Chunk {
  std::size_t first = 0;
  std::size_t count = 0;
  std::vector<Piece> pieces;
};

// `units` are the unit texts of one text; `max_tokens` includes the specials. Throws
// kompress::Error when the budget leaves no room beside the specials.
std::vector<Chunk> make_chunks(std::span<const std::string_view> units, std::size_t chunk_words,
                               const Tokenizer& tokenizer, std::size_t max_tokens);

}  // namespace kompress::compress
