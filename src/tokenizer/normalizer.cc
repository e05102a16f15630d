#include "tokenizer/normalizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <memory>

#include "kompress/error.h"
#include "text/utf8.h"

namespace kompress::tokenizer {
namespace {

// Hugging Face normalizes with unicode-normalization-alignments, whose tables are Unicode 9.0;
// libutf8proc 2.8 has Unicode 15.0. The only code points where the two disagree (found by
// sweeping every code point through both, see tools/reference/tokenizer/README.md) are the
// combining marks added since Unicode 9, which utf8proc reorders and the oracle takes for
// inert starters, and the Dives Akuru pair U+11935 U+11930 -> U+11938 (Unicode 13).
// Kompress copies these code points unchanged and normalizes the text between them alone,
// which is what a normalizer that does not know them does.
struct Range {
  char32_t first;
  char32_t last;
};
constexpr Range kUnknownToOracle[] = {
    {0x7FD, 0x7FD},     {0x898, 0x89F},     {0x8CA, 0x8D3},     {0x9FE, 0x9FE},
    {0xC3C, 0xC3C},     {0xD3B, 0xD3C},     {0xEBA, 0xEBA},     {0x1715, 0x1715},
    {0x1ABF, 0x1ACE},   {0x1DF6, 0x1DFA},   {0xA82C, 0xA82C},   {0x10D24, 0x10D27},
    {0x10EAB, 0x10EAC}, {0x10EFD, 0x10EFF}, {0x10F46, 0x10F50}, {0x10F82, 0x10F85},
    {0x11070, 0x11070}, {0x1133B, 0x1133B}, {0x1145E, 0x1145E}, {0x11839, 0x1183A},
    {0x11930, 0x11930}, {0x11938, 0x11938}, {0x1193D, 0x1193E}, {0x11943, 0x11943},
    {0x119E0, 0x119E0}, {0x11A34, 0x11A34}, {0x11A47, 0x11A47}, {0x11A99, 0x11A99},
    {0x11D42, 0x11D42}, {0x11D44, 0x11D45}, {0x11D97, 0x11D97}, {0x11F41, 0x11F42},
    {0x16FF0, 0x16FF1}, {0x1E08F, 0x1E08F}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE},
    {0x1E2EC, 0x1E2EF}, {0x1E4EC, 0x1E4EF},
};

bool unknown_to_oracle(char32_t c) {
  if (c < kUnknownToOracle[0].first) return false;
  const auto* it = std::upper_bound(std::begin(kUnknownToOracle), std::end(kUnknownToOracle), c,
                                    [](char32_t v, const Range& r) { return v < r.first; });
  return it != std::begin(kUnknownToOracle) && c <= (it - 1)->last;
}

// True when `form` leaves `s` unchanged for a reason cheap to check: ASCII is invariant
// under every form, and code points below U+0300 are NFC_Quick_Check=Yes starters that
// never compose with a neighbour, so NFC keeps them (NFD and the compatibility forms do not:
// U+00E9 decomposes, U+00A0 has a compatibility mapping).
bool trivially_normal(std::string_view s, NormalForm form) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) continue;
    if (form != NormalForm::kNFC) return false;
    // Lead bytes C2..CB encode U+0080..U+02FF.
    if (b < 0xC2 || b > 0xCB) return false;
    ++i;  // skip the continuation byte (the input is valid UTF-8)
  }
  return true;
}

int utf8proc_options(NormalForm form) {
  switch (form) {
    case NormalForm::kNFC:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    case NormalForm::kNFD:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    case NormalForm::kNFKC:
      return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    case NormalForm::kNFKD:
      return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  }
  return 0;
}

// Appends `form` of valid UTF-8 `in` to `out`.
void append_normalized(std::string_view in, NormalForm form, std::string& out) {
  if (in.empty()) return;
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(in.data()),
                                          static_cast<utf8proc_ssize_t>(in.size()), &result,
                                          static_cast<utf8proc_option_t>(utf8proc_options(form)));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result, &std::free);
  if (n < 0) throw Error(std::string("normalizer: utf8proc failed: ") + utf8proc_errmsg(n));
  out.append(reinterpret_cast<const char*>(result), static_cast<std::size_t>(n));
}

// Appends `form` of `in` to `out`, passing the code points unknown to the oracle through.
void normalize_like_oracle(std::string_view in, NormalForm form, std::string& out) {
  std::size_t run = 0;  // start of the text not yet normalized
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::size_t at = pos;
    if (!unknown_to_oracle(text::decode_valid(in, pos))) continue;
    append_normalized(in.substr(run, at - run), form, out);
    out.append(in.substr(at, pos - at));
    run = pos;
  }
  append_normalized(in.substr(run), form, out);
}

}  // namespace

std::string_view Normalizer::apply(std::string_view in, std::string& scratch) const {
  std::string_view current = in;
  for (const NormalForm form : steps_) {
    if (trivially_normal(current, form)) continue;
    // `current` may point into `scratch`: build the result aside.
    std::string next;
    next.reserve(current.size() + 8);
    normalize_like_oracle(current, form, next);
    scratch = std::move(next);
    current = scratch;
  }
  return current;
}

}  // namespace kompress::tokenizer
