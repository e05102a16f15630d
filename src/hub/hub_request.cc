#include "hub/hub_request.h"

#include "kompress/error.h"

namespace kompress::hub::detail {

HttpRequest hub_request(const Options& options, const std::string& method, const std::string& url,
                        std::vector<std::string> extra) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.headers = std::move(extra);
  const std::string origin = origin_of(url);
  if (!options.token.empty() && !origin.empty() && origin == origin_of(options.endpoint)) {
    request.headers.push_back("Authorization: Bearer " + options.token);
  }
  request.connect_timeout_s = options.connect_timeout_s;
  request.stall_timeout_s = options.stall_timeout_s;
  return request;
}

HttpResponse ask_hub(const Target& target, const Options& options, const std::string& method,
                     std::string& url, std::vector<std::string> extra) {
  for (int hop = 0;; ++hop) {
    HttpRequest request = hub_request(options, method, url, extra);
    request.total_timeout_s = options.connect_timeout_s + 2 * options.stall_timeout_s;
    HttpResponse response = perform(request);
    if (!response.error.empty()) throw_network_error(target, url, response.error);
    if (response.status >= 400) throw_http_error(target, url, response);
    const std::string location = response.header("location");
    if (!response.is_redirect() || location.empty() || !is_relative_url(location)) {
      return response;
    }
    if (hop == kMaxRedirects) {
      throw Error(describe(target) + ": more than " + std::to_string(kMaxRedirects) +
                  " redirects (" + url_for_messages(url) + ")");
    }
    url = resolve_url(url, location);
  }
}

}  // namespace kompress::hub::detail
