// Appending JSON values to a string by hand: the outputs of `compress --json` and
// `scores --json` have one object per word, too many for a JSON document tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kompress::cli {

// `s` (valid UTF-8) as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view s);

// The shortest text that reads back as `v` ("0.8", not "0.800000011920929"); null when not
// finite.
void append_json_float(std::string& out, float v);
void append_json_double(std::string& out, double v);

inline void append_json_bool(std::string& out, bool v) { out += v ? "true" : "false"; }
inline void append_json_int(std::string& out, int64_t v) { out += std::to_string(v); }

// `"key": ` (after a ", " unless `first`).
void append_json_key(std::string& out, std::string_view key, bool first = false);

}  // namespace kompress::cli
