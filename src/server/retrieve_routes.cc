#include "server/retrieve_routes.h"

#include <cmath>

#include "kompress/error.h"

namespace kompress::server {
namespace {

using nlohmann::json;

// `hash` lowercased; 400 unless it is a CCR key (24 hex digits).
std::string checked_key(std::string_view hash) {
  std::optional<std::string> key = ccr::normalize_key(hash);
  if (!key) {
    throw HttpError(400, "hash must be " + std::to_string(ccr::kKeyLength) +
                             " hex digits (the hash= of a marker)");
  }
  return *std::move(key);
}

// The reference's miss text (format_retrieval_miss_detail), which tools and models read.
std::string miss_detail(ccr::Status status, double ttl_seconds) {
  const std::string ttl = std::to_string(std::llround(ttl_seconds));
  return status == ccr::Status::kExpired ? "Entry expired (CCR TTL: " + ttl + " seconds)"
                                         : "Entry not found (CCR TTL: " + ttl + " seconds)";
}

}  // namespace

Reply handle_retrieve(const RetrieveContext& ctx, std::string_view hash) {
  const std::string key = checked_key(hash);
  if (ctx.store == nullptr) throw HttpError(503, "no CCR store: " + ctx.no_store_reason);
  ccr::Lookup hit;
  try {
    hit = ctx.store->get(key);
  } catch (const std::exception& e) {
    ctx.metrics.count_ccr_error();
    throw HttpError(503, std::string("CCR store failed: ") + e.what());
  }
  ctx.metrics.count_ccr_lookup(hit.status);
  if (hit.status != ccr::Status::kOk) {
    const std::string detail = miss_detail(hit.status, ctx.ttl_seconds);
    return json_reply(404, {{"error", detail},
                            {"detail", detail},
                            {"status", ccr::to_string(hit.status)},
                            {"hash", key}});
  }
  const ccr::Entry& e = hit.entry;
  return json_reply(200, {{"hash", key},
                          {"original_content", e.original},
                          {"original_tokens", e.original_tokens},
                          {"original_item_count", e.original_item_count},
                          {"compressed_item_count", e.compressed_item_count},
                          {"tool_name", nullptr},
                          {"retrieval_count", e.retrieval_count}});
}

std::string hash_from_body(std::string_view body) {
  const json req = parse_body(body, false);
  if (!req.is_object()) throw HttpError(400, "hash required");
  const auto hash = req.find("hash");
  if (hash == req.end() || hash->is_null() || *hash == "") throw HttpError(400, "hash required");
  if (!hash->is_string()) throw HttpError(400, "hash: must be a string");
  return hash->get<std::string>();
}

}  // namespace kompress::server
