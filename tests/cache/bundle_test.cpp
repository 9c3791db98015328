// Tests for cache bundles: export/import round trip, skipping entries that
// exist, and refusing a damaged bundle whole.
#include "cache/bundle.h"

#include "cache/cache.h"
#include "tests/cache/cache_test_util.h"

namespace kjit::cache::testing {
namespace {

class BundleTest : public TempDirTest {
 protected:
  std::unique_ptr<Cache> open_at(const fs::path& dir) {
    auto c = Cache::open({dir});
    EXPECT_TRUE(c) << (c ? "" : c.error().message);
    return c ? std::move(*c) : nullptr;
  }
};

TEST_F(BundleTest, ExportImportRoundTrip) {
  auto src = open_at(m_dir / "a");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(src->insert(make_entry(i, 100 + 50 * i)));
  auto out = src->export_bundle(m_dir / "warm.kjitbundle");
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->entries, 5u);
  EXPECT_EQ(out->bytes, fs::file_size(m_dir / "warm.kjitbundle"));

  auto dst = open_at(m_dir / "b");
  ASSERT_TRUE(dst->insert(make_entry(0, 100)));  // already present: kept, skipped
  auto in = dst->import_bundle(m_dir / "warm.kjitbundle");
  ASSERT_TRUE(in) << in.error().message;
  EXPECT_EQ(in->entries, 4u);
  EXPECT_EQ(in->skipped, 1u);
  for (int i = 0; i < 5; ++i) {
    auto hit = dst->lookup(key_for(i));
    ASSERT_TRUE(hit && *hit);
    EXPECT_EQ(**hit, make_entry(i, 100 + 50 * i));
  }
  auto again = dst->import_bundle(m_dir / "warm.kjitbundle");
  EXPECT_EQ(again->entries, 0u);
  EXPECT_EQ(again->skipped, 5u);
}

TEST_F(BundleTest, EmptyCacheExportsAValidBundle) {
  auto src = open_at(m_dir / "a");
  ASSERT_TRUE(src->export_bundle(m_dir / "empty.kjitbundle"));
  auto in = open_at(m_dir / "b")->import_bundle(m_dir / "empty.kjitbundle");
  ASSERT_TRUE(in);
  EXPECT_EQ(in->entries, 0u);
}

// A flipped byte anywhere — header, an entry's metadata or blob, the trailer
// — refuses the whole bundle and imports nothing.
TEST_F(BundleTest, DamagedBundleIsRefusedWhole) {
  auto src = open_at(m_dir / "a");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(src->insert(make_entry(i)));
  auto bundle = m_dir / "warm.kjitbundle";
  ASSERT_TRUE(src->export_bundle(bundle));
  auto good = *Env::posix()->read_file(bundle);
  for (std::size_t offset : {std::size_t{0}, std::size_t{9}, std::size_t{40}, good.size() / 2, good.size() - 20,
                             good.size() - 1}) {
    SCOPED_TRACE(offset);
    auto bad = good;
    bad[offset] ^= 0x20;
    auto damaged = m_dir / ("bad" + std::to_string(offset));
    ASSERT_TRUE(write_new_file(*Env::posix(), damaged, bad));
    fs::remove_all(m_dir / "b");
    auto dst = open_at(m_dir / "b");
    auto r = dst->import_bundle(damaged);
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().code == ErrorCode::corruption || r.error().code == ErrorCode::invalid_argument)
        << r.error().message;
    EXPECT_EQ(dst->stats()->entries, 0u);
    EXPECT_EQ(count_files(dst->paths().objects_dir()), 0u);
  }
  // Truncated, or with bytes appended: refused too.
  for (auto bad : {std::vector<std::uint8_t>(good.begin(), good.end() - 5), [&] {
         auto v = good;
         v.push_back(0);
         return v;
       }()}) {
    auto r = parse_bundle(bad, "x");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::corruption);
  }
}

TEST_F(BundleTest, MissingBundleIsNotFound) {
  auto r = open_at(m_dir / "a")->import_bundle(m_dir / "nope.kjitbundle");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace kjit::cache::testing
