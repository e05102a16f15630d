#include "cli/model_location.h"

#include <cstdlib>
#include <filesystem>

#include "cli/download_progress.h"
#include "cli/hub_model.h"
#include "kompress/error.h"

namespace kompress::cli {
namespace {

namespace fs = std::filesystem;

// The value that names the model and where it came from; an empty value means the default.
struct Named {
  std::string value;
  std::string origin;
};

Named named_model(const std::string& flag) {
  if (!flag.empty()) return {flag, "--model"};
  if (const char* env = std::getenv("KOMPRESS_MODEL"); env != nullptr && *env != '\0') {
    return {env, "KOMPRESS_MODEL"};
  }
  return {"", "default model"};
}

// The hub model that `named` stands for: a repository id that is not an existing path.
std::optional<HubModel> as_hub_model(const Named& named) {
  std::error_code ec;
  if (named.value.empty() || fs::exists(named.value, ec)) return std::nullopt;
  return parse_hub_model(named.value);
}

bool has_model_files(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : kModelFiles) {
    if (!fs::is_regular_file(dir / f, ec)) return false;
  }
  return true;
}

// The location of a model folder; throws unless `dir` holds every model file.
ModelLocation folder_location(const std::string& dir, const std::string& origin) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(dir + " (from " + origin + "): not a model folder (no such directory)");
  }
  for (const char* f : kModelFiles) {
    if (!fs::is_regular_file(fs::path(dir) / f, ec)) {
      throw Error(dir + " (from " + origin + "): not a model folder: " + f + " is missing");
    }
  }
  return {dir, origin, dir + "/config.json", dir + "/model.safetensors", dir + "/tokenizer.json",
          ""};
}

ModelLocation locate_folder(const Named& named, const std::vector<std::string>& defaults) {
  if (!named.value.empty()) return folder_location(named.value, named.origin);
  std::string looked;
  for (const std::string& dir : defaults) {
    if (has_model_files(dir)) return folder_location(dir, named.origin);
    looked += (looked.empty() ? "" : ", ") + dir;
  }
  throw Error(
      "no model: pass --model DIR (a folder with config.json, model.safetensors and "
      "tokenizer.json) or --model ORG/NAME (a Hugging Face repository), or set "
      "KOMPRESS_MODEL; the default model kompress-mini is not installed (looked in " +
      looked + ")");
}

ModelLocation hub_location(const HubModel& model, const Named& named, const HubModelFiles& f) {
  return {f.snapshot, named.origin, f.config, f.weights, f.tokenizer, to_string(model)};
}

}  // namespace

std::vector<std::string> default_model_dirs() {
  std::vector<std::string> dirs;
  // Beside the running binary first, so that an install moved to another prefix still works.
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    dirs.push_back((exe.parent_path() / KOMPRESS_BIN_TO_MODEL_DIR).lexically_normal().string());
  }
  dirs.push_back(KOMPRESS_INSTALLED_MODEL_DIR);
  dirs.push_back(KOMPRESS_SOURCE_MODEL_DIR);
  return dirs;
}

std::optional<ModelLocation> locate_cached_model(const std::string& flag,
                                                 const std::vector<std::string>& defaults) {
  const Named named = named_model(flag);
  const std::optional<HubModel> model = as_hub_model(named);
  if (!model) return locate_folder(named, defaults);
  const auto files = find_hub_model(*model, hub::Options::from_environment());
  if (!files) return std::nullopt;
  return hub_location(*model, named, *files);
}

ModelLocation fetch_model(const std::string& flag, const hub::ProgressFn& progress,
                          const std::vector<std::string>& defaults) {
  const Named named = named_model(flag);
  const std::optional<HubModel> model = as_hub_model(named);
  if (!model) return locate_folder(named, defaults);
  hub::Options options = hub::Options::from_environment();
  options.progress = progress;
  try {
    return hub_location(*model, named, pull_hub_model(*model, options));
  } catch (const Error& e) {
    throw Error(named.value + " (from " + named.origin +
                "): no such folder; as a Hugging Face repository: " + e.what());
  }
}

ModelLocation locate_model(const std::string& flag, const std::vector<std::string>& defaults) {
  if (auto cached = locate_cached_model(flag, defaults)) return *cached;
  DownloadProgress progress;
  return fetch_model(flag, progress.callback(), defaults);
}

std::string model_name(const ModelLocation& location) {
  if (!location.repo.empty()) return location.repo;
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(location.dir), ec);
  const std::string name = ec ? std::string() : p.filename().string();
  return name.empty() ? location.dir : name;
}

}  // namespace kompress::cli
