#include "server/access.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace kompress::server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_loopback_address(std::string_view addr) {
  const std::string s(addr);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

// The host part of a Host header: "[::1]:8080" -> "::1", "localhost:80" -> "localhost".
std::string_view host_of(std::string_view header) {
  if (header.starts_with('[')) {
    const auto close = header.find(']');
    return close == std::string_view::npos ? std::string_view{} : header.substr(1, close - 1);
  }
  const auto colon = header.find(':');
  return colon == std::string_view::npos ? header : header.substr(0, colon);
}

}  // namespace

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer ";
  if (token.empty() || authorization.size() < kScheme.size() ||
      !iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  const std::string_view given = authorization.substr(kScheme.size());
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ token[i % token.size()]);
  }
  return diff == 0;
}

bool is_loopback_request(std::string_view remote_addr, std::string_view host_header) {
  if (!is_loopback_address(remote_addr)) return false;
  const std::string_view host = host_of(host_header);
  return iequals(host, "localhost") || is_loopback_address(host);
}

}  // namespace kompress::server
