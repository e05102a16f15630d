#include "cli/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kompress::cli {
namespace {

template <typename T>
void append_shortest(std::string& out, T v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json_float(std::string& out, float v) { append_shortest(out, v); }
void append_json_double(std::string& out, double v) { append_shortest(out, v); }

void append_json_key(std::string& out, std::string_view key, bool first) {
  if (!first) out += ", ";
  append_json_string(out, key);
  out += ": ";
}

}  // namespace kompress::cli
