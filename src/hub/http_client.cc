// HTTP over libcurl for the hub client: one easy handle per request, headers collected, the body
// streamed to a sink or kept, never a redirect followed.
#include "hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace kompress::hub::detail {
namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
  void operator()(char* s) const { curl_free(s); }
};
template <typename T>
using CurlPtr = std::unique_ptr<T, CurlDeleter>;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// State of one transfer, shared with the libcurl callbacks.
struct Transfer {
  CURL* curl = nullptr;
  const BodySink* sink = nullptr;
  HttpResponse* response = nullptr;
  bool started = false;
  bool stopped_by_sink = false;
  bool too_large = false;
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line = trim(std::string_view(data, size * count));
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();  // a new response (after a 100 Continue)
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    t->response->headers[lower(trim(line.substr(0, colon)))] =
        std::string(trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  HttpResponse& r = *t->response;
  const std::string_view bytes(data, size * count);
  if (!t->started) {
    t->started = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &r.status);
    if (t->sink != nullptr && r.is_success() && t->sink->start && !t->sink->start(r)) {
      t->stopped_by_sink = true;
      return 0;
    }
  }
  if (t->sink != nullptr && r.is_success()) {
    if (!t->sink->write(bytes)) {
      t->stopped_by_sink = true;
      return 0;
    }
    return bytes.size();
  }
  if (r.body.size() + bytes.size() > kMaxBodyBytes) {
    t->too_large = true;
    return 0;
  }
  r.body.append(bytes);
  return bytes.size();
}

// A part of a parsed URL, "" when absent.
std::string url_part(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK) return {};
  CurlPtr<char> owned(raw);
  return raw;
}

CurlPtr<CURLU> parse_url(const std::string& url) {
  CurlPtr<CURLU> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return nullptr;
  }
  return parsed;
}

}  // namespace

std::string HttpResponse::header(std::string_view lower_case_name) const {
  const auto it = headers.find(std::string(lower_case_name));
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse perform(const HttpRequest& request, const BodySink* sink) {
  init_curl_once();
  HttpResponse response;
  CurlPtr<CURL> curl(curl_easy_init());
  if (!curl) {
    response.error = "cannot start libcurl";
    return response;
  }
  CurlPtr<curl_slist> headers;
  for (const std::string& h : request.headers) {
    // Appending keeps the list's head; only the first append makes one.
    curl_slist* head = curl_slist_append(headers.get(), h.c_str());
    if (head == nullptr) {
      response.error = "out of memory";
      return response;
    }
    if (!headers) headers.reset(head);
  }
  Transfer transfer{curl.get(), sink, &response};
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_USERAGENT, "kompress");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.connect_timeout_s));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.stall_timeout_s));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(request.total_timeout_s));
  curl_easy_setopt(c, CURLOPT_NOBODY, request.method == "HEAD" ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);

  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  if (transfer.stopped_by_sink) {
    response.error = "stopped";
  } else if (transfer.too_large) {
    response.error = "response larger than " + std::to_string(kMaxBodyBytes >> 20) + " MiB";
  } else if (rc != CURLE_OK) {
    response.error = curl_easy_strerror(rc);
    if (error_text[0] != '\0') response.error += std::string(" (") + error_text + ")";
  }
  return response;
}

std::string resolve_url(const std::string& base, const std::string& location) {
  CurlPtr<CURLU> url = parse_url(base);
  if (!url || curl_url_set(url.get(), CURLUPART_URL, location.c_str(), 0) != CURLUE_OK) {
    return location;
  }
  return url_part(url.get(), CURLUPART_URL);
}

std::string origin_of(const std::string& url) {
  CurlPtr<CURLU> parsed = parse_url(url);
  if (!parsed) return {};
  return lower(url_part(parsed.get(), CURLUPART_SCHEME) + "://" +
               url_part(parsed.get(), CURLUPART_HOST) + ":" +
               url_part(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT));
}

bool is_relative_url(const std::string& location) {
  if (location.starts_with("//")) return false;
  const std::size_t scheme_end = location.find("://");
  return scheme_end == std::string::npos ||
         location.find_first_of("/?#") < scheme_end;  // "://" only inside the path or query
}

std::string url_for_messages(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0xF]};
    }
  }
  return out;
}

}  // namespace kompress::hub::detail
