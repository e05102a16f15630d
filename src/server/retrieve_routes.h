// GET /v1/retrieve/{hash} and POST /v1/retrieve {"hash"}: the original behind a marker, with
// the reference's (Headroom proxy's) response shape.
#pragma once

#include <string>
#include <string_view>

#include "kompress/ccr.h"
#include "server/metrics.h"
#include "server/reply.h"

namespace kompress::server {

struct RetrieveContext {
  ccr::Store* store;            // null when the server has none
  std::string no_store_reason;  // why, for the 503
  double ttl_seconds;           // the store's TTL, for miss messages
  Metrics& metrics;
};

// 200 {"hash", "original_content", "original_tokens", "original_item_count",
// "compressed_item_count", "tool_name": null, "retrieval_count"}; 404 {"error", "detail",
// "status": "missing"|"expired", "hash"} with the reference's detail text; 400 for a hash that
// is not 24 hex digits; 503 when there is no store or it fails.
Reply handle_retrieve(const RetrieveContext& ctx, std::string_view hash);

// The "hash" of a POST /v1/retrieve body; 400 when absent (the reference's "hash required").
std::string hash_from_body(std::string_view body);

}  // namespace kompress::server
