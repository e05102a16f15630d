// Rebuilding text from the kept units.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compress/units.h"
#include "kompress/compressor.h"
#include "text/words.h"

namespace kompress::compress {

// Joins the kept units of `text`. Units of one word are always concatenated. Between words:
// - Join::kSpace: one space (the reference, byte for byte);
// - Join::kLayout: one space within a line; where the two kept words are on different lines,
//   the terminator of the earlier word's line (so CRLF stays CRLF); then the indentation of the
//   later word's line when that word is the line's first. Lines without a kept word vanish;
//   leading and trailing whitespace of the text are not kept.
std::string join_units(std::string_view text, const text::SplitText& split,
                       std::span<const Unit> units, const std::vector<bool>& kept, Join join);

}  // namespace kompress::compress
