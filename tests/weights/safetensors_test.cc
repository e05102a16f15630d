// The safetensors reader on valid and hand-built malformed files, and the writer.
#include "weights/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "kompress/error.h"

namespace kompress::weights {
namespace {

namespace fs = std::filesystem;

template <typename T>
std::vector<std::byte> as_bytes(std::initializer_list<T> values) {
  std::vector<std::byte> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

// A safetensors file from a header text (used verbatim) and `data_bytes` bytes of data.
std::vector<std::byte> make_file(const std::string& header, std::size_t data_bytes,
                                 uint64_t header_size) {
  std::vector<std::byte> out(8 + header.size() + data_bytes, std::byte{0x5a});
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((header_size >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, header.data(), header.size());
  return out;
}
std::vector<std::byte> make_file(const std::string& header, std::size_t data_bytes) {
  return make_file(header, data_bytes, header.size());
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("kompress_weights_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_raw(const std::string& name, const std::vector<std::byte>& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Both entry points must reject `bytes` with a message that starts with the file name and
  // contains every fragment.
  void expect_rejected(const std::vector<std::byte>& bytes,
                       std::initializer_list<std::string> fragments) {
    const std::string path = write_raw("bad.safetensors", bytes);
    for (bool use_file : {false, true}) {
      const std::string origin = use_file ? path : std::string("buffer.safetensors");
      try {
        if (use_file) {
          (void)SafetensorsFile::open(path);
        } else {
          (void)SafetensorsFile::from_buffer(bytes, origin);
        }
        ADD_FAILURE() << "accepted by " << (use_file ? "open" : "from_buffer");
      } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(origin + ": ", 0), 0u) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
      }
    }
  }

  fs::path dir_;
};

TEST_F(SafetensorsTest, RoundTripsEveryDtype) {
  const auto f32 = as_bytes<float>({1.5f, -2.0f, 3.25f, 0.0f, -0.0f, 1e-40f});
  const auto f16 = as_bytes<uint16_t>({0x3c00, 0x0001, 0x7c00, 0xfc00, 0x7e00, 0x8000});
  const auto bf16 = as_bytes<uint16_t>({0x3f80, 0x0001, 0x7f80, 0x7fc0});
  const auto i8 = as_bytes<int8_t>({-128, -1, 0, 127});
  const auto i32 = as_bytes<int32_t>({50281, -7, std::numeric_limits<int32_t>::max()});
  const auto i64 = as_bytes<int64_t>({std::numeric_limits<int64_t>::min(), 50282});
  const auto scalar = as_bytes<float>({42.0f});
  const std::vector<TensorData> tensors = {
      {"w.f32", DType::kF32, {2, 3}, f32},    {"w.f16", DType::kF16, {6}, f16},
      {"w.bf16", DType::kBF16, {2, 2}, bf16}, {"w.i8", DType::kI8, {4}, i8},
      {"ids.i32", DType::kI32, {1, 3}, i32},  {"ids.i64", DType::kI64, {2}, i64},
      {"empty", DType::kF32, {0, 5}, {}},     {"scalar", DType::kF32, {}, scalar}};
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "ünï"}};
  const std::string path = (dir_ / "all.safetensors").string();
  write_safetensors(path, tensors, metadata);

  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file.path(), path);
  EXPECT_EQ(file.metadata(), metadata);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorView& v = file.tensors()[i];  // file order == write order
    EXPECT_EQ(v.name, tensors[i].name);
    EXPECT_EQ(v.origin, path);
    EXPECT_EQ(v.dtype, tensors[i].dtype);
    EXPECT_EQ(v.shape, tensors[i].shape);
    ASSERT_EQ(v.nbytes, tensors[i].bytes.size());
    if (v.nbytes > 0) {
      EXPECT_EQ(std::memcmp(v.data, tensors[i].bytes.data(), v.nbytes), 0);
    }
    EXPECT_EQ(file.find(v.name), &v);
  }
  EXPECT_EQ(file.find("missing"), nullptr);
  EXPECT_EQ(file.find("empty")->numel(), 0);
  EXPECT_EQ(file.find("scalar")->numel(), 1);
  EXPECT_EQ(file.find("scalar")->f32()[0], 42.0f);

  // The header is padded so the first tensor starts 8-byte aligned.
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(file.tensors()[0].data) % 8, 0u);

  const auto floats = file.find("w.f32")->f32();
  EXPECT_EQ(std::vector<float>(floats.begin(), floats.end()),
            (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, -0.0f, 1e-40f}));
  EXPECT_EQ(to_f32(*file.find("w.f32")), std::vector<float>(floats.begin(), floats.end()));
  const auto h = to_f32(*file.find("w.f16"));
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(h[2], std::numeric_limits<float>::infinity());
  EXPECT_EQ(h[3], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(h[4]));
  EXPECT_TRUE(std::signbit(h[5]));
  const auto b = to_f32(*file.find("w.bf16"));
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], std::bit_cast<float>(0x00010000u));
  EXPECT_EQ(b[2], std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(b[3]));
  EXPECT_EQ(to_i64(*file.find("w.i8")), (std::vector<int64_t>{-128, -1, 0, 127}));
  EXPECT_EQ(to_i64(*file.find("ids.i32")),
            (std::vector<int64_t>{50281, -7, std::numeric_limits<int32_t>::max()}));
  EXPECT_EQ(to_i64(*file.find("ids.i64")),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 50282}));
  EXPECT_TRUE(to_f32(*file.find("empty")).empty());

  // from_buffer over the same bytes sees the same tensors.
  std::ifstream again(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  const auto buf = SafetensorsFile::from_buffer(std::as_bytes(std::span(raw)), "mem");
  ASSERT_EQ(buf.tensors().size(), tensors.size());
  EXPECT_EQ(buf.path(), "mem");
  EXPECT_EQ(buf.find("ids.i64")->origin, "mem");
  EXPECT_EQ(to_i64(*buf.find("ids.i64")), to_i64(*file.find("ids.i64")));
}

TEST_F(SafetensorsTest, EmptyFileAndMoves) {
  const std::string path = (dir_ / "empty.safetensors").string();
  write_safetensors(path, {});
  auto file = SafetensorsFile::open(path);
  EXPECT_TRUE(file.tensors().empty());
  EXPECT_TRUE(file.metadata().empty());
  const auto f = as_bytes<float>({7.0f});
  const TensorData t{"x", DType::kF32, {1}, f};
  write_safetensors(path, std::span(&t, 1));  // overwrites in place
  file = SafetensorsFile::open(path);         // move assignment releases the old mapping
  SafetensorsFile moved = std::move(file);
  EXPECT_EQ(moved.find("x")->f32()[0], 7.0f);
}

TEST_F(SafetensorsTest, TensorsAreSortedByOffsetWhateverTheKeyOrder) {
  const auto bytes = make_file(R"({"b":{"dtype":"I8","shape":[2],"data_offsets":[0,2]},)"
                               R"("a":{"dtype":"I8","shape":[1],"data_offsets":[2,3]}})",
                               3);
  const auto file = SafetensorsFile::from_buffer(bytes, "m");
  ASSERT_EQ(file.tensors().size(), 2u);
  EXPECT_EQ(file.tensors()[0].name, "b");
  EXPECT_EQ(file.tensors()[1].name, "a");
}

TEST_F(SafetensorsTest, WriterLeavesNoTemporaryFiles) {
  const auto f = as_bytes<float>({1.0f});
  const TensorData t{"x", DType::kF32, {1}, f};
  write_safetensors((dir_ / "a.safetensors").string(), std::span(&t, 1));
  const TensorData bad{"x", DType::kF32, {2}, f};
  EXPECT_THROW(write_safetensors((dir_ / "b.safetensors").string(), std::span(&bad, 1)), Error);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"a.safetensors"});
}

void expect_write_error(const std::string& path, std::span<const TensorData> tensors,
                        std::initializer_list<std::string> fragments,
                        const std::map<std::string, std::string>& metadata = {}) {
  try {
    write_safetensors(path, tensors, metadata);
    ADD_FAILURE() << "write succeeded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << msg;
  }
}

TEST_F(SafetensorsTest, WriterErrorsNameThePathAndTensor) {
  const std::string path = (dir_ / "w.safetensors").string();
  const auto f = as_bytes<float>({1.0f, 2.0f});
  const std::vector<TensorData> mismatch = {{"t", DType::kF32, {3}, f}};
  expect_write_error(path, mismatch, {"tensor 't'", "8 bytes"});
  const std::vector<TensorData> dup = {{"t", DType::kF32, {1}, std::span(f).first(4)},
                                       {"t", DType::kF32, {1}, std::span(f).last(4)}};
  expect_write_error(path, dup, {"tensor 't'", "twice"});
  const std::vector<TensorData> negative = {{"n", DType::kF32, {-2}, f}};
  expect_write_error(path, negative, {"tensor 'n'", "negative"});
  const std::vector<TensorData> reserved = {{"__metadata__", DType::kF32, {2}, f}};
  expect_write_error(path, reserved, {"reserved"});
  const std::vector<TensorData> bad_utf8 = {{"\xff", DType::kF32, {2}, f}};
  expect_write_error(path, bad_utf8, {"UTF-8"});
  const std::string nowhere = (dir_ / "no_such_dir" / "x.safetensors").string();
  expect_write_error(nowhere, {}, {"temporary file"});
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(SafetensorsTest, OpenErrorsNameThePath) {
  const std::string missing = (dir_ / "missing.safetensors").string();
  EXPECT_THROW(
      {
        try {
          (void)SafetensorsFile::open(missing);
        } catch (const Error& e) {
          EXPECT_EQ(std::string(e.what()).rfind(missing + ": cannot open", 0), 0u) << e.what();
          throw;
        }
      },
      Error);
  try {
    (void)SafetensorsFile::open(dir_.string());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  expect_rejected({}, {"header: file is 0 bytes"});
}

// --- One test per validation rule --------------------------------------------------------------

constexpr const char* kOne = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

TEST_F(SafetensorsTest, RejectsFileShorterThanSizePrefix) {
  expect_rejected(std::vector<std::byte>(5), {"header: file is 5 bytes"});
}

TEST_F(SafetensorsTest, RejectsTruncatedFile) {
  auto bytes = make_file(kOne, 8);
  bytes.resize(bytes.size() - 3);
  expect_rejected(bytes, {"tensor 't'", "data end 8", "past the data section (5 bytes)"});
}

TEST_F(SafetensorsTest, RejectsHeaderSizePastEndOfFile) {
  expect_rejected(make_file(kOne, 8, 1000), {"header: header size 1000 is past the end"});
  expect_rejected(make_file("", 0, 1), {"header: header size 1 is past the end"});
}

TEST_F(SafetensorsTest, RejectsAbsurdHeaderSize) {
  expect_rejected(make_file(kOne, 8, 100'000'001), {"header: header size 100000001 exceeds"});
  expect_rejected(make_file(kOne, 8, ~uint64_t{0}), {"header: header size", "exceeds"});
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotJson) {
  expect_rejected(make_file("{not json}", 0), {"header: not valid JSON"});
  expect_rejected(make_file("", 0), {"header: not valid JSON"});
  expect_rejected(make_file(std::string("{}\0\0", 4), 0), {"header: not valid JSON"});
  expect_rejected(make_file("{\"\xff\":1}", 0), {"header: not valid JSON"});  // not UTF-8
  expect_rejected(make_file(std::string(10000, '[') + std::string(10000, ']'), 0),
                  {"header: JSON nested deeper"});
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotAnObject) {
  expect_rejected(make_file("[1, 2]", 0), {"header: not a JSON object"});
  expect_rejected(make_file("\"str\"", 0), {"header: not a JSON object"});
}

TEST_F(SafetensorsTest, RejectsMetadataThatIsNotAMapOfStrings) {
  expect_rejected(make_file(R"({"__metadata__":{"a":1}})", 0),
                  {"header: '__metadata__' value of 'a' is not a string"});
  expect_rejected(make_file(R"({"__metadata__":["a"]})", 0),
                  {"header: '__metadata__' is not a JSON object"});
  // An explicit null is what the reference crate reads as "no metadata".
  EXPECT_NO_THROW(
      (void)SafetensorsFile::from_buffer(make_file(R"({"__metadata__":null})", 0), "m"));
}

TEST_F(SafetensorsTest, RejectsEntryThatIsNotAnObject) {
  expect_rejected(make_file(R"({"t":[1]})", 0), {"tensor 't': entry is not a JSON object"});
}

TEST_F(SafetensorsTest, RejectsEntryMissingAField) {
  expect_rejected(make_file(R"({"t":{"shape":[2],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': missing 'dtype'"});
  expect_rejected(make_file(R"({"t":{"dtype":"F32","data_offsets":[0,8]}})", 8),
                  {"tensor 't': missing 'shape'"});
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":[2]}})", 8),
                  {"tensor 't': missing 'data_offsets'"});
}

TEST_F(SafetensorsTest, RejectsUnknownDtype) {
  expect_rejected(make_file(R"({"t":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': unsupported dtype 'F64'"});
  expect_rejected(make_file(R"({"t":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4),
                  {"tensor 't': 'dtype' is not a string"});
}

TEST_F(SafetensorsTest, RejectsBadShapeDims) {
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': 'shape' has negative dim -2"});
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': 'shape' has a dim that is not a non-negative integer"});
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': 'shape' has a dim"});
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8),
                  {"tensor 't': 'shape' is not an array"});
  expect_rejected(
      make_file(R"({"t":{"dtype":"I8","shape":[9223372036854775808],"data_offsets":[0,8]}})", 8),
      {"tensor 't': 'shape' dim 9223372036854775808 is too large"});
}

TEST_F(SafetensorsTest, RejectsShapeProductOverflow) {
  expect_rejected(
      make_file(R"({"t":{"dtype":"I8","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}})",
                0),
      {"tensor 't': shape [4294967296, 4294967296, 0] x I8 overflows"});
  // numel fits in int64 but numel x 8 bytes does not.
  expect_rejected(
      make_file(R"({"t":{"dtype":"I64","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0),
      {"tensor 't'", "overflows"});
}

TEST_F(SafetensorsTest, RejectsOffsetsThatAreNotTwoIncreasingIntegers) {
  for (const char* offsets : {"[0]", "[0,4,8]", "[\"0\",\"8\"]", "[-1,7]", "[0.0,8]", "8"}) {
    expect_rejected(
        make_file(
            std::string(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":)") + offsets + "}}", 8),
        {"tensor 't': 'data_offsets' is not two non-negative integers"});
  }
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", 8),
                  {"tensor 't': 'data_offsets' [8, 0] decrease"});
}

TEST_F(SafetensorsTest, RejectsOffsetsPastTheEnd) {
  expect_rejected(make_file(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
                  {"tensor 't': data end 8 is past the data section (4 bytes)"});
  expect_rejected(make_file(R"({"t":{"dtype":"I8","shape":[0],)"
                            R"("data_offsets":[18446744073709551615,18446744073709551615]}})",
                            4),
                  {"tensor 't': data end 18446744073709551615 is past"});
}

TEST_F(SafetensorsTest, RejectsOverlappingTensors) {
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            12),
                  {"tensor 'b': data [4, 12) overlaps tensor 'a'"});
  // Two names for the same bytes.
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                            8),
                  {"tensor 'b'", "overlaps tensor 'a'"});
}

TEST_F(SafetensorsTest, RejectsGapsAndTrailingBytesLikeTheReferenceCrate) {
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                            12),
                  {"tensor 'b': gap of 4 bytes before data begin 8"});
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                  {"tensor 'a': gap of 4 bytes"});
  expect_rejected(make_file(kOne, 12),
                  {"header: 4 bytes after the last tensor (data section is 12 bytes)"});
}

TEST_F(SafetensorsTest, RejectsWrongByteLength) {
  expect_rejected(make_file(R"({"t":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}})", 8),
                  {"tensor 't': shape [2, 3] x BF16 needs 12 bytes, but data_offsets span 8"});
}

TEST_F(SafetensorsTest, EscapesHostileNamesInMessages) {
  expect_rejected(make_file(R"({"a\nb\u0001":{"dtype":"X","shape":[],"data_offsets":[0,0]}})", 0),
                  {"tensor 'a\\x0ab\\x01'"});
  const std::string long_name(1000, 'n');
  try {
    (void)SafetensorsFile::from_buffer(make_file("{\"" + long_name + "\":1}", 0), "m");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u) << e.what();
  }
}

TEST_F(SafetensorsTest, F32ViewChecksDtypeAndAlignment) {
  // An odd-sized F16 tensor first pushes the F32 tensor off its 4-byte alignment.
  const auto h = as_bytes<uint16_t>({0x3c00});
  const auto f = as_bytes<float>({2.5f});
  const std::vector<TensorData> tensors = {{"h", DType::kF16, {1}, h}, {"f", DType::kF32, {1}, f}};
  const std::string path = (dir_ / "mis.safetensors").string();
  write_safetensors(path, tensors);
  const auto file = SafetensorsFile::open(path);
  try {
    (void)file.find("f")->f32();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": tensor 'f': F32 data is not 4-byte aligned (use to_f32 to copy it)");
  }
  EXPECT_EQ(to_f32(*file.find("f")), std::vector<float>{2.5f});
  try {
    (void)file.find("h")->f32();
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": tensor 'h': is F16, not F32");
  }
  EXPECT_THROW((void)to_i64(*file.find("h")), Error);
  EXPECT_THROW((void)to_f32(TensorView{"o", "i", DType::kI32, {0}, nullptr, 0}), Error);
}

// Resident pages of this process (/proc/self/statm), in bytes.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// 4 MB of distinct floats, as a tensor to write.
std::vector<float> big_tensor_values() {
  std::vector<float> values(std::size_t{1} << 20);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 9973) - 7.5f;
  return values;
}

TEST_F(SafetensorsTest, ReleaseDropsAMappedTensorsPagesAndItStillReadsBack) {
  const std::vector<float> values = big_tensor_values();
  const std::string path = (dir_ / "big.safetensors").string();
  const TensorData t{
      "w", DType::kF32, {static_cast<int64_t>(values.size())}, std::as_bytes(std::span(values))};
  write_safetensors(path, std::span(&t, 1));
  const auto file = SafetensorsFile::open(path);
  const TensorView& w = *file.find("w");
  float sum = 0.0f;
  for (float v : w.f32()) sum += v;  // every page resident
  const std::size_t before = resident_bytes();
  file.release(w);
  const std::size_t after = resident_bytes();
  EXPECT_GE(before, after + (std::size_t{3} << 20)) << "before " << before << ", after " << after;
  // Released pages come back from the file when read again.
  EXPECT_TRUE(std::equal(values.begin(), values.end(), w.f32().begin()));
  EXPECT_NE(sum, 0.0f);
}

TEST_F(SafetensorsTest, ReleaseLeavesMemoryItDoesNotMapAlone) {
  const std::vector<float> values = big_tensor_values();
  const TensorData t{
      "w", DType::kF32, {static_cast<int64_t>(values.size())}, std::as_bytes(std::span(values))};
  const std::string path = (dir_ / "big.safetensors").string();
  write_safetensors(path, std::span(&t, 1));
  std::vector<std::byte> raw(fs::file_size(path));
  std::ifstream(path, std::ios::binary)
      .read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  // The caller's buffer: dropping its pages would zero them.
  const auto buffer = SafetensorsFile::from_buffer(raw, "mem");
  const TensorView& in_buffer = *buffer.find("w");
  buffer.release(in_buffer);
  EXPECT_TRUE(std::equal(values.begin(), values.end(), in_buffer.f32().begin()));
  // Nor does a mapped file release a tensor of another file.
  const auto mapped = SafetensorsFile::open(path);
  mapped.release(in_buffer);
  EXPECT_TRUE(std::equal(values.begin(), values.end(), in_buffer.f32().begin()));
}

}  // namespace
}  // namespace kompress::weights
