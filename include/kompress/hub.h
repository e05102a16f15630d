// kompress/hub.h: files of Hugging Face hub repositories, kept in the cache layout of the Python
// huggingface_hub library, so that either one can fill the cache and both read it.
//
//   auto options = kompress::hub::Options::from_environment();
//   std::string snapshot = kompress::hub::download("answerdotai/ModernBERT-base",
//                                                  {"config.json", "tokenizer.json"}, options);
//   auto tokenizer = kompress::Tokenizer::from_file(snapshot + "/tokenizer.json");
//
// The cache holds one folder per repository, `models--ORG--NAME/`, with
//   blobs/<etag>               each content once, named by its etag: the sha256 of an LFS file,
//                              the git blob sha1 of another
//   snapshots/<commit>/<file>  relative symlinks to ../../blobs/<etag>
//   refs/<revision>            the commit a branch or tag named when it was last fetched
// A download goes to blobs/<etag>.incomplete first and resumes from it; the file is renamed into
// blobs/ and linked into its snapshot only once its size and hash match the etag.
//
// Every failure is a kompress::Error with one line that names the repository, the file and the
// HTTP status or network error with the URL; nothing aborts the host process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kompress::hub {

struct Progress {
  std::string_view repo;
  std::string_view file;
  uint64_t done = 0;   // bytes of the file on disk, a resumed prefix included
  uint64_t total = 0;  // the file's size
};

// Called as a file downloads; returning false stops the download with a kompress::Error (the
// partial file stays for a later resume).
using ProgressFn = std::function<bool(const Progress&)>;

struct Options {
  std::string revision = "main";  // a branch, a tag or a 40-hex commit
  std::string endpoint = "https://huggingface.co";
  std::string cache_dir;  // empty: default_cache_dir()
  // Sent as "Authorization: Bearer" to the endpoint's host, never to another (a CDN that a
  // file redirects to).
  std::string token;
  bool offline = false;  // answer from the cache only
  int connect_timeout_s = 10;
  // A transfer that receives nothing for this long fails (and a download resumes).
  int stall_timeout_s = 30;
  // Attempts in a row without a new byte before a download gives up (each resumes).
  int attempts = 5;
  ProgressFn progress;

  // What huggingface_hub reads: HF_ENDPOINT; the cache of default_cache_dir(); HF_TOKEN (or
  // HUGGING_FACE_HUB_TOKEN), else the token file ($HF_TOKEN_PATH, else $HF_HOME/token);
  // HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1, ON, YES or TRUE.
  static Options from_environment();
};

// $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::string default_cache_dir();

// True for "ORG/NAME": two parts of letters, digits, '-', '_' and '.', neither starting or
// ending with '-' or '.', no "--" or "..", at most 96 characters.
bool is_repo_id(std::string_view id);

struct Listing {
  std::string commit;              // the 40-hex commit that the revision names
  std::vector<std::string> files;  // every file of the repository at that commit
};

// Asks the hub for the files of `repo` at options.revision ({endpoint}/api/models/{repo}/
// revision/{revision}). Throws kompress::Error, also when offline.
Listing list_files(const std::string& repo, const Options& options);

// The snapshot folder of `repo` at options.revision when the cache holds every file of `files`;
// nullopt otherwise. Reads the cache only, never the network: safe to call on a request path.
std::optional<std::string> find_in_cache(const std::string& repo,
                                         const std::vector<std::string>& files,
                                         const Options& options);

// Puts every file of `files` (paths inside the repository, e.g. "onnx/model.onnx") into the
// cache at options.revision and returns the snapshot folder. Online, it asks the hub for each
// file's commit, etag and size, downloads only what the cache lacks, checks its size and hash,
// and writes refs/<revision> once all files are there. Offline it answers from the cache and
// otherwise throws, saying to run `kompress pull`. Blocks for the whole transfer: servers call
// it on a background thread.
std::string download(const std::string& repo, const std::vector<std::string>& files,
                     const Options& options);

}  // namespace kompress::hub
