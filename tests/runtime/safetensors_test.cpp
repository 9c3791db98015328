// Tests for safetensors I/O: round trips for every dtype, metadata, the
// exact byte layout, and strict rejection of malformed headers.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/safetensors.h"
#include "tests/common/temp_dir.h"

namespace kjit::runtime {
namespace {

class SafetensorsTest : public ::testing::Test {
 protected:
  // A file whose header is `json` followed by `data_bytes` zero bytes.
  std::vector<std::uint8_t> raw(const std::string& json, std::size_t data_bytes) {
    std::vector<std::uint8_t> out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(json.size() >> (8 * i)));
    out.insert(out.end(), json.begin(), json.end());
    out.resize(out.size() + data_bytes, 0);
    return out;
  }

  ::kjit::testing::TempDir m_tmp{"kjit-safetensors"};
  std::filesystem::path m_dir = m_tmp.path();
};

TEST_F(SafetensorsTest, RoundTripsEveryDtypeWithMetadata) {
  std::map<std::string, HostTensor> tensors;
  const Dtype dtypes[] = {Dtype::float32, Dtype::float16,  Dtype::bfloat16, Dtype::float8_e4m3fn,
                          Dtype::float8_e5m2, Dtype::float4_e2m1, Dtype::int8, Dtype::int16,
                          Dtype::int32, Dtype::int64, Dtype::boolean};
  for (Dtype d : dtypes) {
    HostTensor t = HostTensor::zeros(d, {2, 3});
    for (int i = 0; i < 6; ++i) t.set(i, (i % 2 ? -1.0 : 1.0) * (i * 0.5));
    tensors[std::string(jit::dtype_name(d))] = t;
  }
  tensors["scalar0d"] = HostTensor::zeros(Dtype::float32, {});
  tensors["empty"] = HostTensor::zeros(Dtype::int32, {0, 4});
  const auto path = m_dir / "all.safetensors";
  ASSERT_TRUE(write_safetensors(path, tensors, {{"producer", "kjit"}}).has_value());
  auto header = read_safetensors_header(path);
  ASSERT_TRUE(header.has_value()) << header.error().message;
  EXPECT_EQ(header->metadata.at("producer"), "kjit");
  EXPECT_EQ(header->data_start % 8, 0);
  EXPECT_EQ(header->find("bfloat16")->dtype, "BF16");
  EXPECT_EQ(header->find("float4_e2m1")->dtype, "F4");
  EXPECT_EQ(header->find("float8_e4m3fn")->dtype, "F8_E4M3");
  auto back = read_safetensors(path);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  ASSERT_EQ(back->size(), tensors.size());
  for (const auto& [name, t] : tensors) {
    const HostTensor& b = back->at(name);
    EXPECT_EQ(b.dtype, t.dtype) << name;
    EXPECT_EQ(b.shape, t.shape) << name;
    EXPECT_EQ(b.bytes, t.bytes) << name;
  }
  auto one = read_safetensors_tensor(path, "int64");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->get(5), -2.0);  // -2.5 truncated toward zero
}

TEST_F(SafetensorsTest, ExactLayout) {
  std::map<std::string, HostTensor> tensors;
  tensors["a"] = *HostTensor::from_doubles(Dtype::int32, {2}, std::vector<double>{1, 2});
  auto bytes = encode_safetensors(tensors);
  ASSERT_TRUE(bytes.has_value());
  const std::string expect_json = R"({"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})";
  std::uint64_t len = 0;
  for (int i = 7; i >= 0; --i) len = (len << 8) | (*bytes)[static_cast<std::size_t>(i)];
  EXPECT_EQ(len % 8, 0u);
  const std::string json(bytes->begin() + 8, bytes->begin() + 8 + static_cast<long>(len));
  EXPECT_EQ(json.substr(0, expect_json.size()), expect_json);
  EXPECT_EQ(bytes->size(), 8 + len + 8);
  EXPECT_EQ((*bytes)[8 + len], 1);
  EXPECT_EQ((*bytes)[8 + len + 4], 2);
}

TEST_F(SafetensorsTest, RejectsMalformedHeaders) {
  struct Case {
    std::string json;
    std::size_t data;
    std::string message_part;
  } cases[] = {
      {"not json", 0, "not valid JSON"},
      {"[1,2]", 0, "not a JSON object"},
      {R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", 4, "unknown dtype 'Q7'"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4, "data_offsets span 4 bytes"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", 4, "beyond the data section"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4, "begin after end"},
      {R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4, "non-negative integer"},
      {R"({"a":{"dtype":"F32","shape":[1]}})", 4, "data_offsets"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
       4, "overlaps"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8, "belong to no tensor"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 12, "cover 4"},
      {R"({"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", 2, "whole bytes"},
      {R"({"__metadata__":{"k":1}})", 0, "not a string"},
  };
  for (const auto& c : cases) {
    const auto bytes = raw(c.json, c.data);
    auto r = decode_safetensors(bytes, "bad.safetensors");
    ASSERT_FALSE(r.has_value()) << c.json;
    EXPECT_EQ(r.error().code, ErrorCode::corruption) << c.json;
    EXPECT_NE(r.error().message.find("bad.safetensors: "), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
        << c.json << " -> " << r.error().message;
  }
  // Length field larger than the file.
  std::vector<std::uint8_t> truncated = raw("{}", 0);
  truncated[0] = 200;
  EXPECT_NE(decode_safetensors(truncated, "t").error().message.find("exceeds the file"),
            std::string::npos);
  EXPECT_FALSE(decode_safetensors(std::vector<std::uint8_t>{1, 2}, "t").has_value());
}

TEST_F(SafetensorsTest, MalformedFileOnDiskNamesTheFile) {
  const auto path = m_dir / "broken.safetensors";
  const auto bytes = raw(R"({"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,6]}})", 6);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  auto r = read_safetensors(path);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path.string()), std::string::npos);
  EXPECT_EQ(read_safetensors(m_dir / "missing.safetensors").error().code, ErrorCode::not_found);
}

TEST_F(SafetensorsTest, MissingKeyAndUnloadableDtype) {
  const auto path = m_dir / "u8.safetensors";
  const auto bytes = raw(R"({"u":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})", 2);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(read_safetensors_header(path).has_value());
  auto r = read_safetensors_tensor(path, "u");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("U8"), std::string::npos);
  auto m = read_safetensors_tensor(path, "nope");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::not_found);
  EXPECT_NE(m.error().message.find("tensors: u"), std::string::npos);
}

TEST_F(SafetensorsTest, WriterRejectsOddFp4AndBadByteCount) {
  std::map<std::string, HostTensor> t;
  t["f"] = HostTensor::zeros(Dtype::float4_e2m1, {3});
  EXPECT_FALSE(encode_safetensors(t).has_value());
  t.clear();
  HostTensor bad = HostTensor::zeros(Dtype::float32, {2});
  bad.bytes.pop_back();
  t["b"] = bad;
  EXPECT_FALSE(encode_safetensors(t).has_value());
}

}  // namespace
}  // namespace kjit::runtime
