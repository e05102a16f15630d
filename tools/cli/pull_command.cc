// `kompress pull ORG/NAME [--revision REV] [--files F...] [--offline]`: downloads files of a
// Hugging Face repository into the hub cache, where --model ORG/NAME finds them, and prints the
// snapshot folder.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/download_progress.h"
#include "cli/hub_model.h"
#include "kompress/hub.h"

namespace kompress::cli {
namespace {

struct PullArgs {
  std::string repo;
  std::string revision = "main";
  std::vector<std::string> files;
  bool offline = false;
};

// Says on stderr which files the model borrows from ModernBERT-base.
void note_borrowed(const HubModelFiles& files) {
  for (const std::string* path : {&files.config, &files.tokenizer}) {
    if (path->starts_with(files.snapshot + "/")) continue;
    std::fprintf(stderr, "kompress: %s from %s (the repository has none)\n",
                 path->substr(path->rfind('/') + 1).c_str(), kBaseModelRepo);
  }
}

void run_pull(const PullArgs& args) {
  hub::Options options = hub::Options::from_environment();
  options.revision = args.revision;
  options.offline = options.offline || args.offline;
  DownloadProgress progress;
  options.progress = progress.callback();
  std::string snapshot;
  if (!args.files.empty()) {
    snapshot = hub::download(args.repo, args.files, options);
    progress.clear();
  } else {
    const HubModelFiles files = pull_hub_model({args.repo, args.revision}, options);
    progress.clear();
    note_borrowed(files);
    snapshot = files.snapshot;
  }
  std::printf("%s\n", snapshot.c_str());
}

}  // namespace

void add_pull_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "pull",
      "Download a model from the Hugging Face hub into its cache ($HF_HUB_CACHE, else "
      "$HF_HOME/hub, else ~/.cache/huggingface/hub) and print its snapshot folder. Honours "
      "HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE; resumes interrupted downloads.");
  auto args = std::make_shared<PullArgs>();
  cmd->add_option("repo", args->repo, "Repository ORG/NAME")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& v) {
            return hub::is_repo_id(v) ? std::string() : "not a repository id ORG/NAME: " + v;
          },
          "ORG/NAME"));
  cmd->add_option("--revision", args->revision, "Branch, tag or commit")->capture_default_str();
  cmd->add_option("--files", args->files,
                  "Files to download (default: model.safetensors, and config.json and "
                  "tokenizer.json from the repository, else from answerdotai/ModernBERT-base)");
  cmd->add_flag("--offline", args->offline, "Use the cache only, as HF_HUB_OFFLINE=1 does");
  cmd->callback([args] { run_pull(*args); });
}

}  // namespace kompress::cli
