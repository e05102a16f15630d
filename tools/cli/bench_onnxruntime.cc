#include "cli/bench_onnxruntime.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kompress/error.h"

#ifdef KOMPRESS_HAVE_ONNXRUNTIME_HEADERS
#include <onnxruntime_c_api.h>
#endif

namespace kompress::cli {

#ifdef KOMPRESS_HAVE_ONNXRUNTIME_HEADERS
namespace {

// ONNX Runtime's C API table. The library stays open until the process exits: its thread pools
// and static objects do not survive dlclose, and a bench child measures one model and exits.
const OrtApi& open_onnxruntime(const std::string& path, std::string& version) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw Error("onnxruntime: cannot open " + path + ": " + dlerror());
  using GetApiBase = const OrtApiBase* (*)();
  const auto get_base = reinterpret_cast<GetApiBase>(dlsym(handle, "OrtGetApiBase"));
  if (!get_base) throw Error("onnxruntime: " + path + " has no OrtGetApiBase");
  const OrtApiBase* base = get_base();
  version = base->GetVersionString();
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (!api)
    throw Error("onnxruntime " + version + " (" + path + ") lacks C API version " +
                std::to_string(ORT_API_VERSION) + " of the headers this kompress was built with");
  return *api;
}

void check(const OrtApi& api, OrtStatus* status) {
  if (!status) return;
  const std::string message = api.GetErrorMessage(status);
  api.ReleaseStatus(status);
  throw Error("onnxruntime: " + message);
}

// Owns an ORT object; the deleter calls the matching OrtApi::Release* function.
template <typename T>
using Owned = std::unique_ptr<T, std::function<void(T*)>>;

template <typename T>
Owned<T> own(T* object, void (*release)(T*)) {
  return Owned<T>(object, release);
}

// The session, its options and environment, destroyed in reverse order of creation.
struct Session {
  Owned<OrtEnv> env;
  Owned<OrtSessionOptions> options;
  Owned<OrtSession> session;
  Owned<OrtMemoryInfo> cpu_memory;
};

Session create_session(const OrtApi& api, const std::string& model, int threads, bool spin) {
  Session s;
  OrtEnv* env = nullptr;
  check(api, api.CreateEnv(ORT_LOGGING_LEVEL_WARNING, "kompress-bench", &env));
  s.env = own(env, api.ReleaseEnv);
  OrtSessionOptions* options = nullptr;
  check(api, api.CreateSessionOptions(&options));
  s.options = own(options, api.ReleaseSessionOptions);
  check(api, api.SetIntraOpNumThreads(options, threads));
  check(api, api.SetInterOpNumThreads(options, 1));
  check(api, api.SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL));
  // Spinning intra-op threads steal the cores from each other on a shared machine, as OpenMP's
  // do; the caller turns spinning off exactly when kompress's children run OMP_WAIT_POLICY=PASSIVE.
  check(api,
        api.AddSessionConfigEntry(options, "session.intra_op.allow_spinning", spin ? "1" : "0"));
  OrtSession* session = nullptr;
  check(api, api.CreateSession(s.env.get(), model.c_str(), options, &session));
  s.session = own(session, api.ReleaseSession);
  OrtMemoryInfo* memory = nullptr;
  check(api, api.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory));
  s.cpu_memory = own(memory, api.ReleaseMemoryInfo);
  return s;
}

// One Run over `call`, right-padded to its longest chunk; `ids` and `mask` are reused buffers.
void run_call(const OrtApi& api, const Session& s, std::span<const Chunk> call, int64_t pad_id,
              std::vector<int64_t>& ids, std::vector<int64_t>& mask) {
  size_t longest = 0;
  for (const auto& c : call) longest = std::max(longest, c.size());
  ids.assign(call.size() * longest, pad_id);
  mask.assign(call.size() * longest, 0);
  for (size_t row = 0; row < call.size(); ++row) {
    std::copy(call[row].begin(), call[row].end(),
              ids.begin() + static_cast<ptrdiff_t>(row * longest));
    std::fill_n(mask.begin() + static_cast<ptrdiff_t>(row * longest), call[row].size(), 1);
  }
  const std::array<int64_t, 2> shape = {static_cast<int64_t>(call.size()),
                                        static_cast<int64_t>(longest)};
  std::array<Owned<OrtValue>, 2> inputs;
  for (size_t i = 0; i < 2; ++i) {
    auto& buffer = i == 0 ? ids : mask;
    OrtValue* value = nullptr;
    check(api, api.CreateTensorWithDataAsOrtValue(
                   s.cpu_memory.get(), buffer.data(), buffer.size() * sizeof(int64_t), shape.data(),
                   shape.size(), ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, &value));
    inputs[i] = own(value, api.ReleaseValue);
  }
  const std::array<const char*, 2> input_names = {"input_ids", "attention_mask"};
  const std::array<const OrtValue*, 2> input_values = {inputs[0].get(), inputs[1].get()};
  const char* output_name = "final_scores";
  OrtValue* output = nullptr;
  check(api, api.Run(s.session.get(), nullptr, input_names.data(), input_values.data(), 2,
                     &output_name, 1, &output));
  own(output, api.ReleaseValue);
}

}  // namespace

std::string onnxruntime_unavailable_reason() { return ""; }

BenchRow measure_onnxruntime(const std::string& library, const std::string& model, int threads,
                             bool spin, const std::vector<Chunk>& chunks, int batch, int passes,
                             int64_t pad_id) {
  using Clock = std::chrono::steady_clock;
  BenchRow row;
  row.engine = "onnxruntime";
  const auto start = Clock::now();
  std::string version;
  const OrtApi& api = open_onnxruntime(library, version);
  const Session session = create_session(api, model, threads, spin);
  row.load_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  row.cpu = "onnxruntime " + version;
  std::vector<int64_t> ids, mask;
  time_calls(
      chunks, batch, passes,
      [&](std::span<const Chunk> call) { run_call(api, session, call, pad_id, ids, mask); }, row);
  row.peak_rss_mb = peak_rss_mb();
  return row;
}

#else

std::string onnxruntime_unavailable_reason() {
  return "this kompress was built without ONNX Runtime's C API headers (run "
         "scripts/install-onnxruntime.sh, then configure the build again)";
}

BenchRow measure_onnxruntime(const std::string&, const std::string&, int, bool,
                             const std::vector<Chunk>&, int, int, int64_t) {
  throw Error("onnxruntime: " + onnxruntime_unavailable_reason());
}

#endif

}  // namespace kompress::cli
