// Hub options from the environment variables that huggingface_hub reads, with its defaults.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "kompress/hub.h"

namespace kompress::hub {
namespace {

namespace fs = std::filesystem;

// The variable's value, or empty when unset.
std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// The first of `names` that is set and not empty.
std::string first_env(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (std::string v = env(name); !v.empty()) return v;
  }
  return {};
}

// A leading "~" is the home folder, as Python's os.path.expanduser reads it.
std::string expand_home(const std::string& path) {
  if (path.empty() || path[0] != '~' || (path.size() > 1 && path[1] != '/')) return path;
  return env("HOME") + path.substr(1);
}

bool is_true(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

fs::path hf_home() {
  if (std::string home = env("HF_HOME"); !home.empty()) return expand_home(home);
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) {
    return fs::path(expand_home(xdg)) / "huggingface";
  }
  return fs::path(expand_home("~/.cache")) / "huggingface";
}

// The token file without line breaks and surrounding blanks; empty when there is none.
std::string token_from_file() {
  const std::string configured = env("HF_TOKEN_PATH");
  const fs::path path =
      configured.empty() ? hf_home() / "token" : fs::path(expand_home(configured));
  std::ifstream in(path);
  std::string token(std::istreambuf_iterator<char>(in), {});
  std::erase_if(token, [](char c) { return c == '\r' || c == '\n'; });
  const auto blank = [](unsigned char c) { return std::isspace(c) != 0; };
  token.erase(std::find_if_not(token.rbegin(), token.rend(), blank).base(), token.end());
  token.erase(token.begin(), std::find_if_not(token.begin(), token.end(), blank));
  return token;
}

}  // namespace

std::string default_cache_dir() {
  if (std::string dir = first_env({"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}); !dir.empty()) {
    return expand_home(dir);
  }
  return (hf_home() / "hub").string();
}

Options Options::from_environment() {
  Options o;
  if (std::string endpoint = env("HF_ENDPOINT"); !endpoint.empty()) {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    o.endpoint = endpoint;
  }
  o.cache_dir = default_cache_dir();
  o.token = first_env({"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"});
  if (o.token.empty()) o.token = token_from_file();
  o.offline = is_true(first_env({"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"}));
  return o;
}

}  // namespace kompress::hub
