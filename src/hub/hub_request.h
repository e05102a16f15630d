// Requests to the hub for small answers (file metadata, file listings): the token only for the
// endpoint's host, relative redirects followed, failures thrown as one-line errors.
#pragma once

#include <string>
#include <vector>

#include "hub/http_client.h"
#include "hub/hub_errors.h"
#include "kompress/hub.h"

namespace kompress::hub::detail {

// Redirects followed at most, per request.
inline constexpr int kMaxRedirects = 10;

// A request to `url` with `extra` headers, carrying the options' timeouts, and the token only
// when `url` is on the endpoint's host (scheme, host and port).
HttpRequest hub_request(const Options& options, const std::string& method, const std::string& url,
                        std::vector<std::string> extra = {});

// A HEAD or GET of a small answer. Follows relative redirects only, as huggingface_hub does (a
// renamed repository answers with one; an absolute one leads to a CDN and is the caller's to
// follow). Throws kompress::Error for network errors and statuses of 400 and more. `url` ends
// as the address that gave the returned response.
HttpResponse ask_hub(const Target& target, const Options& options, const std::string& method,
                     std::string& url, std::vector<std::string> extra = {});

}  // namespace kompress::hub::detail
