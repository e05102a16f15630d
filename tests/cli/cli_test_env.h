// A fixture for tests of the compression subcommands: a tiny random model folder, a private
// XDG_DATA_HOME (so no test touches the user's CCR store), files to feed the command, and the
// library's Compressor over the same model to compare the command's output against.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_command.h"
#include "cli/tiny_model.h"
#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/model.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"
#include "test_fixtures.h"
#include "test_paths.h"

namespace kompress::testing {

inline const std::string& kTraceback = testing::kToolOutput;

class CliTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    root_ = new std::filesystem::path(make_temp_dir("cli_env"));
    write_tiny_model(*root_ / "tiny");
    ::setenv("XDG_DATA_HOME", (*root_ / "xdg").c_str(), 1);
    ::unsetenv("KOMPRESS_MODEL");
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*root_);
    delete root_;
    root_ = nullptr;
  }

  static std::string model_dir() { return (*root_ / "tiny").string(); }
  static std::string db_path() { return (*root_ / "ccr.sqlite3").string(); }

  // Writes `content` to a file of the test folder and returns its path.
  static std::string write_file(const std::string& name, const std::string& content) {
    const auto p = *root_ / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
    return p.string();
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // `kompress SUBCOMMAND --model <tiny> ARGS...`
  static CommandResult run_with_model(const std::string& subcommand, std::vector<std::string> args,
                                      const std::string& stdin_text = "") {
    args.insert(args.begin(), {subcommand, "--model", model_dir()});
    return run_kompress(args, stdin_text);
  }

  // The library's compressor over the same model, named as the command names it.
  static const Compressor& library(std::shared_ptr<ccr::Store> store = nullptr) {
    static const auto tokenizer =
        std::make_shared<const Tokenizer>(Tokenizer::from_file(model_dir() + "/tokenizer.json"));
    static const auto model = std::make_shared<const Model>(Model::load(model_dir()));
    static std::unique_ptr<Compressor> compressor;
    compressor = std::make_unique<Compressor>(tokenizer, make_model_scorer(model, "tiny"),
                                              std::move(store), 0);
    return *compressor;
  }

  // What `kompress compress` prints for one result: the text, ending with a line break.
  static std::string as_printed(const std::string& compressed) {
    return compressed.empty() || compressed.back() == '\n' ? compressed : compressed + "\n";
  }

 private:
  static inline std::filesystem::path* root_ = nullptr;
};

// Compression went on without CCR, said so once on stderr naming `store`, and printed no marker.
inline void expect_compressed_without_ccr(const CommandResult& r, const std::string& store) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("kompress: warning: "), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(store), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Retrieve more"), std::string::npos) << r.out;
  EXPECT_FALSE(r.out.empty());
}

// The hash of the "Retrieve more: hash=K" marker in `out`, or empty when there is none.
inline std::string marker_hash(const std::string& out) {
  const std::string tag = "Retrieve more: hash=";
  const auto at = out.rfind(tag);
  return at == std::string::npos ? std::string() : out.substr(at + tag.size(), ccr::kKeyLength);
}

}  // namespace kompress::testing
