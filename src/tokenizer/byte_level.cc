#include "tokenizer/byte_level.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include "kompress/error.h"
#include "text/utf8.h"

namespace kompress::tokenizer {
namespace {

// The GPT-2 regex as Hugging Face runs it (Oniguruma, Unicode 16), spelled for PCRE2:
// - `\s` is Unicode White_Space exactly. PCRE2's `\s` also takes U+180E (MONGOLIAN VOWEL
//   SEPARATOR, a format character since Unicode 6.3), so the class is spelled out.
// - `\p{L}` and `\p{N}` get the letters and digits added in Unicode 15.0 to 16.0, which PCRE2
//   10.42 (Unicode 14) does not know. Both lists come from sweeping every code point through
//   the oracle (tools/reference/tokenizer) and PCRE2; a newer PCRE2 already has them.
constexpr std::string_view kSpace =
    R"(\t\n\x{0B}\f\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
constexpr std::string_view kNewLetters =
    R"(\x{1C89}-\x{1C8A}\x{A7CB}-\x{A7CD}\x{A7DA}-\x{A7DC}\x{105C0}-\x{105F3}\x{10D4A}-\x{10D65})"
    R"(\x{10D6F}-\x{10D85}\x{10EC2}-\x{10EC4}\x{1123F}-\x{11240}\x{11380}-\x{11389}\x{1138B})"
    R"(\x{1138E}\x{11390}-\x{113B5}\x{113B7}\x{113D1}\x{113D3}\x{11BC0}-\x{11BE0}\x{11F02})"
    R"(\x{11F04}-\x{11F10}\x{11F12}-\x{11F33}\x{1342F}\x{13441}-\x{13446}\x{13460}-\x{143FA})"
    R"(\x{16100}-\x{1611D}\x{16D40}-\x{16D6C}\x{18CFF}\x{1B132}\x{1B155}\x{1DF25}-\x{1DF2A})"
    R"(\x{1E030}-\x{1E06D}\x{1E4D0}-\x{1E4EB}\x{1E5D0}-\x{1E5ED}\x{1E5F0}\x{2B739})"
    R"(\x{2EBF0}-\x{2EE5D}\x{31350}-\x{323AF})";
constexpr std::string_view kNewDigits =
    R"(\x{10D40}-\x{10D49}\x{116D0}-\x{116E3}\x{11BF0}-\x{11BF9}\x{11F50}-\x{11F59})"
    R"(\x{16130}-\x{16139}\x{16D70}-\x{16D79}\x{1CCF0}-\x{1CCF9}\x{1D2C0}-\x{1D2D3})"
    R"(\x{1E4F0}-\x{1E4F9}\x{1E5F1}-\x{1E5FA})";

//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::string gpt2_pattern() {
  const std::string space(kSpace);
  const std::string letters = "\\p{L}" + std::string(kNewLetters);
  const std::string digits = "\\p{N}" + std::string(kNewDigits);
  return "'s|'t|'re|'ve|'m|'ll|'d| ?[" + letters + "]+| ?[" + digits + "]+| ?[^" + space + letters +
         digits + "]+|[" + space + "]+(?![^" + space + "])|[" + space + "]+";
}

// The compiled pattern, shared by every tokenizer: it never changes.
class Gpt2Regex {
 public:
  Gpt2Regex() {
    int code = 0;
    PCRE2_SIZE offset = 0;
    const std::string pattern = gpt2_pattern();
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                          PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &code, &offset, nullptr);
    if (code_ == nullptr) {
      throw Error("byte-level pre-tokenizer: PCRE2 cannot compile the GPT-2 regex (error " +
                  std::to_string(code) + ")");
    }
    // JIT is an optimisation: without it (unsupported CPU, no executable memory) the
    // interpreter gives the same matches.
    jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
  }
  ~Gpt2Regex() { pcre2_code_free(code_); }
  Gpt2Regex(const Gpt2Regex&) = delete;
  Gpt2Regex& operator=(const Gpt2Regex&) = delete;

  // Next match at or after `start`: true and [begin, end) set, or false when none.
  bool find(std::string_view text, std::size_t start, std::size_t& begin, std::size_t& end) const {
    pcre2_match_data* md = thread_match_data();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    // The text was validated once by the caller: skip PCRE2's per-call UTF check.
    const int rc =
        jit_ ? pcre2_jit_match(code_, subject, text.size(), start, 0, md, nullptr)
             : pcre2_match(code_, subject, text.size(), start, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc < 0) {
      if (rc == PCRE2_ERROR_NOMATCH) return false;
      throw Error("byte-level pre-tokenizer: PCRE2 match failed (error " + std::to_string(rc) +
                  ")");
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(md);
    begin = ovector[0];
    end = ovector[1];
    return true;
  }

 private:
  // One match block per thread: the pattern has no groups, so any block with one pair fits.
  static pcre2_match_data* thread_match_data() {
    struct Deleter {
      void operator()(pcre2_match_data* md) const { pcre2_match_data_free(md); }
    };
    thread_local std::unique_ptr<pcre2_match_data, Deleter> md{pcre2_match_data_create(1, nullptr)};
    if (!md) throw Error("byte-level pre-tokenizer: out of memory for PCRE2 match data");
    return md.get();
  }

  pcre2_code* code_ = nullptr;
  bool jit_ = false;
};

const Gpt2Regex& gpt2_regex() {
  static const Gpt2Regex regex;
  return regex;
}

std::array<char32_t, 256> make_byte_to_unicode() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (unsigned b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

}  // namespace

const std::array<char32_t, 256>& byte_to_unicode() {
  static const std::array<char32_t, 256> table = make_byte_to_unicode();
  return table;
}

std::optional<std::string> byte_level_decode(std::string_view token) {
  // Inverse table over the 324 code points the alphabet uses (0..0x143).
  static const std::array<int, 0x144> inverse = [] {
    std::array<int, 0x144> inv{};
    inv.fill(-1);
    const auto& forward = byte_to_unicode();
    for (int b = 0; b < 256; ++b) inv[forward[static_cast<std::size_t>(b)]] = b;
    return inv;
  }();
  if (!text::is_valid_utf8(token)) return std::nullopt;
  std::string bytes;
  bytes.reserve(token.size());
  std::size_t pos = 0;
  while (pos < token.size()) {
    const char32_t cp = text::decode_valid(token, pos);
    if (cp >= inverse.size() || inverse[cp] < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(inverse[cp]));
  }
  return bytes;
}

std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  const auto& table = byte_to_unicode();
  for (const char c : bytes) text::append_utf8(out, table[static_cast<unsigned char>(c)]);
  return out;
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
    : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {
  if (use_regex_) gpt2_regex();  // compile now so that errors surface at load time
}

void ByteLevelPreTokenizer::split(std::string_view text, std::vector<Span>& out) const {
  if (text.empty()) return;
  if (!use_regex_) {
    out.push_back({0, text.size()});
    return;
  }
  const Gpt2Regex& regex = gpt2_regex();
  std::size_t pos = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
  while (pos < text.size() && regex.find(text, pos, begin, end)) {
    if (begin > pos) out.push_back({pos, begin});  // unmatched gap: its own piece
    if (end == begin) {
      // The pattern has no empty matches; guard anyway so that the loop always advances.
      end = begin + text::utf8_sequence_length(static_cast<unsigned char>(text[begin]));
      if (end > text.size()) end = text.size();
    }
    out.push_back({begin, end});
    pos = end;
  }
  if (pos < text.size()) out.push_back({pos, text.size()});
}

}  // namespace kompress::tokenizer
