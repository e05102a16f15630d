#include "weights/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <utility>

#include "kompress/error.h"

namespace kompress::weights {

// Tensor bytes are read with memcpy/reinterpret_cast as host values; safetensors is little-endian.
static_assert(std::endian::native == std::endian::little, "kompress assumes a little-endian host");

namespace {

using nlohmann::json;

// Same limit as the reference Rust crate: a larger header is hostile or broken.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three levels (root -> entry -> shape); anything deeper is rejected early.
constexpr int kMaxJsonDepth = 8;
constexpr std::size_t kMaxNameInMessage = 120;

// Names come from untrusted files: keep error messages on one line and bounded.
std::string printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (out.size() >= kMaxNameInMessage && (c & 0xc0u) != 0x80u) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

[[noreturn]] void header_error(std::string_view origin, const std::string& problem) {
  throw Error(std::string(origin) + ": header: " + problem);
}

[[noreturn]] void tensor_error(std::string_view origin, std::string_view name,
                               const std::string& problem) {
  throw Error(std::string(origin) + ": tensor '" + printable(name) + "': " + problem);
}

[[noreturn]] void too_short(std::string_view origin, std::size_t size) {
  header_error(origin,
               "file is " + std::to_string(size) + " bytes, shorter than the 8-byte header size");
}

std::string errno_text(int err) { return std::generic_category().message(err); }

uint64_t read_u64_le(const std::byte* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint64_t>(p[i]);
  return v;
}

struct TooDeep {};

json parse_header_json(std::string_view text, std::string_view origin) {
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxJsonDepth) throw TooDeep{};
    return true;
  };
  // nlohmann's lexer takes a NUL byte for the end of input and would ignore what follows.
  if (const auto nul = text.find('\0'); nul != std::string_view::npos) {
    header_error(origin, "not valid JSON (NUL byte at " + std::to_string(nul) + ")");
  }
  try {
    return json::parse(text.begin(), text.end(), limit_depth);
  } catch (const json::parse_error& e) {
    header_error(origin, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    header_error(origin, "not valid JSON");
  } catch (const TooDeep&) {
    header_error(origin, "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
}

// One header entry, checked on its own (cross-tensor checks come after sorting).
struct Entry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

const json& require(const json& entry, const char* key, std::string_view origin,
                    std::string_view name) {
  auto it = entry.find(key);
  if (it == entry.end()) tensor_error(origin, name, std::string("missing '") + key + "'");
  return *it;
}

DType parse_entry_dtype(const json& v, std::string_view origin, std::string_view name) {
  if (!v.is_string()) tensor_error(origin, name, "'dtype' is not a string");
  const auto& s = v.get_ref<const std::string&>();
  auto dtype = parse_dtype(s);
  if (!dtype) tensor_error(origin, name, "unsupported dtype '" + printable(s) + "'");
  return *dtype;
}

std::vector<int64_t> parse_entry_shape(const json& v, std::string_view origin,
                                       std::string_view name) {
  if (!v.is_array()) tensor_error(origin, name, "'shape' is not an array");
  std::vector<int64_t> shape;
  shape.reserve(v.size());
  for (const json& d : v) {
    if (d.is_number_unsigned()) {
      const auto u = d.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        tensor_error(origin, name, "'shape' dim " + std::to_string(u) + " is too large");
      }
      shape.push_back(static_cast<int64_t>(u));
    } else if (d.is_number_integer()) {
      tensor_error(origin, name, "'shape' has negative dim " + std::to_string(d.get<int64_t>()));
    } else {
      tensor_error(origin, name, "'shape' has a dim that is not a non-negative integer");
    }
  }
  return shape;
}

std::pair<uint64_t, uint64_t> parse_entry_offsets(const json& v, std::string_view origin,
                                                  std::string_view name) {
  if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_unsigned()) {
    tensor_error(origin, name, "'data_offsets' is not two non-negative integers");
  }
  const auto begin = v[0].get<uint64_t>();
  const auto end = v[1].get<uint64_t>();
  if (end < begin) {
    tensor_error(
        origin, name,
        "'data_offsets' [" + std::to_string(begin) + ", " + std::to_string(end) + "] decrease");
  }
  return {begin, end};
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

// Bytes that `shape` x `dtype` occupy; nullopt on overflow (checked at every step, like the
// reference crate, so [2^40, 2^40, 0] is rejected too).
std::optional<uint64_t> byte_size(const std::vector<int64_t>& shape, DType dtype) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return std::nullopt;
  }
  if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  if (__builtin_mul_overflow(n, static_cast<uint64_t>(dtype_size(dtype)), &n)) return std::nullopt;
  return n;
}

Entry parse_entry(const std::string& name, const json& v, std::string_view origin) {
  if (!v.is_object()) tensor_error(origin, name, "entry is not a JSON object");
  Entry e;
  e.name = name;
  e.dtype = parse_entry_dtype(require(v, "dtype", origin, name), origin, name);
  e.shape = parse_entry_shape(require(v, "shape", origin, name), origin, name);
  std::tie(e.begin, e.end) =
      parse_entry_offsets(require(v, "data_offsets", origin, name), origin, name);
  const auto nbytes = byte_size(e.shape, e.dtype);
  if (!nbytes) {
    tensor_error(
        origin, name,
        "shape " + shape_text(e.shape) + " x " + std::string(dtype_name(e.dtype)) + " overflows");
  }
  if (*nbytes != e.end - e.begin) {
    tensor_error(origin, name,
                 "shape " + shape_text(e.shape) + " x " + std::string(dtype_name(e.dtype)) +
                     " needs " + std::to_string(*nbytes) + " bytes, but data_offsets span " +
                     std::to_string(e.end - e.begin));
  }
  return e;
}

std::map<std::string, std::string> parse_metadata(const json& v, std::string_view origin) {
  std::map<std::string, std::string> out;
  if (v.is_null()) return out;
  if (!v.is_object()) header_error(origin, "'__metadata__' is not a JSON object");
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string()) {
      header_error(origin, "'__metadata__' value of '" + printable(key) + "' is not a string");
    }
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

// The data section must be tiled exactly: sorted by offset, each tensor starts where the previous
// ended, the first at 0, the last at the end of the file (the reference crate's rule).
void check_layout(std::vector<Entry>& entries, uint64_t data_size, std::string_view origin) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.end > data_size) {
      tensor_error(origin, e.name,
                   "data end " + std::to_string(e.end) + " is past the data section (" +
                       std::to_string(data_size) + " bytes)");
    }
    if (e.begin < expected) {
      tensor_error(origin, e.name,
                   "data [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                       ") overlaps tensor '" + printable(previous->name) + "'");
    }
    if (e.begin > expected) {
      tensor_error(origin, e.name,
                   "gap of " + std::to_string(e.begin - expected) + " bytes before data begin " +
                       std::to_string(e.begin) + " (tensor data must be contiguous)");
    }
    expected = e.end;
    previous = &e;
  }
  if (expected != data_size) {
    header_error(origin, std::to_string(data_size - expected) +
                             " bytes after the last tensor (data section is " +
                             std::to_string(data_size) + " bytes)");
  }
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::span<const float> TensorView::f32() const {
  if (dtype != DType::kF32) {
    tensor_error(origin, name, "is " + std::string(dtype_name(dtype)) + ", not F32");
  }
  if (nbytes == 0) return {};
  if (reinterpret_cast<std::uintptr_t>(data) % alignof(float) != 0) {
    tensor_error(origin, name, "F32 data is not 4-byte aligned (use to_f32 to copy it)");
  }
  return {reinterpret_cast<const float*>(data), nbytes / sizeof(float)};
}

std::vector<float> to_f32(const TensorView& t) {
  const std::size_t n = t.nbytes / dtype_size(t.dtype);
  std::vector<float> out(n);
  if (t.dtype == DType::kF32) {
    if (n > 0) std::memcpy(out.data(), t.data, n * sizeof(float));
    return out;
  }
  if (t.dtype != DType::kF16 && t.dtype != DType::kBF16) {
    tensor_error(t.origin, t.name,
                 "is " + std::string(dtype_name(t.dtype)) + ", not F32, F16 or BF16");
  }
  const bool is_f16 = t.dtype == DType::kF16;
  for (std::size_t i = 0; i < n; ++i) {
    uint16_t bits = 0;
    std::memcpy(&bits, t.data + 2 * i, 2);
    out[i] = is_f16 ? f16_to_f32(bits) : bf16_to_f32(bits);
  }
  return out;
}

std::vector<int64_t> to_i64(const TensorView& t) {
  if (t.dtype != DType::kI8 && t.dtype != DType::kI32 && t.dtype != DType::kI64) {
    tensor_error(t.origin, t.name,
                 "is " + std::string(dtype_name(t.dtype)) + ", not I8, I32 or I64");
  }
  const std::size_t width = dtype_size(t.dtype);
  std::vector<int64_t> out(t.nbytes / width);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::byte* p = t.data + width * i;
    if (t.dtype == DType::kI8) {
      out[i] = static_cast<int8_t>(*p);
    } else if (t.dtype == DType::kI32) {
      int32_t v = 0;
      std::memcpy(&v, p, sizeof v);
      out[i] = v;
    } else {
      std::memcpy(&out[i], p, sizeof out[i]);
    }
  }
  return out;
}

struct SafetensorsFile::Impl {
  std::string path;
  void* map = nullptr;  // owned mapping (open), or nullptr (from_buffer)
  std::size_t map_size = 0;
  std::vector<TensorView> tensors;
  std::map<std::string, std::size_t, std::less<>> index;
  std::map<std::string, std::string> metadata;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (map != nullptr) ::munmap(map, map_size);
  }

  void parse(std::span<const std::byte> bytes);
};

void SafetensorsFile::Impl::parse(std::span<const std::byte> bytes) {
  if (bytes.size() < 8) {
    too_short(path, bytes.size());
  }
  const uint64_t n = read_u64_le(bytes.data());
  if (n > kMaxHeaderBytes) {
    header_error(path, "header size " + std::to_string(n) + " exceeds the " +
                           std::to_string(kMaxHeaderBytes) + "-byte limit");
  }
  if (n > bytes.size() - 8) {
    header_error(path, "header size " + std::to_string(n) + " is past the end of the file (" +
                           std::to_string(bytes.size()) + " bytes)");
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8, n);
  const json root = parse_header_json(text, path);
  if (!root.is_object()) header_error(path, "not a JSON object");

  std::vector<Entry> entries;
  for (const auto& [key, value] : root.items()) {
    if (key == "__metadata__") {
      metadata = parse_metadata(value, path);
    } else {
      entries.push_back(parse_entry(key, value, path));
    }
  }
  const std::byte* data = bytes.data() + 8 + n;
  check_layout(entries, bytes.size() - 8 - n, path);

  tensors.reserve(entries.size());
  for (Entry& e : entries) {
    index.emplace(e.name, tensors.size());
    tensors.push_back(TensorView{path, std::move(e.name), e.dtype, std::move(e.shape),
                                 data + e.begin, static_cast<std::size_t>(e.end - e.begin)});
  }
}

SafetensorsFile::SafetensorsFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(path + ": cannot stat: " + errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path + ": not a regular file");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < 8) {  // checked before mmap, which fails on empty files
    ::close(fd);
    too_short(path, size);
  }
  {
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(path + ": cannot map: " + errno_text(err));
    }
    impl->map = map;
    impl->map_size = size;
  }
  ::close(fd);  // the mapping keeps the file alive
  impl->parse({static_cast<const std::byte*>(impl->map), size});
  return SafetensorsFile(std::move(impl));
}

SafetensorsFile SafetensorsFile::from_buffer(std::span<const std::byte> bytes,
                                             std::string_view origin) {
  auto impl = std::make_unique<Impl>();
  impl->path = std::string(origin);
  impl->parse(bytes);
  return SafetensorsFile(std::move(impl));
}

const std::string& SafetensorsFile::path() const { return impl_->path; }
const std::vector<TensorView>& SafetensorsFile::tensors() const { return impl_->tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const {
  return impl_->metadata;
}

void SafetensorsFile::release(const TensorView& tensor) const {
  const auto begin = reinterpret_cast<std::uintptr_t>(tensor.data);
  const auto map = reinterpret_cast<std::uintptr_t>(impl_->map);
  if (map == 0 || begin < map || begin + tensor.nbytes > map + impl_->map_size) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = (begin + page - 1) / page * page;
  const std::uintptr_t last = (begin + tensor.nbytes) / page * page;
  // Advice only: the file's pages stay valid whatever the kernel does with it.
  if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

const TensorView* SafetensorsFile::find(std::string_view name) const {
  auto it = impl_->index.find(name);
  return it == impl_->index.end() ? nullptr : &impl_->tensors[it->second];
}

// ---------------------------------------------------------------------------------------------
// Writer

namespace {

// A temporary file beside the target, removed unless committed by rename.
class TempFile {
 public:
  explicit TempFile(const std::string& target) : target_(target) {
    std::string pattern = target + ".tmp.XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) fail("cannot create a temporary file", errno);
    name_ = std::move(pattern);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!name_.empty()) ::unlink(name_.c_str());
  }

  void write(const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t w = ::write(fd_, p, size);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail("cannot write", w < 0 ? errno : EIO);
      p += w;
      size -= static_cast<std::size_t>(w);
    }
  }

  void commit() {
    // mkstemp creates 0600; weights are ordinary readable files.
    if (::fchmod(fd_, 0644) != 0) fail("cannot set permissions", errno);
    if (::fsync(fd_) != 0) fail("cannot sync", errno);
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) fail("cannot close", errno);
    if (::rename(name_.c_str(), target_.c_str()) != 0) fail("cannot rename into place", errno);
    name_.clear();
  }

 private:
  [[noreturn]] void fail(const char* what, int err) const {
    throw Error(target_ + ": " + what + ": " + errno_text(err));
  }

  std::string target_;
  std::string name_;
  int fd_ = -1;
};

std::string build_header(const std::string& path, std::span<const TensorData> tensors,
                         const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorData& t : tensors) {
    if (t.name == "__metadata__") tensor_error(path, t.name, "name is reserved");
    if (header.contains(t.name)) tensor_error(path, t.name, "name appears twice");
    for (int64_t d : t.shape) {
      if (d < 0) tensor_error(path, t.name, "negative dim in shape " + shape_text(t.shape));
    }
    const auto nbytes = byte_size(t.shape, t.dtype);
    if (!nbytes || *nbytes != t.bytes.size()) {
      tensor_error(path, t.name,
                   "shape " + shape_text(t.shape) + " x " + std::string(dtype_name(t.dtype)) +
                       " does not match the " + std::to_string(t.bytes.size()) + " bytes given");
    }
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + *nbytes}}};
    offset += *nbytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception&) {
    throw Error(path + ": a tensor name or metadata string is not valid UTF-8");
  }
  // Pad with spaces so the data starts at an 8-byte boundary (as the reference writer does).
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void write_safetensors(const std::string& path, std::span<const TensorData> tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string header = build_header(path, tensors, metadata);
  std::byte size_bytes[8];
  for (int i = 0; i < 8; ++i) {
    size_bytes[i] =
        static_cast<std::byte>((static_cast<uint64_t>(header.size()) >> (8 * i)) & 0xff);
  }
  TempFile file(path);
  file.write(size_bytes, sizeof size_bytes);
  file.write(header.data(), header.size());
  for (const TensorData& t : tensors) file.write(t.bytes.data(), t.bytes.size());
  file.commit();
}

}  // namespace kompress::weights
