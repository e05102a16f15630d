#include "cli/model_location.h"

#include <cstdlib>
#include <filesystem>

#include "kompress/error.h"

namespace kompress::cli {
namespace {

namespace fs = std::filesystem;

bool has_model_files(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : kModelFiles) {
    if (!fs::is_regular_file(dir / f, ec)) return false;
  }
  return true;
}

// Throws unless `dir` holds every model file.
void check_model_dir(const ModelLocation& m) {
  std::error_code ec;
  if (!fs::is_directory(m.dir, ec)) {
    throw Error(m.dir + " (from " + m.origin + "): not a model folder (no such directory)");
  }
  for (const char* f : kModelFiles) {
    if (!fs::is_regular_file(fs::path(m.dir) / f, ec)) {
      throw Error(m.dir + " (from " + m.origin + "): not a model folder: " + f + " is missing");
    }
  }
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

ModelLocation locate_model(const std::string& flag, const std::vector<std::string>& defaults) {
  ModelLocation m;
  if (!flag.empty()) {
    m = {flag, "--model"};
  } else if (const char* env = std::getenv("KOMPRESS_MODEL"); env != nullptr && *env != '\0') {
    m = {env, "KOMPRESS_MODEL"};
  } else {
    std::string looked;
    for (const std::string& dir : defaults) {
      if (has_model_files(dir)) return {dir, "default model"};
      looked += (looked.empty() ? "" : ", ") + dir;
    }
    throw Error(
        "no model: pass --model DIR (a folder with config.json, model.safetensors and "
        "tokenizer.json) or set KOMPRESS_MODEL=DIR; the default model kompress-mini is not "
        "installed (looked in " +
        looked + ")");
  }
  check_model_dir(m);
  return m;
}

std::string model_name(const ModelLocation& location) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(location.dir), ec);
  const std::string name = ec ? std::string() : p.filename().string();
  return name.empty() ? location.dir : name;
}

}  // namespace kompress::cli
