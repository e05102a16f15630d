// Subcommands of the `kompress` command. Each add_* registers its options on `app` and sets a
// callback that runs it; the callback throws kompress::Error for bad input (exit code 1).
#pragma once

#include <CLI/CLI.hpp>

namespace kompress::cli {

// Exit codes, documented in `kompress --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitUsage = 2;

// `kompress tokenize --tokenizer PATH [--no-special] [--max-tokens N]`: JSON lines in,
// {"ids": [...], "word_ids": [...]} lines out (tokenize_command.cc).
void add_tokenize_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
// `kompress compress [FILE...|-]` (compress_command.cc).
void add_compress_command(CLI::App& app);
// `kompress scores [FILE|-]` (scores_command.cc).
void add_scores_command(CLI::App& app);
// `kompress retrieve HASH` and `kompress ccr stats|purge` (ccr_command.cc).
void add_retrieve_command(CLI::App& app);
void add_ccr_command(CLI::App& app);
// `kompress quantize IN_DIR OUT_DIR --precision int8|bf16` (quantize_command.cc).
void add_quantize_command(CLI::App& app);
// `kompress bench [--json]` (bench_command.cc, bench_measure.cc).
void add_bench_command(CLI::App& app);
// `kompress serve [--host H] [--port P] ...`: the HTTP service (serve_command.cc, src/server).
void add_serve_command(CLI::App& app);
// `kompress pull ORG/NAME [--revision REV] [--files F...] [--offline]` (pull_command.cc).
void add_pull_command(CLI::App& app);

}  // namespace kompress::cli
