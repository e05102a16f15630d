#include "server/reply.h"

#include "compress/job.h"
#include "kompress/error.h"
#include "text/utf8.h"

namespace kompress::server {

Reply json_reply(int status, const nlohmann::json& value) {
  Reply r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Reply error_reply(int status, std::string_view message) {
  return json_reply(status, {{"error", message}});
}

nlohmann::json parse_body(std::string_view body, bool lossy) {
  std::string text;
  try {
    text = compress::checked_utf8(body, lossy, "request body: ");
  } catch (const Error& e) {
    throw HttpError(400, std::string(e.what()) +
                             " (send UTF-8, or add ?lossy=1 to replace bad bytes with U+FFFD)");
  }
  if (lossy) text = text::replace_lone_surrogate_escapes(text);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers out of range
    throw HttpError(400, std::string("request body is not JSON: ") + e.what());
  }
}

}  // namespace kompress::server
