// Entry point of the `kompress` command: registers the subcommands and maps errors to exit codes.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "kompress/error.h"

int main(int argc, char** argv) {
  using namespace kompress::cli;
  CLI::App app{
      "kompress: shrink what an LLM has to read.\n"
      "Exit codes: 0 ok, 1 bad input, 2 usage."};
  app.require_subcommand(1);
  add_compress_command(app);
  add_scores_command(app);
  add_retrieve_command(app);
  add_ccr_command(app);
  add_tokenize_command(app);
  add_inspect_command(app);
  add_quantize_command(app);
  add_bench_command(app);
  add_serve_command(app);
  add_pull_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const kompress::Error& e) {
    std::fprintf(stderr, "kompress: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kompress: internal error: %s\n", e.what());
    return kExitBadInput;
  }
  return kExitOk;
}
