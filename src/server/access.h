// Who may call which route: a bearer token when the server has one, and loopback-only
// retrieval when it has none.
#pragma once

#include <string_view>

namespace kompress::server {

// True when `authorization` is "Bearer <token>" (scheme case-insensitive). Compares in time
// independent of where the token differs.
bool bearer_matches(std::string_view authorization, std::string_view token);

// True when the peer address is loopback (127.0.0.0/8, ::1, ::ffff:127.x.y.z) AND the Host
// header names a loopback host (127.x, [::1], localhost, with any port): a browser page on
// another origin that reaches 127.0.0.1 through DNS rebinding still sends its own Host.
bool is_loopback_request(std::string_view remote_addr, std::string_view host_header);

}  // namespace kompress::server
