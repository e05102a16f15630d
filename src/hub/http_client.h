// One HTTP request over libcurl, redirects not followed (the callers decide where a redirect
// may take the token), with bounded connect and stall times.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kompress::hub::detail {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  int connect_timeout_s = 10;
  int stall_timeout_s = 30;  // fail when nothing arrives for this long
  int total_timeout_s = 0;   // 0: none (a large download)
};

struct HttpResponse {
  long status = 0;                             // 0 when no response came
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;   // the body, unless a sink took it (then only a non-2xx body)
  std::string error;  // why the transfer failed (no response, or the body broke off); "" when whole

  // The header's value, "" when absent.
  std::string header(std::string_view lower_case_name) const;
  bool is_redirect() const { return status >= 300 && status < 400; }
  bool is_success() const { return status >= 200 && status < 300; }
};

// Receives the body of a 2xx response: `start` once with the status line and headers before
// the first byte, then the bytes. Returning false from either stops the transfer (the response's
// error then says so).
struct BodySink {
  std::function<bool(const HttpResponse& head)> start;
  std::function<bool(std::string_view bytes)> write;
};

// Largest body kept in HttpResponse::body; more is an error.
inline constexpr std::size_t kMaxBodyBytes = 64u << 20;

// Performs `request`. Without a sink the body goes to HttpResponse::body. Never throws for
// network or HTTP failures: the response's status and error say what happened.
HttpResponse perform(const HttpRequest& request, const BodySink* sink = nullptr);

// `location` (absolute, or relative as in a Location header) resolved against `base`.
std::string resolve_url(const std::string& base, const std::string& location);
// Scheme, host and port of `url` in lower case ("http://127.0.0.1:8080"); "" when unparsable.
std::string origin_of(const std::string& url);
// True when `location` names no host of its own (a path, relative or absolute).
bool is_relative_url(const std::string& location);
// `url` without its query and fragment: for messages (a signed CDN URL is long).
std::string url_for_messages(const std::string& url);
// Percent-encodes everything but unreserved characters, and '/' when `keep_slash`.
std::string percent_encode(std::string_view text, bool keep_slash);

}  // namespace kompress::hub::detail
