// `kompress compress`: the same output as the library with the same model and options, the
// --json shape, several files, segments, bad input and CCR trouble.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>

#include "cli/cli_test_env.h"
#include "cli/input_segments.h"

namespace kompress {
namespace {

using testing::CliTest;
using testing::expect_compressed_without_ccr;
using testing::kTraceback;

using CompressCommand = CliTest;

CompressOptions no_ccr() {
  CompressOptions o;
  o.ccr = false;
  return o;
}

struct Case {
  std::vector<std::string> flags;
  CompressOptions options;
};

std::vector<Case> option_cases() {
  std::vector<Case> cases;
  cases.push_back({{}, no_ccr()});
  CompressOptions ratio = no_ccr();
  ratio.ratio = 0.3;
  cases.push_back({{"--ratio", "0.3"}, ratio});
  CompressOptions space = ratio;
  space.join = Join::kSpace;
  cases.push_back({{"--ratio", "0.3", "--join", "space"}, space});
  CompressOptions loose = ratio;
  loose.must_keep = false;
  cases.push_back({{"--ratio", "0.3", "--no-must-keep"}, loose});
  CompressOptions high = no_ccr();
  high.threshold = 0.75f;
  cases.push_back({{"--threshold", "0.75"}, high});
  CompressOptions small = ratio;
  small.chunk_words = 7;
  cases.push_back({{"--ratio", "0.3", "--chunk-words", "7"}, small});
  return cases;
}

TEST_F(CompressCommand, PrintsWhatTheLibraryReturnsForEachOption) {
  const std::string file = write_file("traceback.txt", kTraceback);
  int compressed = 0;
  for (const Case& c : option_cases()) {
    std::vector<std::string> args = c.flags;
    args.insert(args.end(), {"--no-ccr", file});
    const auto r = run_with_model("compress", args);
    const Result expected = library().compress(kTraceback, c.options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, as_printed(expected.compressed)) << ::testing::PrintToString(c.flags);
    compressed += expected.passthrough ? 0 : 1;
  }
  EXPECT_GE(compressed, 4) << "the random model should drop words in most cases";
}

TEST_F(CompressCommand, ReadsStandardInput) {
  const auto dash = run_with_model("compress", {"--ratio", "0.3", "--no-ccr", "-"}, kTraceback);
  const auto none = run_with_model("compress", {"--ratio", "0.3", "--no-ccr"}, kTraceback);
  CompressOptions o = no_ccr();
  o.ratio = 0.3;
  EXPECT_EQ(dash.exit_code, 0) << dash.err;
  EXPECT_EQ(dash.out, as_printed(library().compress(kTraceback, o).compressed));
  EXPECT_EQ(none.out, dash.out);
}

TEST_F(CompressCommand, JsonHoldsTheWholeResult) {
  const std::string file = write_file("traceback.txt", kTraceback);
  const auto r =
      run_with_model("compress", {"--ratio", "0.3", "--json", "--ccr-db", db_path(), file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one JSON line";
  const auto j = nlohmann::json::parse(r.out);

  CompressOptions o;
  o.ratio = 0.3;
  const Result expected =
      library(ccr::open_sqlite_store(
                  (std::filesystem::path(db_path()).parent_path() / "library.sqlite3").string()))
          .compress(kTraceback, o);
  ASSERT_FALSE(expected.passthrough);
  EXPECT_EQ(j["file"], file);
  EXPECT_EQ(j["segment"], 0);
  EXPECT_EQ(j["compressed"], expected.compressed);
  EXPECT_EQ(j["original"], kTraceback);
  EXPECT_EQ(j["original_tokens"], expected.original_tokens);
  EXPECT_EQ(j["compressed_tokens"], expected.compressed_tokens);
  EXPECT_DOUBLE_EQ(j["compression_ratio"].get<double>(), expected.compression_ratio);
  EXPECT_EQ(j["tokens_saved"], expected.tokens_saved());
  EXPECT_DOUBLE_EQ(j["savings_percentage"].get<double>(), expected.savings_percentage());
  EXPECT_EQ(j["cache_key"], ccr::content_key(kTraceback));
  EXPECT_EQ(j["model_used"], "tiny");
  EXPECT_EQ(j["passthrough"], false);
  EXPECT_EQ(j["from_cache"], false);
  EXPECT_EQ(j["deadline_hit"], false);
  EXPECT_EQ(j["chunks_skipped"], 0);
  EXPECT_TRUE(j["ccr_error"].is_null());
  ASSERT_EQ(j["words"].size(), expected.words.size());
  for (std::size_t i = 0; i < expected.words.size(); ++i) {
    const auto& w = j["words"][i];
    EXPECT_EQ(w["begin"], expected.words[i].begin);
    EXPECT_EQ(w["end"], expected.words[i].end);
    EXPECT_EQ(w["score"].get<float>(), expected.words[i].score);
    EXPECT_EQ(w["kept"], expected.words[i].kept);
    EXPECT_EQ(w["reason"], std::string(to_string(expected.words[i].reason)));
  }
}

TEST_F(CompressCommand, SeveralFilesAreOneBatchWithHeaders) {
  const std::string second_text = "one two three four five six seven eight nine ten eleven\n";
  const std::string a = write_file("a.txt", kTraceback);
  const std::string b = write_file("b.txt", second_text);
  const std::string e = write_file("e.txt", "");
  const auto r = run_with_model("compress", {"--ratio", "0.5", "--no-ccr", a, e, b});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  CompressOptions o = no_ccr();
  o.ratio = 0.5;
  const std::vector<std::string_view> texts = {kTraceback, "", second_text};
  const std::vector<Result> batch = library().compress_batch(texts, o);
  EXPECT_EQ(r.out, "==> " + a + " <==\n" + as_printed(batch[0].compressed) + "\n==> " + e +
                       " <==\n" + "\n==> " + b + " <==\n" + as_printed(batch[2].compressed));

  const auto json = run_with_model("compress", {"--json", "--no-ccr", a, e, b});
  std::istringstream lines(json.out);
  std::vector<std::string> files;
  for (std::string line; std::getline(lines, line);) {
    files.push_back(nlohmann::json::parse(line)["file"]);
  }
  EXPECT_EQ(files, (std::vector<std::string>{a, e, b}));
}

TEST_F(CompressCommand, LargeInputsAreCompressedSegmentBySegment) {
  std::string text;
  for (int i = 0; i < 12; ++i) text += kTraceback;
  const std::string file = write_file("long.txt", text);
  constexpr std::size_t kSegment = 700;
  const auto r =
      run_with_model("compress", {"--ratio", "0.3", "--no-ccr", "--segment-bytes", "700", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  CompressOptions o = no_ccr();
  o.ratio = 0.3;
  std::string expected;
  std::size_t segments = 0;
  for (std::string_view rest = text; !rest.empty(); ++segments) {
    const std::size_t cut = cli::segment_cut(rest, kSegment);
    EXPECT_LE(cut, kSegment);
    EXPECT_EQ(rest[cut - 1], '\n') << "segments end at a line break";
    expected += as_printed(library().compress(rest.substr(0, cut), o).compressed);
    rest.remove_prefix(cut);
  }
  EXPECT_GE(segments, 5u);
  EXPECT_EQ(r.out, expected);

  const auto json = run_with_model(
      "compress", {"--json", "--no-ccr", "--segment-bytes", std::to_string(kSegment), file});
  std::istringstream lines(json.out);
  std::string original;
  std::size_t index = 0;
  for (std::string line; std::getline(lines, line); ++index) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["segment"], index);
    original += j["original"].get<std::string>();
  }
  EXPECT_EQ(index, segments);
  EXPECT_EQ(original, text) << "the segments cover the input exactly";
}

TEST_F(CompressCommand, RetrieveRoundTripThroughTheStore) {
  const std::string db =
      (std::filesystem::path(db_path()).parent_path() / "round.sqlite3").string();
  const std::string file = write_file("traceback.txt", kTraceback);
  const auto r = run_with_model("compress", {"--ratio", "0.3", "--ccr-db", db, file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The marker ends the output: "... Retrieve more: hash=<24 hex>]\n".
  const std::string tag = "Retrieve more: hash=";
  const auto at = r.out.rfind(tag);
  ASSERT_NE(at, std::string::npos) << r.out;
  ASSERT_EQ(r.out.size(), at + tag.size() + ccr::kKeyLength + 2) << r.out;
  ASSERT_EQ(r.out.substr(r.out.size() - 2), "]\n") << r.out;
  const std::string hash = r.out.substr(at + tag.size(), ccr::kKeyLength);
  EXPECT_EQ(hash, ccr::content_key(kTraceback));

  const auto back = testing::run_kompress({"retrieve", hash, "--ccr-db", db});
  EXPECT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(back.out, kTraceback);

  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const auto json = testing::run_kompress({"retrieve", upper, "--json", "--ccr-db", db});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["hash"], hash);
  EXPECT_EQ(j["original_content"], kTraceback);
  EXPECT_EQ(j["retrieval_count"], 2);
  EXPECT_GT(j["original_item_count"].get<int>(), j["compressed_item_count"].get<int>());

  const auto stats = testing::run_kompress({"ccr", "stats", "--ccr-db", db});
  EXPECT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("entries  1\n"), std::string::npos) << stats.out;

  const auto purge = testing::run_kompress({"ccr", "--ccr-db", db, "purge"});
  EXPECT_EQ(purge.exit_code, 0) << purge.err;
  EXPECT_NE(purge.out.find("removed 1 entries"), std::string::npos) << purge.out;

  const auto gone = testing::run_kompress({"retrieve", hash, "--ccr-db", db});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find(hash), std::string::npos) << gone.err;
  EXPECT_NE(gone.err.find("is not in"), std::string::npos) << gone.err;
}

TEST_F(CompressCommand, AHashThatIsNot24HexDigitsIsAUsageError) {
  for (const std::string bad : {"abc", "0123456789abcdef0123456", "0123456789abcdef012345678",
                                "0123456789abcdef0123456g", ""}) {
    const auto r = testing::run_kompress({"retrieve", bad, "--ccr-db", db_path()});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("24 hex digits"), std::string::npos) << r.err;
  }
  EXPECT_EQ(testing::run_kompress({"retrieve"}).exit_code, 2);
}

TEST_F(CompressCommand, AnExpiredHashExitsWithOne) {
  const std::string db =
      (std::filesystem::path(db_path()).parent_path() / "expired.sqlite3").string();
  ccr::StoreOptions an_hour_ago;
  an_hour_ago.clock = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
               .count() -
           3600.0;
  };
  ccr::Entry e;
  e.original = kTraceback;
  e.compressed = "compressed";
  const std::string hash = ccr::open_sqlite_store(db, an_hour_ago)->put(e);
  const auto r = testing::run_kompress({"retrieve", hash, "--ccr-db", db});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("hash " + hash + " has expired"), std::string::npos) << r.err;
}

TEST_F(CompressCommand, InvalidUtf8NamesTheFileAndOffset) {
  std::string text = kTraceback;
  const std::size_t at = text.find("error");
  text[at] = '\xff';
  const std::string file = write_file("bad.txt", text);
  const auto r = run_with_model("compress", {"--no-ccr", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "kompress: " + file + ": invalid UTF-8 at byte offset " + std::to_string(at) +
                       " (--lossy replaces bad bytes with U+FFFD)\n");

  // In a later segment the offset still counts from the start of the file.
  const auto seg = run_with_model("compress", {"--no-ccr", "--segment-bytes", "100", file});
  EXPECT_EQ(seg.exit_code, 1);
  EXPECT_NE(seg.err.find("byte offset " + std::to_string(at)), std::string::npos) << seg.err;

  CompressOptions o = no_ccr();
  o.ratio = 0.9;
  o.lossy = true;
  const auto lossy = run_with_model("compress", {"--no-ccr", "--lossy", "--ratio", "0.9", file});
  EXPECT_EQ(lossy.exit_code, 0) << lossy.err;
  EXPECT_EQ(lossy.out, as_printed(library().compress(text, o).compressed));
  EXPECT_NE(lossy.out.find("\xEF\xBF\xBDrror"), std::string::npos) << "U+FFFD: " << lossy.out;
}

TEST_F(CompressCommand, BinaryFileIsRejected) {
  const std::string file = write_file(
      "blob.bin", std::string("ELF\x7f\x02\x01", 6) + std::string(1, '\0') + "rest of it");
  const auto r = run_with_model("compress", {"--no-ccr", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "kompress: " + file + ": binary file (NUL byte at byte offset 6)\n");
}

TEST_F(CompressCommand, EmptyInputGivesEmptyOutput) {
  const std::string file = write_file("empty.txt", "");
  const auto r = run_with_model("compress", {file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const auto json = run_with_model("compress", {"--json"}, "");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["file"], "stdin");
  EXPECT_EQ(j["compressed"], "");
  EXPECT_EQ(j["passthrough"], true);
}

TEST_F(CompressCommand, CorruptCcrDatabaseIsSkipped) {
  const std::string db = write_file("corrupt.sqlite3", std::string(4096, 'x'));
  const std::string file = write_file("traceback.txt", kTraceback);
  const auto r = run_with_model("compress", {"--ratio", "0.3", "--ccr-db", db, file});
  expect_compressed_without_ccr(r, db);
  const auto retrieve =
      testing::run_kompress({"retrieve", ccr::content_key(kTraceback), "--ccr-db", db});
  EXPECT_EQ(retrieve.exit_code, 1);
  EXPECT_NE(retrieve.err.find(db), std::string::npos) << retrieve.err;
}

TEST_F(CompressCommand, UnwritableCcrLocationIsSkipped) {
  const std::string not_a_folder = write_file("plain-file", "x");
  const std::string db = not_a_folder + "/ccr.sqlite3";
  const auto r = run_with_model(
      "compress", {"--ratio", "0.3", "--ccr-db", db, write_file("traceback.txt", kTraceback)});
  expect_compressed_without_ccr(r, db);
}

TEST_F(CompressCommand, ReadOnlyCcrDatabaseIsSkipped) {
  const std::string db = (std::filesystem::path(db_path()).parent_path() / "ro.sqlite3").string();
  ccr::open_sqlite_store(db);
  ASSERT_EQ(::chmod(db.c_str(), 0444), 0);
  // Root writes to a 0444 file: run the command as nobody then (the folder is not theirs).
  constexpr uid_t kNobody = 65534;
  const std::optional<uid_t> as = ::geteuid() == 0 ? std::optional<uid_t>(kNobody) : std::nullopt;
  if (as) {  // nobody must read the model and the input
    namespace fs = std::filesystem;
    const fs::path root = fs::path(model_dir()).parent_path();
    for (const fs::path& p : {root, root / "tiny"}) {
      fs::permissions(p, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
    }
    for (const auto& f : fs::directory_iterator(root / "tiny")) {
      fs::permissions(f.path(), fs::perms::others_read, fs::perm_options::add);
    }
  }
  const auto r = testing::run_kompress(
      {"compress", "--model", model_dir(), "--ratio", "0.3", "--ccr-db", db, "-"}, kTraceback, as);
  expect_compressed_without_ccr(r, db);
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
}

TEST_F(CompressCommand, NoProgressBarWhenStderrIsNotATerminal) {
  std::string many;  // 200 one-word chunks: many chunks
  for (int i = 0; i < 200; ++i) many += "word" + std::to_string(i) + " ";
  const auto r = run_with_model("compress", {"--no-ccr", "--chunk-words", "1"}, many);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(CompressCommand, ModelComesFromFlagThenEnvironment) {
  const std::string file = write_file("traceback.txt", kTraceback);
  ::setenv("KOMPRESS_MODEL", model_dir().c_str(), 1);
  const auto env = testing::run_kompress({"compress", "--no-ccr", file});
  ::setenv("KOMPRESS_MODEL", "/nonexistent/model", 1);
  const auto bad_env = testing::run_kompress({"compress", "--no-ccr", file});
  const auto flag_wins = run_with_model("compress", {"--no-ccr", file});
  ::unsetenv("KOMPRESS_MODEL");
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, as_printed(library().compress(kTraceback, no_ccr()).compressed));
  EXPECT_EQ(bad_env.exit_code, 1);
  EXPECT_NE(bad_env.err.find("/nonexistent/model (from KOMPRESS_MODEL)"), std::string::npos)
      << bad_env.err;
  EXPECT_EQ(flag_wins.exit_code, 0) << flag_wins.err;
  EXPECT_EQ(flag_wins.out, env.out);
}

TEST_F(CompressCommand, AModelFolderWithoutTokenizerIsNamed) {
  const auto dir = std::filesystem::path(db_path()).parent_path() / "no-tokenizer";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(model_dir() + "/config.json", dir / "config.json",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(model_dir() + "/model.safetensors", dir / "model.safetensors",
                             std::filesystem::copy_options::overwrite_existing);
  const auto r = testing::run_kompress({"compress", "--model", dir.string()}, kTraceback);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("tokenizer.json is missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--model"), std::string::npos) << r.err;
}

TEST_F(CompressCommand, UsageErrorsExitWithTwo) {
  const std::string file = write_file("traceback.txt", kTraceback);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--ratio", "1.5", file},
                                               {"--ratio", "x", file},
                                               {"--join", "tabs", file},
                                               {"--threshold", "2", file},
                                               {"--chunk-words", "0", file},
                                               {"--segment-bytes", "0", file},
                                               {"--no-such-flag", file},
                                               {"-", "-"}}) {
    const auto r = run_with_model("compress", args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
  }
}

TEST_F(CompressCommand, EverySubcommandHasHelp) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"compress", "--help"},
                                               {"scores", "--help"},
                                               {"retrieve", "--help"},
                                               {"ccr", "--help"},
                                               {"ccr", "stats", "--help"},
                                               {"ccr", "purge", "--help"},
                                               {"tokenize", "--help"},
                                               {"inspect", "--help"}}) {
    const auto r = testing::run_kompress(args);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args);
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace kompress
