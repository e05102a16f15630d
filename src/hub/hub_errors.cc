// Hub failures as one-line messages, reading the X-Error-Code and X-Error-Message headers that
// the hub sends with its errors.
#include "hub/hub_errors.h"

#include "kompress/error.h"

namespace kompress::hub::detail {

std::string describe(const Target& target) {
  std::string what(target.repo);
  if (!target.file.empty()) what += ": " + std::string(target.file);
  return what;
}

void throw_http_error(const Target& target, const std::string& url, const HttpResponse& response) {
  const std::string code = response.header("x-error-code");
  const std::string message = response.header("x-error-message");
  const std::string status =
      " (HTTP " + std::to_string(response.status) + " from " + url_for_messages(url) + ")";
  const std::string repo(target.repo);
  if (response.status == 401 && message == "Invalid credentials in Authorization header") {
    throw Error(repo + ": the hub rejected HF_TOKEN" + status);
  }
  if (code == "GatedRepo") {
    throw Error(repo + ": gated repository: accept its conditions on the hub and set HF_TOKEN" +
                status);
  }
  if (code == "RepoNotFound" || response.status == 401) {
    throw Error(repo + ": repository not found or needs HF_TOKEN" + status);
  }
  if (code == "RevisionNotFound") {
    throw Error(repo + ": revision " + std::string(target.revision) + " not found" + status);
  }
  if (code == "EntryNotFound" || (response.status == 404 && !target.file.empty())) {
    throw Error(describe(target) + ": not found at revision " + std::string(target.revision) +
                status);
  }
  throw Error(describe(target) + ": " + (message.empty() ? "request failed" : message) + status);
}

void throw_network_error(const Target& target, const std::string& url, const std::string& error) {
  throw Error(describe(target) + ": " + error + " (" + url_for_messages(url) + ")");
}

}  // namespace kompress::hub::detail
