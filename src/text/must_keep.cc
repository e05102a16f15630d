#include "text/must_keep.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "kompress/error.h"

namespace kompress::text {

const std::vector<std::string>& default_must_keep_patterns() {
  static const std::vector<std::string> kPatterns = {
      R"(\b0x[0-9A-Fa-f]+\b)",                // hex: 0x7fff2038
      R"((?<![\w.])\d+(?:\.\d+)?(?![\w.]))",  // standalone numbers: 42, 3.14
      R"([A-Z_]{2,})",                        // ALLCAPS: SIGILL, EOF
      R"([a-z_][a-z0-9_]*\.[a-z0-9_]+)",      // dotted names: libsystem_kernel.dylib
      R"(/[a-z0-9/._-]{2,})",                 // paths: /usr/lib/python3
      R"(\.[a-z]{2,4}\b)",                    // extensions: .py
      R"(--?[a-z][\w-]*)",                    // flags: --verbose, -n
      R"(\b[A-Z][a-z]+[A-Z]\w*)",             // CamelCase: IndexError
      R"((?i:\b(?:not|never|none|cannot|can't|don't|doesn't|didn't|won't|shouldn't)"
      R"(|mustn't|isn't|aren't|avoid|refuse|prohibited|forbidden|disallow|unless)"
      R"(|except|without|must|should|shall|required|always|only|mandatory)\b))",
      R"((?i:\b(?:and|or|nor|xor)\b))",
  };
  return kPatterns;
}

struct MustKeep::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

namespace {

// One alternation of all patterns, each in its own group, so a word costs one match call.
std::string combine(std::span<const std::string> patterns) {
  std::string out;
  for (const std::string& p : patterns) {
    if (!out.empty()) out += '|';
    out += "(?:" + p + ")";
  }
  return out;
}

// Compiles one pattern alone, for an error message that names it.
void check_pattern(const std::string& pattern) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
  if (re != nullptr) {
    pcre2_code_free(re);
    return;
  }
  PCRE2_UCHAR message[256];
  pcre2_get_error_message(code, message, sizeof message);
  throw Error("must-keep pattern '" + pattern + "': " + reinterpret_cast<const char*>(message) +
              " at offset " + std::to_string(offset));
}

}  // namespace

MustKeep::MustKeep(std::span<const std::string> patterns) : impl_(std::make_unique<Impl>()) {
  if (patterns.empty()) return;  // matches nothing
  for (const std::string& p : patterns) check_pattern(p);
  const std::string all = combine(patterns);
  int code = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(all.data()), all.size(),
                              PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
  if (impl_->code == nullptr) throw Error("must-keep patterns do not combine into one regex");
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // best effort: the interpreter also works
}

MustKeep::MustKeep(MustKeep&&) noexcept = default;
MustKeep& MustKeep::operator=(MustKeep&&) noexcept = default;
MustKeep::~MustKeep() = default;

const MustKeep& MustKeep::defaults() {
  static const MustKeep kDefaults(default_must_keep_patterns());
  return kDefaults;
}

bool MustKeep::matches(std::string_view word) const {
  if (impl_->code == nullptr) return false;
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  if (data == nullptr) throw Error("must-keep: out of memory");
  // The text was validated once up front; skip PCRE2's own UTF check.
  const int rc = pcre2_match(impl_->code, reinterpret_cast<PCRE2_SPTR>(word.data()), word.size(), 0,
                             PCRE2_NO_UTF_CHECK, data, nullptr);
  pcre2_match_data_free(data);
  return rc >= 0;
}

}  // namespace kompress::text
