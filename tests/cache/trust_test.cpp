// Cache tests for what the cache may read and when it must still serve
// (issue #19): special files at blob paths (#19.7), statistics that cannot be
// written (#19.3: full disk, read-only), read-only caches, and structural
// checks of imported entries (#19.2; the key binding itself is tested in
// tests/cli/trust_bundle_test.cpp with real compiles).
#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <future>

#include "tests/cache/cache_test_util.h"
#include "tests/fakes/fault_env.h"

namespace kjit::cache::testing {
namespace {

using fakes::FaultEnv;

class TrustTest : public TempDirTest {
 protected:
  // Inserts entry 1 and returns the path of its cubin blob.
  fs::path warm_one() {
    auto cache = open_cache();
    EXPECT_TRUE(cache->insert(make_entry(1)));
    return blob_path(*cache, make_entry(1).cubin);
  }
};

// A blob replaced by a link to /dev/zero used to be read until bad_alloc.
TEST_F(TrustTest, BlobLinkedToDevZeroIsCorruptionNotAnEndlessRead) {
  fs::path blob = warm_one();
  fs::remove(blob);
  fs::create_symlink("/dev/zero", blob);
  auto cache = open_cache();
  auto r = cache->lookup(key_for(1));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);  // a miss: the entry is dropped
  EXPECT_EQ((*cache->stats())[Counter::corrupt_detected], 1u);
  EXPECT_FALSE(fs::is_symlink(fs::symlink_status(blob)));  // moved to quarantine/
}

// A FIFO at a blob path used to hang `get` (open(2) blocks until a writer).
TEST_F(TrustTest, BlobReplacedByFifoDoesNotHang) {
  fs::path blob = warm_one();
  fs::remove(blob);
  ASSERT_EQ(::mkfifo(blob.c_str(), 0644), 0);
  auto cache = open_cache();
  auto pending = std::async(std::launch::async, [&] { return cache->lookup(key_for(1)); });
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "lookup hangs on a FIFO";
  auto r = pending.get();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(*r);
  EXPECT_EQ((*cache->stats())[Counter::corrupt_detected], 1u);
}

TEST_F(TrustTest, EnvReadsOnlyRegularFilesAndAtMostTheLimit) {
  Env& env = *Env::posix();
  std::ofstream(m_dir / "f", std::ios::binary) << std::string(100, 'x');
  auto big = env.read_file(m_dir / "f", {.no_follow = true, .max_bytes = 99});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::corruption);
  EXPECT_NE(big.error().message.find("more than the 99 expected"), std::string::npos) << big.error().message;
  EXPECT_EQ(env.read_file(m_dir / "f", {.max_bytes = 100})->size(), 100u);
  fs::create_symlink(m_dir / "f", m_dir / "link");
  EXPECT_FALSE(env.read_file(m_dir / "link", {.no_follow = true}));
  EXPECT_TRUE(env.read_file(m_dir / "link"));  // bundles and keys may be links
  auto dir = env.read_file(m_dir);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("is a folder"), std::string::npos) << dir.error().message;
  ASSERT_EQ(::mkfifo((m_dir / "fifo").c_str(), 0644), 0);
  auto fifo = env.read_file(m_dir / "fifo");
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message.find("is a FIFO"), std::string::npos) << fifo.error().message;
}

// Statistics that cannot be written (a full disk, here injected at the flush)
// must not refuse hits: 9/9 hits used to exit 1 with "database or disk is full".
TEST_F(TrustTest, HitsAreServedWhenStatisticsCannotBeWritten) {
  warm_one();
  FaultEnv env;
  env.inject_checkpoint("stats.flush");
  ::testing::internal::CaptureStderr();
  {
    auto cache = open_cache(2ull << 30, &env);
    for (int i = 0; i < 9; ++i) {
      auto r = cache->lookup(key_for(1));
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_TRUE(*r) << "hit " << i;
      cache->flush_stats();  // fails (injected), warned once
    }
  }
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("were not recorded"), std::string::npos) << err;
  EXPECT_EQ(err.find("were not recorded"), err.rfind("were not recorded")) << "one warning per Cache:\n" << err;
  env.clear_faults();
  auto cache = open_cache();
  EXPECT_EQ((*cache->stats())[Counter::hits], 0u);  // dropped, not written later
}

// Statistics are batched: lookups write nothing until a flush.
TEST_F(TrustTest, HitStatisticsAreWrittenInOneBatch) {
  warm_one();
  auto cache = open_cache();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(*cache->lookup(key_for(1)));
  ASSERT_FALSE(*cache->lookup(key_for(7)));
  auto st = cache->stats();  // flushes first
  EXPECT_EQ((*st)[Counter::hits], 5u);
  EXPECT_EQ((*st)[Counter::misses], 1u);
  EXPECT_EQ(cache->list()->at(0).hits, 5u);
}

// Every cold process whose index nobody else has open re-reads the whole WAL
// (SQLite rebuilds its -shm index), and every hit appends its statistics to
// it: the WAL must stay short (index.cpp: a checkpoint every 64 pages).
TEST_F(TrustTest, WalStaysShortOverManyColdHits) {
  warm_one();
  for (int i = 0; i < 200; ++i) {
    auto cache = open_cache();  // one CLI process: open, hit, write statistics, close
    ASSERT_TRUE(*cache->lookup(key_for(1)));
  }
  const fs::path wal = cache_dir() / "index.sqlite-wal";
  const auto size = fs::exists(wal) ? fs::file_size(wal) : 0;
  EXPECT_LT(size, 100u * 4096) << "the WAL grows with every hit";
  EXPECT_EQ((*open_cache()->stats())[Counter::hits], 200u);
}

// KJIT_CACHE_READONLY / --read-only: hits served, nothing written, misses
// compiled into memory.
TEST_F(TrustTest, ReadOnlyCacheServesHitsAndWritesNothing) {
  warm_one();
  {
    auto c = open_cache();
    ASSERT_TRUE(c->gc());  // checkpoints the WAL into index.sqlite
  }
  auto before = count_files(cache_dir());
  auto index_time = fs::last_write_time(cache_dir() / "index.sqlite");
  auto opened = Cache::open({cache_dir(), 2ull << 30, nullptr, /*read_only=*/true});
  ASSERT_TRUE(opened) << opened.error().message;
  Cache& cache = **opened;
  EXPECT_TRUE(cache.read_only());
  auto hit = cache.lookup(key_for(1));
  ASSERT_TRUE(hit && *hit);
  int compiles = 0;
  auto miss = cache.get_or_compile(key_for(2), [&]() -> Result<Entry> {
    ++compiles;
    return make_entry(2);
  });
  ASSERT_TRUE(miss) << miss.error().message;
  EXPECT_EQ(miss->outcome, Outcome::compiled);
  EXPECT_EQ(compiles, 1);
  auto insert = cache.insert(make_entry(3));
  ASSERT_FALSE(insert);
  EXPECT_NE(insert.error().message.find("is read-only"), std::string::npos) << insert.error().message;
  EXPECT_FALSE(cache.gc());
  EXPECT_FALSE(cache.import_bundle(m_dir / "any.kjitbundle"));
  opened->reset();
  EXPECT_EQ(count_files(cache_dir()), before);
  EXPECT_EQ(fs::last_write_time(cache_dir() / "index.sqlite"), index_time);
  EXPECT_FALSE(fs::exists(cache_dir() / "locks" / (key_for(2) + ".lock")));
}

// A cache on a read-only mount is detected and served read-only. As root
// (where chmod does not stop writes) a read-only bind mount is used.
TEST_F(TrustTest, ReadOnlyMountIsDetected) {
  warm_one();
  {
    auto c = open_cache();
    ASSERT_TRUE(c->gc());
  }
  fs::path view = m_dir / "view";
  fs::create_directories(view);
  bool mounted = false;
  if (::geteuid() == 0) {
    mounted = ::mount(cache_dir().c_str(), view.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
              ::mount(nullptr, view.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    if (!mounted) GTEST_SKIP() << "root without CAP_SYS_ADMIN: cannot make a read-only bind mount";
  } else {
    fs::remove(view);
    fs::rename(cache_dir(), view);
    fs::permissions(view, fs::perms::owner_read | fs::perms::owner_exec);
  }
  {
    auto opened = Cache::open({view});
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_TRUE((*opened)->read_only());
    auto hit = (*opened)->lookup(key_for(1));
    ASSERT_TRUE(hit) << hit.error().message;
    EXPECT_TRUE(*hit);
  }
  if (mounted) ::umount(view.c_str());
}

// A read-only image whose WAL was not checkpointed but whose -shm exists is
// read through the WAL (mode=ro), so its entries are all visible.
TEST_F(TrustTest, ReadOnlyOpenReadsTheWal) {
  warm_one();  // no gc: the row is still in index.sqlite-wal
  ASSERT_TRUE(fs::exists(cache_dir() / "index.sqlite-wal"));
  auto opened = Cache::open({cache_dir(), 2ull << 30, nullptr, true});
  ASSERT_TRUE(opened) << opened.error().message;
  auto hit = (*opened)->lookup(key_for(1));
  ASSERT_TRUE(hit && *hit);
}

TEST_F(TrustTest, ReadOnlyCacheWithoutIndexIsAClearError) {
  fs::create_directories(cache_dir());
  auto r = Cache::open({cache_dir(), 2ull << 30, nullptr, true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("has no index"), std::string::npos) << r.error().message;
}

// Import runs the verifier on every entry before storing any.
TEST_F(TrustTest, ImportRefusesTheWholeBundleNamingTheBadEntry) {
  {
    auto src = open_cache();
    ASSERT_TRUE(src->insert(make_entry(1)));
    Entry bad = make_entry(2);
    bad.launch_plan_json = "{not json";
    ASSERT_TRUE(src->insert(bad));
    ASSERT_TRUE(src->export_bundle(m_dir / "b.kjitbundle"));
  }
  auto dst = Cache::open({m_dir / "dst"});
  ASSERT_TRUE(dst);
  auto r = (*dst)->import_bundle(m_dir / "b.kjitbundle");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(key_for(2)), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("launch plan is not JSON"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("nothing was imported"), std::string::npos) << r.error().message;
  EXPECT_EQ((*dst)->stats()->entries, 0u);
}

TEST_F(TrustTest, SignedBundlesNeedTheirKey) {
  {
    auto src = open_cache();
    ASSERT_TRUE(src->insert(make_entry(1)));
    BundleSigning k1{std::vector<std::uint8_t>(32, 1)};
    ASSERT_TRUE(src->export_bundle(m_dir / "signed.kjitbundle", k1));
    ASSERT_TRUE(src->export_bundle(m_dir / "plain.kjitbundle"));
  }
  auto dst = Cache::open({m_dir / "dst"});
  ASSERT_TRUE(dst);
  BundleSigning k1{std::vector<std::uint8_t>(32, 1)}, k2{std::vector<std::uint8_t>(32, 2)};
  auto wrong = (*dst)->import_bundle(m_dir / "signed.kjitbundle", k2);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("signed with another key"), std::string::npos) << wrong.error().message;
  auto unsigned_ = (*dst)->import_bundle(m_dir / "plain.kjitbundle", k1);
  ASSERT_FALSE(unsigned_);
  EXPECT_NE(unsigned_.error().message.find("is not signed"), std::string::npos) << unsigned_.error().message;
  BundleSigning require_without_key;
  require_without_key.require = true;
  EXPECT_FALSE((*dst)->import_bundle(m_dir / "signed.kjitbundle", require_without_key));
  EXPECT_EQ((*dst)->stats()->entries, 0u);
  auto right = (*dst)->import_bundle(m_dir / "signed.kjitbundle", k1);
  ASSERT_TRUE(right) << right.error().message;
  EXPECT_EQ(right->entries, 1u);
  // A signed bundle changed after signing (checksums recomputed by a forger
  // cannot fix the MAC): flip a byte of the signature itself.
  fs::copy_file(m_dir / "signed.kjitbundle", m_dir / "forged.kjitbundle");
  flip_byte(m_dir / "forged.kjitbundle", fs::file_size(m_dir / "forged.kjitbundle") - 1);
  auto dst2 = Cache::open({m_dir / "dst2"});
  ASSERT_TRUE(dst2);
  EXPECT_FALSE((*dst2)->import_bundle(m_dir / "forged.kjitbundle", k1));
}

}  // namespace
}  // namespace kjit::cache::testing
