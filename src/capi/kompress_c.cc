// The C API (include/kompress/kompress.h) over the C++ one: handles own C++ objects, and every
// entry point catches whatever the C++ side throws and turns it into a kompress_error.
#include "kompress/kompress.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "kompress/ccr.h"
#include "kompress/compressor.h"
#include "kompress/error.h"
#include "kompress/model.h"
#include "kompress/scorer.h"
#include "kompress/tokenizer.h"

struct kompress_error {
  int code;
  std::string message;
};

struct kompress_compressor {
  std::shared_ptr<kompress::ccr::Store> store;  // null without CCR; also held by `compressor`
  kompress::Compressor compressor;
};

struct kompress_result {
  kompress::Result result;
};

namespace {

namespace fs = std::filesystem;

// Returned when an error cannot even be allocated; kompress_error_free leaves it alone. The
// message fits std::string's inline buffer, so this static allocates nothing.
kompress_error out_of_memory_error{KOMPRESS_ERROR_OUT_OF_MEMORY, "out of memory"};

// A failure of the C layer's own argument checks.
struct InvalidArgument {
  std::string message;
};

kompress_error* make_error(int code, const char* message) noexcept {
  try {
    return new kompress_error{code, message};
  } catch (...) {
    return &out_of_memory_error;
  }
}

void set_error(kompress_error** err, int code, const char* message) noexcept {
  if (err != nullptr) *err = make_error(code, message);
}

// Runs `body`, reporting through `err` whatever it throws; returns `failed` then.
template <typename T, typename Body>
T guarded(kompress_error** err, T failed, Body&& body) noexcept {
  if (err != nullptr) *err = nullptr;
  try {
    return body();
  } catch (const InvalidArgument& e) {
    set_error(err, KOMPRESS_ERROR_INVALID_ARGUMENT, e.message.c_str());
  } catch (const kompress::Error& e) {
    set_error(err, KOMPRESS_ERROR_FAILED, e.what());
  } catch (const std::bad_alloc&) {
    set_error(err, KOMPRESS_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    set_error(err, KOMPRESS_ERROR_INTERNAL, (std::string("internal error: ") + e.what()).c_str());
  } catch (...) {
    set_error(err, KOMPRESS_ERROR_INTERNAL, "internal error: unknown exception");
  }
  return failed;
}

void require(const void* arg, const char* function, const char* name) {
  if (arg == nullptr) throw InvalidArgument{std::string(function) + ": " + name + " is NULL"};
}

// The checks of `kompress compress --model DIR`, so a wrong folder reads as one, not as the
// first file that failed to open.
void check_model_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw kompress::Error("model folder " + dir + ": not a folder");
  for (const char* file : {"config.json", "model.safetensors", "tokenizer.json"}) {
    if (!fs::exists(fs::path(dir) / file, ec)) {
      throw kompress::Error("model folder " + dir + ": no " + file);
    }
  }
}

// Results name the model by its folder, as the command does.
std::string folder_name(const std::string& dir) {
  std::error_code ec;
  const std::string name = fs::weakly_canonical(fs::absolute(dir), ec).filename().string();
  return ec || name.empty() ? dir : name;
}

kompress_compressor* open_compressor(const std::string& dir, const char* ccr_location) {
  check_model_dir(dir);
  auto tokenizer = std::make_shared<const kompress::Tokenizer>(
      kompress::Tokenizer::from_file(dir + "/tokenizer.json"));
  auto model = std::make_shared<const kompress::Model>(kompress::Model::load(dir));
  std::shared_ptr<kompress::ccr::Store> store;
  if (ccr_location != nullptr) store = kompress::ccr::open_store(ccr_location);
  kompress::Compressor compressor(
      std::move(tokenizer), kompress::make_model_scorer(std::move(model), folder_name(dir)), store);
  return new kompress_compressor{std::move(store), std::move(compressor)};
}

// The first version's options end with chunk_words; smaller sizes are not options at all.
constexpr std::size_t kFirstOptionsSize = offsetof(kompress_options, chunk_words) + sizeof(size_t);

// Reads the caller's options over the defaults: a caller built against an older header sets
// fewer fields, and the ones it lacks keep their defaults.
kompress_options read_options(const kompress_options* given) {
  kompress_options o;
  kompress_options_init(&o);
  if (given == nullptr) return o;
  if (given->size < kFirstOptionsSize || given->size > sizeof(kompress_options)) {
    throw InvalidArgument{"kompress_compress: options->size is " + std::to_string(given->size) +
                          ", expected " + std::to_string(sizeof(kompress_options)) +
                          " (call kompress_options_init)"};
  }
  std::memcpy(&o, given, given->size);
  if (o.join != KOMPRESS_JOIN_LAYOUT && o.join != KOMPRESS_JOIN_SPACE) {
    throw InvalidArgument{"kompress_compress: options->join is " + std::to_string(o.join) +
                          ", not KOMPRESS_JOIN_LAYOUT or KOMPRESS_JOIN_SPACE"};
  }
  return o;
}

kompress::CompressOptions to_cpp(const kompress_options& o) {
  kompress::CompressOptions cpp;
  if (!(o.ratio < 0)) cpp.ratio = o.ratio;  // NaN reaches the compressor, which names it
  cpp.threshold = o.threshold;
  cpp.must_keep = o.must_keep != 0;
  cpp.join = o.join == KOMPRESS_JOIN_SPACE ? kompress::Join::kSpace : kompress::Join::kLayout;
  cpp.ccr = o.ccr != 0;
  cpp.deadline = std::chrono::milliseconds(o.deadline_ms);
  cpp.lossy = o.lossy != 0;
  cpp.chunk_words = o.chunk_words;
  return cpp;
}

// A key as the store holds it: 24 lowercase hex digits.
std::string normalized_key(const char* key) {
  std::optional<std::string> k = kompress::ccr::normalize_key(key);
  if (!k) {
    throw InvalidArgument{"kompress_retrieve: key \"" + std::string(key) + "\" is not " +
                          std::to_string(kompress::ccr::kKeyLength) + " hex digits"};
  }
  return *k;
}

char* copy_string(const std::string& s) {
  auto* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.data(), s.size() + 1);
  return out;
}

int retrieve(kompress_compressor* c, const char* key, char** original, size_t* len) {
  require(original, "kompress_retrieve", "original");
  *original = nullptr;
  require(c, "kompress_retrieve", "compressor");
  require(key, "kompress_retrieve", "key");
  const std::string k = normalized_key(key);
  if (c->store == nullptr) {
    throw InvalidArgument{"kompress_retrieve: the compressor was opened without a CCR store"};
  }
  const kompress::ccr::Lookup hit = c->store->get(k);
  switch (hit.status) {
    case kompress::ccr::Status::kOk:
      *original = copy_string(hit.entry.original);
      if (len != nullptr) *len = hit.entry.original.size();
      return KOMPRESS_RETRIEVE_OK;
    case kompress::ccr::Status::kExpired:
      return KOMPRESS_RETRIEVE_EXPIRED;
    case kompress::ccr::Status::kMissing:
      break;
  }
  return KOMPRESS_RETRIEVE_MISSING;
}

const char* c_str_or_empty(const kompress_result* r, const std::string kompress::Result::*field) {
  return r == nullptr ? "" : (r->result.*field).c_str();
}

}  // namespace

extern "C" {

const char* kompress_version(void) { return KOMPRESS_VERSION_STRING; }

const char* kompress_error_message(const kompress_error* error) {
  return error == nullptr ? "" : error->message.c_str();
}

int kompress_error_code(const kompress_error* error) { return error == nullptr ? 0 : error->code; }

void kompress_error_free(kompress_error* error) {
  if (error != &out_of_memory_error) delete error;
}

kompress_compressor* kompress_compressor_open(const char* model_dir, const char* ccr_location,
                                              kompress_error** err) {
  return guarded(err, static_cast<kompress_compressor*>(nullptr), [&] {
    require(model_dir, "kompress_compressor_open", "model_dir");
    return open_compressor(model_dir, ccr_location);
  });
}

void kompress_compressor_free(kompress_compressor* compressor) { delete compressor; }

void kompress_options_init(kompress_options* options) {
  if (options == nullptr) return;
  const kompress::CompressOptions defaults;
  *options = kompress_options{};
  options->size = sizeof(kompress_options);
  options->ratio = -1;
  options->threshold = defaults.threshold;
  options->must_keep = defaults.must_keep ? 1 : 0;
  options->join = KOMPRESS_JOIN_LAYOUT;
  options->ccr = defaults.ccr ? 1 : 0;
  options->deadline_ms = defaults.deadline.count();
  options->lossy = defaults.lossy ? 1 : 0;
  options->chunk_words = defaults.chunk_words;
}

kompress_result* kompress_compress(kompress_compressor* compressor, const char* text, size_t len,
                                   const kompress_options* options, kompress_error** err) {
  return guarded(err, static_cast<kompress_result*>(nullptr), [&] {
    require(compressor, "kompress_compress", "compressor");
    if (len > 0) require(text, "kompress_compress", "text");
    const kompress::CompressOptions o = to_cpp(read_options(options));
    const std::string_view input = len == 0 ? std::string_view() : std::string_view(text, len);
    return new kompress_result{compressor->compressor.compress(input, o)};
  });
}

const char* kompress_result_text(const kompress_result* result, size_t* len) {
  if (len != nullptr) *len = result == nullptr ? 0 : result->result.compressed.size();
  return c_str_or_empty(result, &kompress::Result::compressed);
}

int64_t kompress_result_original_tokens(const kompress_result* result) {
  return result == nullptr ? 0 : result->result.original_tokens;
}

int64_t kompress_result_compressed_tokens(const kompress_result* result) {
  return result == nullptr ? 0 : result->result.compressed_tokens;
}

double kompress_result_ratio(const kompress_result* result) {
  return result == nullptr ? 0.0 : result->result.compression_ratio;
}

const char* kompress_result_cache_key(const kompress_result* result) {
  return c_str_or_empty(result, &kompress::Result::cache_key);
}

const char* kompress_result_model_used(const kompress_result* result) {
  return c_str_or_empty(result, &kompress::Result::model_used);
}

int kompress_result_passthrough(const kompress_result* result) {
  return result != nullptr && result->result.passthrough ? 1 : 0;
}

int kompress_result_deadline_hit(const kompress_result* result) {
  return result != nullptr && result->result.deadline_hit ? 1 : 0;
}

const char* kompress_result_ccr_error(const kompress_result* result) {
  return c_str_or_empty(result, &kompress::Result::ccr_error);
}

void kompress_result_free(kompress_result* result) { delete result; }

int kompress_retrieve(kompress_compressor* compressor, const char* key, char** original,
                      size_t* len, kompress_error** err) {
  return guarded(err, static_cast<int>(KOMPRESS_RETRIEVE_ERROR),
                 [&] { return retrieve(compressor, key, original, len); });
}

void kompress_string_free(char* s) { std::free(s); }

}  // extern "C"
