// Store locations: "memory", "redis://..." URLs, SQLite paths; open_store() picks the backend.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress::ccr {
namespace {

constexpr std::string_view kRedisScheme = "redis://";

// `url` without its user and password, for messages.
std::string redacted(std::string_view url) {
  const auto authority_end = url.find_first_of("/?#", kRedisScheme.size());
  const auto at = url.substr(0, authority_end).rfind('@');
  if (!url.starts_with(kRedisScheme) || at == std::string_view::npos) return std::string(url);
  return std::string(kRedisScheme) + "***" + std::string(url.substr(at));
}

[[noreturn]] void bad_url(std::string_view url, const std::string& why) {
  throw Error("ccr store: bad Redis URL \"" + redacted(url) + "\": " + why);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view url, std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
    if (lo < 0) bad_url(url, "a % is not followed by two hex digits");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// The decimal number `text` when it is one in [0, max], else -1.
int parse_number(std::string_view text, int max) {
  int value = -1;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end && value >= 0 && value <= max ? value
                                                                                        : -1;
}

void parse_userinfo(std::string_view url, std::string_view userinfo, RedisOptions& out) {
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    bad_url(url, "put the password after a colon: redis://:PASSWORD@HOST");
  }
  out.username = percent_decoded(url, userinfo.substr(0, colon));
  out.password = percent_decoded(url, userinfo.substr(colon + 1));
  if (out.password.empty()) bad_url(url, "the password is empty");
}

void parse_host_port(std::string_view url, std::string_view hostport, RedisOptions& out) {
  std::string_view host = hostport;
  std::optional<std::string_view> port;
  if (hostport.starts_with('[')) {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) bad_url(url, "an IPv6 address lacks its closing ]");
    host = hostport.substr(1, close - 1);
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) bad_url(url, "text after the IPv6 address");
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = hostport.find(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
    if (port->find(':') != std::string_view::npos) {
      bad_url(url, "write an IPv6 address in brackets: redis://[::1]:6379");
    }
  }
  if (host.empty()) bad_url(url, "no host");
  out.host = std::string(host);
  if (port) {
    out.port = parse_number(*port, 65535);
    if (out.port <= 0) bad_url(url, "port \"" + std::string(*port) + "\" is not in 1-65535");
  }
}

void parse_query(std::string_view url, std::string_view query, RedisOptions& out) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = param.find('=');
    if (param.substr(0, eq) != "prefix" || eq == std::string_view::npos) {
      bad_url(url, "unknown parameter \"" + std::string(param) + "\" (only prefix=NAME)");
    }
    out.prefix = percent_decoded(url, param.substr(eq + 1));
    if (out.prefix.empty()) bad_url(url, "the prefix is empty");
  }
}

}  // namespace

RedisOptions parse_redis_url(std::string_view url) {
  if (url.starts_with("rediss://")) bad_url(url, "TLS (rediss://) is not supported");
  if (!url.starts_with(kRedisScheme)) bad_url(url, "it must start with redis://");
  if (url.find('#') != std::string_view::npos) bad_url(url, "a # fragment means nothing here");
  RedisOptions out;
  std::string_view rest = url.substr(kRedisScheme.size());
  const auto question = rest.find('?');
  if (question != std::string_view::npos) parse_query(url, rest.substr(question + 1), out);
  rest = rest.substr(0, question);

  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) parse_userinfo(url, authority.substr(0, at), out);
  parse_host_port(url, at == std::string_view::npos ? authority : authority.substr(at + 1), out);

  const std::string_view db = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (!db.empty()) {
    out.db = parse_number(db, 1 << 30);
    if (out.db < 0) bad_url(url, "db \"" + std::string(db) + "\" is not a number");
  }
  return out;
}

std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options) {
  if (location.empty()) {
    throw Error("ccr store: empty location (memory, redis://HOST, or a SQLite path)");
  }
  if (location == "memory") return make_memory_store(options);
  if (location.starts_with("redis:") || location.starts_with("rediss:")) {
    return open_redis_store(parse_redis_url(location), options);
  }
  if (location.starts_with("sqlite:")) {
    const std::string path = location.substr(std::string_view("sqlite:").size());
    if (path.empty()) throw Error("ccr store: \"sqlite:\" without a path");
    return open_sqlite_store(path, options);
  }
  const auto scheme_end = location.find("://");
  const bool has_scheme =
      scheme_end != std::string::npos && scheme_end > 0 &&
      std::all_of(location.begin(), location.begin() + static_cast<std::ptrdiff_t>(scheme_end),
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+'; });
  if (has_scheme) {
    throw Error("ccr store: unknown location \"" + location.substr(0, scheme_end + 3) +
                "...\" (memory, redis://HOST, sqlite:PATH, or a SQLite path)");
  }
  return open_sqlite_store(location, options);
}

}  // namespace kompress::ccr
