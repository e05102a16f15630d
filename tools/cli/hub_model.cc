#include "cli/hub_model.h"

#include <algorithm>
#include <filesystem>

#include "kompress/error.h"

namespace kompress::cli {
namespace {

constexpr const char* kWeights = "model.safetensors";
// The files a model may borrow from ModernBERT-base.
constexpr const char* kBorrowable[] = {"config.json", "tokenizer.json"};

hub::Options at_revision(hub::Options options, const std::string& revision) {
  options.revision = revision;
  return options;
}

std::string& field(HubModelFiles& files, std::string_view name) {
  return name == "config.json" ? files.config : files.tokenizer;
}

bool has(const std::vector<std::string>& files, const std::string& name) {
  return std::find(files.begin(), files.end(), name) != files.end();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "nothing" : out;
}

}  // namespace

std::optional<HubModel> parse_hub_model(const std::string& value) {
  const std::size_t at = value.find('@');
  HubModel model{value.substr(0, at), at == std::string::npos ? "main" : value.substr(at + 1)};
  if (!hub::is_repo_id(model.repo) || model.revision.empty()) return std::nullopt;
  return model;
}

std::string to_string(const HubModel& model) {
  return model.revision == "main" ? model.repo : model.repo + "@" + model.revision;
}

std::optional<HubModelFiles> find_hub_model(const HubModel& model, const hub::Options& options) {
  const auto snapshot =
      hub::find_in_cache(model.repo, {kWeights}, at_revision(options, model.revision));
  if (!snapshot) return std::nullopt;
  HubModelFiles files{*snapshot, {}, *snapshot + "/" + kWeights, {}};
  for (const char* name : kBorrowable) {
    std::error_code ec;
    std::optional<std::string> dir = *snapshot;
    if (!std::filesystem::is_regular_file(*snapshot + "/" + name, ec)) {
      dir = hub::find_in_cache(kBaseModelRepo, {name}, at_revision(options, "main"));
    }
    if (!dir) return std::nullopt;
    field(files, name) = *dir + "/" + name;
  }
  return files;
}

HubModelFiles pull_hub_model(const HubModel& model, const hub::Options& options) {
  const hub::Options at_model = at_revision(options, model.revision);
  if (options.offline) {
    hub::download(model.repo, {kWeights}, at_model);  // throws, saying to pull, when absent
    if (auto files = find_hub_model(model, options)) return *files;
    throw Error(to_string(model) + ": offline, and " + kBaseModelRepo +
                "'s config.json or tokenizer.json, which this model needs, is not in the cache: "
                "run kompress pull " +
                model.repo);
  }
  const hub::Listing listing = hub::list_files(model.repo, at_model);
  if (!has(listing.files, kWeights)) {
    throw Error(to_string(model) + ": the repository has no " + kWeights +
                " (kompress loads safetensors checkpoints; it has " + joined(listing.files) + ")");
  }
  std::vector<std::string> own = {kWeights};
  std::vector<std::string> borrowed;
  for (const char* name : kBorrowable) (has(listing.files, name) ? own : borrowed).push_back(name);
  HubModelFiles files;
  files.snapshot = hub::download(model.repo, own, at_model);
  files.weights = files.snapshot + "/" + kWeights;
  const std::string base =
      borrowed.empty() ? std::string()
                       : hub::download(kBaseModelRepo, borrowed, at_revision(options, "main"));
  for (const char* name : kBorrowable) {
    field(files, name) = (has(borrowed, name) ? base : files.snapshot) + "/" + name;
  }
  return files;
}

}  // namespace kompress::cli
