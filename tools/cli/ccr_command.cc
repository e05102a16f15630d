// `kompress retrieve HASH` and `kompress ccr stats|purge`: the CCR store of originals.
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli/compress_args.h"
#include "cli/json_writer.h"
#include "cli/stdout_writer.h"
#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress::cli {
namespace {

// Checks and lowercases a 24-hex-digit CCR key; a bad one is a usage error (exit code 2).
const CLI::Validator kHashValidator(
    [](std::string& hash) -> std::string {
      std::optional<std::string> key = ccr::normalize_key(hash);
      if (!key) {
        return "HASH must be " + std::to_string(ccr::kKeyLength) +
               " hex digits (the hash= of a marker), got \"" + hash + "\"";
      }
      hash = *std::move(key);
      return "";
    },
    "HASH");

// {"hash", "original_content", "original_tokens", "original_item_count",
//  "compressed_item_count", "retrieval_count"}: the reference's retrieval response.
std::string entry_json(const ccr::Entry& e) {
  std::string out = "{";
  append_json_key(out, "hash", true);
  append_json_string(out, e.key);
  append_json_key(out, "original_content");
  append_json_string(out, e.original);
  append_json_key(out, "original_tokens");
  append_json_int(out, e.original_tokens);
  append_json_key(out, "original_item_count");
  append_json_int(out, e.original_item_count);
  append_json_key(out, "compressed_item_count");
  append_json_int(out, e.compressed_item_count);
  append_json_key(out, "retrieval_count");
  append_json_int(out, e.retrieval_count);
  out += "}\n";
  return out;
}

void run_retrieve(const std::string& hash, const std::string& db, bool json) {
  const auto store = ccr::open_store(ccr_store_location(db));
  ccr::Lookup hit = store->get(hash);
  switch (hit.status) {
    case ccr::Status::kOk:
      break;
    case ccr::Status::kExpired:
      throw Error("hash " + hash + " has expired in " + store->describe() +
                  " (originals are kept for 30 minutes)");
    case ccr::Status::kMissing:
      throw Error("hash " + hash + " is not in " + store->describe() +
                  " (never stored there, evicted, or purged)");
  }
  hit.entry.key = hash;
  write_stdout(json ? entry_json(hit.entry) : hit.entry.original);
}

void run_stats(const std::string& db) {
  const auto store = ccr::open_store(ccr_store_location(db));
  const std::string where = store->describe();
  std::string out = "store    " + where + "\nentries  " + std::to_string(store->size()) + "\n";
  // A SQLite store also shows the size of its file.
  if (constexpr std::string_view kSqlite = "sqlite:"; where.starts_with(kSqlite)) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(where.substr(kSqlite.size()), ec);
    out += "file     " + (ec ? std::string("?") : std::to_string(bytes)) + " bytes\n";
  }
  write_stdout(out);
}

void run_purge(const std::string& db) {
  const auto store = ccr::open_store(ccr_store_location(db));
  const std::size_t n = store->size();
  store->clear();
  write_stdout("removed " + std::to_string(n) + " entries from " + store->describe() + "\n");
}

}  // namespace

void add_retrieve_command(CLI::App& app) {
  struct Args {
    std::string hash;
    std::string db;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("retrieve", "Print the original behind a marker's hash");
  cmd->footer(
      "Prints the original text that a marker's hash=K stands for, from the CCR store.\n"
      "Exit code 1 when it is missing (never stored, evicted, purged) or expired (30 minutes),\n"
      "2 when HASH is not 24 hex digits. --json: {\"hash\", \"original_content\",\n"
      "\"original_tokens\", \"original_item_count\", \"compressed_item_count\",\n"
      "\"retrieval_count\"}.");
  cmd->add_option("hash", args->hash, "The 24 hex digits after hash= in the marker")
      ->required()
      ->transform(kHashValidator);
  add_ccr_db_option(*cmd, args->db);
  cmd->add_flag("--json", args->json, "Print JSON instead of the original text");
  cmd->callback([args] { run_retrieve(args->hash, args->db, args->json); });
}

void add_ccr_command(CLI::App& app) {
  auto db = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("ccr", "Manage the CCR store of originals");
  cmd->require_subcommand(1);
  add_ccr_db_option(*cmd, *db);
  CLI::App* stats = cmd->add_subcommand("stats", "Print the store's location and entry count");
  stats->fallthrough();
  stats->callback([db] { run_stats(*db); });
  CLI::App* purge = cmd->add_subcommand("purge", "Remove every entry from the store");
  purge->fallthrough();
  purge->callback([db] { run_purge(*db); });
}

}  // namespace kompress::cli
