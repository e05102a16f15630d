// The C API (kompress/kompress.h) against the C++ Compressor on a tiny random model: the same
// results for the same options, CCR through memory and SQLite stores, and errors as messages
// (invalid UTF-8, NULL arguments, bad model folders, bad options) instead of exceptions.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/tiny_model.h"
#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/kompress.h"
#include "kompress/model.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"
#include "test_fixtures.h"
#include "test_paths.h"

namespace kompress {
namespace {

namespace fs = std::filesystem;

const std::string& kText = testing::kToolOutput;

struct CompressorDeleter {
  void operator()(kompress_compressor* c) const { kompress_compressor_free(c); }
};
struct ResultDeleter {
  void operator()(kompress_result* r) const { kompress_result_free(r); }
};
using CompressorPtr = std::unique_ptr<kompress_compressor, CompressorDeleter>;
using ResultPtr = std::unique_ptr<kompress_result, ResultDeleter>;

// The error out-parameter of one call, freed afterwards.
class Err {
 public:
  Err() = default;
  Err(const Err&) = delete;
  Err& operator=(const Err&) = delete;
  ~Err() { kompress_error_free(error_); }
  kompress_error** operator&() {
    kompress_error_free(error_);
    error_ = nullptr;
    return &error_;
  }
  bool set() const { return error_ != nullptr; }
  int code() const { return kompress_error_code(error_); }
  std::string message() const { return kompress_error_message(error_); }

 private:
  kompress_error* error_ = nullptr;
};

class CApi : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    root_ = new fs::path(testing::make_temp_dir("capi"));
    testing::write_tiny_model(*root_ / "tiny");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    root_ = nullptr;
  }

 protected:
  static std::string model_dir() { return (*root_ / "tiny").string(); }
  static fs::path root() { return *root_; }

  static CompressorPtr open(const char* ccr_location = nullptr) {
    Err err;
    CompressorPtr c(kompress_compressor_open(model_dir().c_str(), ccr_location, &err));
    EXPECT_NE(c, nullptr) << err.message();
    EXPECT_FALSE(err.set());
    return c;
  }

  static ResultPtr compress(kompress_compressor* c, const std::string& text,
                            const kompress_options* options) {
    Err err;
    ResultPtr r(kompress_compress(c, text.data(), text.size(), options, &err));
    EXPECT_NE(r, nullptr) << err.message();
    return r;
  }

  // The C++ compressor over the same model, named as the C API names it.
  static const Compressor& cpp() {
    static const Compressor compressor(
        std::make_shared<const Tokenizer>(Tokenizer::from_file(model_dir() + "/tokenizer.json")),
        make_model_scorer(std::make_shared<const Model>(Model::load(model_dir())), "tiny"));
    return compressor;
  }

 private:
  static inline fs::path* root_ = nullptr;
};

kompress_options defaults() {
  kompress_options o;
  kompress_options_init(&o);
  return o;
}

kompress_options with_ratio(double ratio) {
  kompress_options o = defaults();
  o.ratio = ratio;
  return o;
}

struct Case {
  kompress_options c;
  CompressOptions cpp;
};

// The same options written both ways, with CCR off (no store on either side).
std::vector<Case> option_cases() {
  std::vector<Case> cases;
  CompressOptions cpp;
  cases.push_back({defaults(), cpp});
  Case ratio{with_ratio(0.3), cpp};
  ratio.cpp.ratio = 0.3;
  cases.push_back(ratio);
  Case space = ratio;
  space.c.join = KOMPRESS_JOIN_SPACE;
  space.cpp.join = Join::kSpace;
  cases.push_back(space);
  Case loose = ratio;
  loose.c.must_keep = 0;
  loose.cpp.must_keep = false;
  cases.push_back(loose);
  Case high{defaults(), cpp};
  high.c.threshold = 0.75f;
  high.cpp.threshold = 0.75f;
  cases.push_back(high);
  Case small = ratio;
  small.c.chunk_words = 7;
  small.cpp.chunk_words = 7;
  cases.push_back(small);
  return cases;
}

TEST_F(CApi, ReturnsWhatTheCppCompressorReturnsForEachOption) {
  const CompressorPtr c = open();
  int compressed = 0;
  for (const Case& each : option_cases()) {
    const ResultPtr r = compress(c.get(), kText, &each.c);
    const Result want = cpp().compress(kText, each.cpp);
    size_t len = 0;
    const char* text = kompress_result_text(r.get(), &len);
    EXPECT_EQ(std::string(text, len), want.compressed);
    EXPECT_EQ(len, std::strlen(text));
    EXPECT_EQ(kompress_result_original_tokens(r.get()), want.original_tokens);
    EXPECT_EQ(kompress_result_compressed_tokens(r.get()), want.compressed_tokens);
    EXPECT_DOUBLE_EQ(kompress_result_ratio(r.get()), want.compression_ratio);
    EXPECT_EQ(kompress_result_passthrough(r.get()), want.passthrough ? 1 : 0);
    EXPECT_STREQ(kompress_result_model_used(r.get()), "tiny");
    EXPECT_STREQ(kompress_result_cache_key(r.get()), "");
    EXPECT_EQ(kompress_result_deadline_hit(r.get()), 0);
    compressed += want.passthrough ? 0 : 1;
  }
  EXPECT_GT(compressed, 0) << "no case dropped a word: the comparison proves little";
}

TEST_F(CApi, NullOptionsAreTheDefaults) {
  const CompressorPtr c = open();
  const ResultPtr r = compress(c.get(), kText, nullptr);
  EXPECT_EQ(kompress_result_text(r.get(), nullptr), cpp().compress(kText).compressed);
}

TEST_F(CApi, RatioKeepsThatShareOfTheWords) {
  const CompressorPtr c = open();
  const kompress_options all = with_ratio(1.0), some = with_ratio(0.3);
  const ResultPtr kept_all = compress(c.get(), kText, &all);
  const ResultPtr kept_some = compress(c.get(), kText, &some);
  EXPECT_EQ(kompress_result_compressed_tokens(kept_all.get()),
            kompress_result_original_tokens(kept_all.get()));
  EXPECT_LT(kompress_result_compressed_tokens(kept_some.get()),
            kompress_result_original_tokens(kept_some.get()));
  EXPECT_EQ(kompress_result_passthrough(kept_some.get()), 0);
}

// Compresses kText at ratio 0.3 into `c`'s store and returns the key the result names.
std::string store_text(kompress_compressor* c) {
  const kompress_options o = with_ratio(0.3);
  Err err;
  const ResultPtr r(kompress_compress(c, kText.data(), kText.size(), &o, &err));
  EXPECT_NE(r, nullptr) << err.message();
  const std::string key = kompress_result_cache_key(r.get());
  EXPECT_EQ(key.size(), ccr::kKeyLength);
  EXPECT_EQ(key, ccr::content_key(kText));
  const std::string text = kompress_result_text(r.get(), nullptr);
  EXPECT_NE(text.find("Retrieve more: hash=" + key), std::string::npos) << text;
  EXPECT_STREQ(kompress_result_ccr_error(r.get()), "");
  return key;
}

// The original behind `key`, or nullopt with the status when the store has none.
std::optional<std::string> retrieve(kompress_compressor* c, const std::string& key,
                                    int* status = nullptr) {
  char* original = nullptr;
  size_t len = 0;
  Err err;
  const int got = kompress_retrieve(c, key.c_str(), &original, &len, &err);
  if (status != nullptr) *status = got;
  EXPECT_NE(got, KOMPRESS_RETRIEVE_ERROR) << err.message();
  if (got != KOMPRESS_RETRIEVE_OK) {
    EXPECT_EQ(original, nullptr);
    return std::nullopt;
  }
  std::string out(original, len);
  kompress_string_free(original);
  return out;
}

TEST_F(CApi, StoresAndRetrievesOriginalsInMemory) {
  const CompressorPtr c = open("memory");
  const std::string key = store_text(c.get());
  EXPECT_EQ(retrieve(c.get(), key), kText);
  std::string upper = key;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(retrieve(c.get(), upper), kText);
  int status = 0;
  EXPECT_EQ(retrieve(c.get(), std::string(ccr::kKeyLength, '0'), &status), std::nullopt);
  EXPECT_EQ(status, KOMPRESS_RETRIEVE_MISSING);
}

TEST_F(CApi, StoresOriginalsInASqliteFileThatOutlivesTheCompressor) {
  const std::string db = (root() / "ccr.sqlite3").string();
  std::string key;
  {
    const CompressorPtr writer = open(db.c_str());
    key = store_text(writer.get());
  }
  const CompressorPtr reader = open(("sqlite:" + db).c_str());
  EXPECT_EQ(retrieve(reader.get(), key), kText);
  const CompressorPtr elsewhere = open("memory");
  int status = 0;
  EXPECT_EQ(retrieve(elsewhere.get(), key, &status), std::nullopt);
  EXPECT_EQ(status, KOMPRESS_RETRIEVE_MISSING);
}

TEST_F(CApi, RetrievalNeedsAStoreAndAWellFormedKey) {
  const CompressorPtr without = open();
  char* original = reinterpret_cast<char*>(&original);  // must come back NULL
  Err err;
  EXPECT_EQ(
      kompress_retrieve(without.get(), std::string(24, 'a').c_str(), &original, nullptr, &err),
      KOMPRESS_RETRIEVE_ERROR);
  EXPECT_EQ(original, nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(err.message().find("without a CCR store"), std::string::npos) << err.message();

  const CompressorPtr with = open("memory");
  for (const char* bad : {"abc", "zzzzzzzzzzzzzzzzzzzzzzzz", "0123456789abcdef012345678"}) {
    EXPECT_EQ(kompress_retrieve(with.get(), bad, &original, nullptr, &err),
              KOMPRESS_RETRIEVE_ERROR);
    EXPECT_EQ(err.code(), KOMPRESS_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(err.message().find(bad), std::string::npos) << err.message();
    EXPECT_NE(err.message().find("24 hex digits"), std::string::npos) << err.message();
  }
}

TEST_F(CApi, InvalidUtf8FailsNamingItsByteOffsetUnlessLossy) {
  const CompressorPtr c = open();
  const std::string bad = "fine words here\n\xff then more words";
  Err err;
  EXPECT_EQ(kompress_compress(c.get(), bad.data(), bad.size(), nullptr, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_FAILED);
  EXPECT_NE(err.message().find("invalid UTF-8 at byte offset 16"), std::string::npos)
      << err.message();

  kompress_options lossy = defaults();
  lossy.lossy = 1;
  const ResultPtr r = compress(c.get(), bad, &lossy);
  CompressOptions cpp_lossy;
  cpp_lossy.lossy = true;
  EXPECT_EQ(kompress_result_text(r.get(), nullptr), cpp().compress(bad, cpp_lossy).compressed);
}

TEST_F(CApi, NullArgumentsAreErrorsNamingTheArgument) {
  Err err;
  EXPECT_EQ(kompress_compressor_open(nullptr, nullptr, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(err.message(), "kompress_compressor_open: model_dir is NULL");

  EXPECT_EQ(kompress_compress(nullptr, "a", 1, nullptr, &err), nullptr);
  EXPECT_EQ(err.message(), "kompress_compress: compressor is NULL");
  const CompressorPtr c = open("memory");
  EXPECT_EQ(kompress_compress(c.get(), nullptr, 3, nullptr, &err), nullptr);
  EXPECT_EQ(err.message(), "kompress_compress: text is NULL");
  const ResultPtr empty(kompress_compress(c.get(), nullptr, 0, nullptr, &err));
  ASSERT_NE(empty, nullptr) << err.message();
  EXPECT_FALSE(err.set());
  EXPECT_STREQ(kompress_result_text(empty.get(), nullptr), "");

  char* original = nullptr;
  EXPECT_EQ(kompress_retrieve(c.get(), nullptr, &original, nullptr, &err), KOMPRESS_RETRIEVE_ERROR);
  EXPECT_EQ(err.message(), "kompress_retrieve: key is NULL");
  EXPECT_EQ(kompress_retrieve(c.get(), "abc", nullptr, nullptr, &err), KOMPRESS_RETRIEVE_ERROR);
  EXPECT_EQ(err.message(), "kompress_retrieve: original is NULL");
  EXPECT_EQ(kompress_retrieve(nullptr, "abc", &original, nullptr, &err), KOMPRESS_RETRIEVE_ERROR);
  EXPECT_EQ(err.message(), "kompress_retrieve: compressor is NULL");

  // A NULL `err` only drops the detail.
  EXPECT_EQ(kompress_compress(nullptr, "a", 1, nullptr, nullptr), nullptr);
  // Accessors and frees take NULL.
  size_t len = 7;
  EXPECT_STREQ(kompress_result_text(nullptr, &len), "");
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(kompress_result_original_tokens(nullptr), 0);
  EXPECT_STREQ(kompress_result_cache_key(nullptr), "");
  EXPECT_STREQ(kompress_error_message(nullptr), "");
  EXPECT_EQ(kompress_error_code(nullptr), 0);
  kompress_result_free(nullptr);
  kompress_compressor_free(nullptr);
  kompress_error_free(nullptr);
  kompress_string_free(nullptr);
  kompress_options_init(nullptr);
}

// The message of opening `dir` with no store.
std::string open_error(const std::string& dir, const char* ccr_location = nullptr) {
  Err err;
  EXPECT_EQ(kompress_compressor_open(dir.c_str(), ccr_location, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_FAILED);
  return err.message();
}

TEST_F(CApi, BadModelFoldersAreNamedWithTheProblem) {
  const std::string missing = (root() / "no-such-model").string();
  EXPECT_EQ(open_error(missing), "model folder " + missing + ": not a folder");

  const fs::path partial = root() / "partial";
  fs::create_directories(partial);
  fs::copy_file(fs::path(model_dir()) / "config.json", partial / "config.json");
  fs::copy_file(fs::path(model_dir()) / "model.safetensors", partial / "model.safetensors");
  EXPECT_EQ(open_error(partial.string()),
            "model folder " + partial.string() + ": no tokenizer.json");

  fs::copy_file(fs::path(model_dir()) / "tokenizer.json", partial / "tokenizer.json");
  std::ofstream(partial / "config.json", std::ios::trunc) << "{not json";
  const std::string message = open_error(partial.string());
  EXPECT_NE(message.find("config.json"), std::string::npos) << message;
}

TEST_F(CApi, AStoreThatCannotOpenFailsTheOpen) {
  const std::string message = open_error(model_dir(), "/proc/no-such/ccr.sqlite3");
  EXPECT_NE(message.find("/proc/no-such/ccr.sqlite3"), std::string::npos) << message;
  EXPECT_NE(open_error(model_dir(), "ftp://host").find("ftp://"), std::string::npos);
}

TEST_F(CApi, BadOptionsAreErrors) {
  const CompressorPtr c = open();
  Err err;
  kompress_options unset{};
  EXPECT_EQ(kompress_compress(c.get(), kText.data(), kText.size(), &unset, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(err.message().find("kompress_options_init"), std::string::npos) << err.message();

  kompress_options newer = defaults();
  newer.size += 8;  // a caller built against a later header than this library
  EXPECT_EQ(kompress_compress(c.get(), kText.data(), kText.size(), &newer, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_INVALID_ARGUMENT);

  kompress_options join = defaults();
  join.join = 7;
  EXPECT_EQ(kompress_compress(c.get(), kText.data(), kText.size(), &join, &err), nullptr);
  EXPECT_NE(err.message().find("join is 7"), std::string::npos) << err.message();

  const kompress_options too_much = with_ratio(1.5);
  EXPECT_EQ(kompress_compress(c.get(), kText.data(), kText.size(), &too_much, &err), nullptr);
  EXPECT_EQ(err.code(), KOMPRESS_ERROR_FAILED);
  EXPECT_NE(err.message().find("ratio must be between 0 and 1"), std::string::npos)
      << err.message();

  kompress_options no_chunk = defaults();
  no_chunk.chunk_words = 0;
  EXPECT_EQ(kompress_compress(c.get(), kText.data(), kText.size(), &no_chunk, &err), nullptr);
  EXPECT_NE(err.message().find("chunk_words"), std::string::npos) << err.message();
}

TEST_F(CApi, OneCompressorServesSeveralThreads) {
  const CompressorPtr c = open("memory");
  kompress_options o = with_ratio(0.3);
  o.ccr = 0;
  CompressOptions cpp_o;
  cpp_o.ratio = 0.3;
  std::vector<std::string> texts, want, got(4);
  for (std::size_t i = 0; i < got.size(); ++i) {
    texts.push_back(std::string(i, ' ') + kText);  // distinct texts: no result cache hits
    want.push_back(cpp().compress(texts[i], cpp_o).compressed);
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      kompress_result* r =
          kompress_compress(c.get(), texts[i].data(), texts[i].size(), &o, nullptr);
      got[i] = r == nullptr ? "(failed)" : kompress_result_text(r, nullptr);
      kompress_result_free(r);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(got, want);
}

TEST_F(CApi, VersionIsTheProjects) { EXPECT_STREQ(kompress_version(), KOMPRESS_EXPECTED_VERSION); }

}  // namespace
}  // namespace kompress
