// The one-line kompress::Error messages of failed hub requests: what was asked for, what went
// wrong (in the hub's terms when its X-Error-Code says), the HTTP status and the URL.
#pragma once

#include <string>
#include <string_view>

#include "hub/http_client.h"

namespace kompress::hub::detail {

// What a request was for.
struct Target {
  std::string_view repo;
  std::string_view revision;
  std::string_view file;  // empty for the file listing
};

// "ORG/NAME: FILE", or "ORG/NAME" for the listing.
std::string describe(const Target& target);

// For a response of status 400 or more.
[[noreturn]] void throw_http_error(const Target& target, const std::string& url,
                                   const HttpResponse& response);

// For a request that got no complete response.
[[noreturn]] void throw_network_error(const Target& target, const std::string& url,
                                      const std::string& error);

}  // namespace kompress::hub::detail
