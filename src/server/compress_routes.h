// POST /compress (the remote endpoint contract of Headroom's Kompress client) and
// POST /v1/compress (many texts, per-text options, full results with CCR keys).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "server/engine.h"
#include "server/metrics.h"
#include "server/reply.h"

namespace kompress::server {

struct CompressContext {
  const Engine& engine;
  Metrics& metrics;
  std::chrono::milliseconds deadline;  // per request unless it asks for another; 0: none
  // Why the server has no CCR store (empty when it has one): /v1/compress reports it in
  // ccr_error of results that would have been stored.
  std::string no_store_reason;
};

// {"content": str, "target_ratio": number|null} -> 200 {"compressed", "original_tokens",
// "compressed_tokens", "compression_ratio", "model_used"}; never a CCR marker. A deadline hit
// answers 200 with the uncompressed chunks kept verbatim and the header
// `X-Kompress-Fail-Open: deadline`; a full queue answers 503 (the client passes through).
Reply handle_compress(const CompressContext& ctx, std::string_view body, bool lossy);

// {"texts": [str | {"text": str, options...}], options...} -> 200 {"results": [...]}, one
// result per text in order; see docs/serving.md.
Reply handle_v1_compress(const CompressContext& ctx, std::string_view body, bool lossy);

}  // namespace kompress::server
