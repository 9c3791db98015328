// The remote value format (remote_value.h): round trip, and every kind of
// damage refused with a reason.
#include <gtest/gtest.h>

#include "cache/remote/remote_value.h"
#include "tests/cache/cache_test_util.h"

namespace kjit::cache::remote {
namespace {

using cache::testing::key_for;
using cache::testing::make_entry;

TEST(RemoteValueTest, RoundTrip) {
  Entry e = make_entry(1, 100 * 1024);
  std::string v = encode_value(e);
  EXPECT_TRUE(v.starts_with(k_value_magic));
  auto d = decode_value(v, e.key);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, e);
  std::size_t need = 0;
  std::string meta = value_metadata(v, &need);
  EXPECT_NE(meta.find("\"definition\":\"rmsnorm_h256\""), std::string::npos) << meta;
  EXPECT_EQ(value_metadata(v.substr(0, 20), &need), "");  // cut inside the metadata
  EXPECT_GT(need, 20u);
  EXPECT_EQ(value_metadata(v.substr(0, 10), &need), "");  // cut before its length
  EXPECT_EQ(need, 0u);
}

TEST(RemoteValueTest, DamageIsRefused) {
  Entry e = make_entry(2);
  const std::string v = encode_value(e);
  std::string flipped = v;
  flipped[v.size() / 2] ^= 1;
  std::string bad_digest = v;
  bad_digest.back() ^= 1;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "bad magic"},
      {"KJITRV01", "bad magic or too short"},
      {"KJITRV02" + v.substr(8), "bad magic"},
      {v.substr(0, v.size() - 1), "checksum"},
      {flipped, "checksum"},
      {bad_digest, "checksum"},
      {v + "x", "checksum"},
  };
  for (const auto& [bytes, why] : cases) {
    auto d = decode_value(bytes, e.key);
    ASSERT_FALSE(d) << why;
    EXPECT_EQ(d.error().code, ErrorCode::corruption);
    EXPECT_NE(d.error().message.find(why), std::string::npos) << d.error().message;
  }
  auto other = decode_value(v, key_for(3));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("another key"), std::string::npos);
  EXPECT_EQ(value_fingerprint(v), v.substr(v.size() - 16));
}

}  // namespace
}  // namespace kjit::cache::remote
