// What a route answers, independent of the HTTP library: status, body and extra headers.
// Every error body is JSON with an "error" message.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kompress::server {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// A request the server refuses, with the status to answer; routes throw it, the dispatcher
// turns it into error_reply().
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

// `value` serialised (invalid UTF-8 cannot occur in it, but would become U+FFFD, never a throw).
Reply json_reply(int status, const nlohmann::json& value);

// {"error": message}
Reply error_reply(int status, std::string_view message);

// The JSON value of a request body. With `lossy`, invalid UTF-8 bytes and lone \uD800-\uDFFF
// escapes become U+FFFD first; otherwise they are a 400 naming the byte offset. Malformed JSON
// is a 400 with the parser's message.
nlohmann::json parse_body(std::string_view body, bool lossy);

}  // namespace kompress::server
