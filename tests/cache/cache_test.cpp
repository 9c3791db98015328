// Tests for the Cache facade on one process: hits and misses, corruption
// handling, crash between blob write and index insert, remembered failures,
// eviction, gc/verify/clear, listing, schema versions, unusable directories.
#include "cache/cache.h"

#include <sqlite3.h>
#include <sys/wait.h>

#include "tests/cache/cache_test_util.h"
#include "tests/fakes/fault_env.h"

namespace kjit::cache::testing {
namespace {

using fakes::FaultEnv;

class CacheTest : public TempDirTest {};

// A fake compile of entry `n` that counts its calls.
std::function<Result<Entry>()> fake_compile(int n, int& calls) {
  return [n, &calls]() -> Result<Entry> {
    ++calls;
    return make_entry(n);
  };
}

TEST_F(CacheTest, MissThenCompileThenHit) {
  auto cache = open_cache();
  int calls = 0;
  auto first = cache->get_or_compile(key_for(1), fake_compile(1, calls));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->outcome, Outcome::compiled);
  auto second = cache->get_or_compile(key_for(1), fake_compile(1, calls));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->outcome, Outcome::hit);
  EXPECT_EQ(second->entry, make_entry(1));  // every field round-trips
  EXPECT_EQ(calls, 1);
  auto st = cache->stats();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->entries, 1u);
  EXPECT_EQ((*st)[cache::Counter::hits], 1u);
  EXPECT_EQ((*st)[cache::Counter::misses], 1u);
  EXPECT_EQ((*st)[cache::Counter::compiles], 1u);
  EXPECT_EQ(st->bytes, make_entry(1).cubin.size() + make_entry(1).source.size());
  auto rows = cache->list();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].hits, 1u);
}

TEST_F(CacheTest, HitSurvivesReopen) {
  ASSERT_TRUE(open_cache()->insert(make_entry(2)));
  auto cache = open_cache();
  auto hit = cache->lookup(key_for(2));
  ASSERT_TRUE(hit && *hit);
  EXPECT_EQ(**hit, make_entry(2));
  auto miss = cache->lookup(key_for(3));
  ASSERT_TRUE(miss);
  EXPECT_FALSE(*miss);
  EXPECT_EQ((*cache->stats())[cache::Counter::misses], 1u);
  EXPECT_EQ((*cache->stats())[cache::Counter::hits], 1u);
}

TEST_F(CacheTest, InvalidKeyIsRejected) {
  auto cache = open_cache();
  for (std::string key : {std::string(), std::string("../etc/passwd"), std::string("a b"), std::string(129, 'a')}) {
    auto r = cache->lookup(key);
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  }
}

// Damage to either blob: detected, quarantined, counted, recompiled; the bad
// bytes are never returned.
TEST_F(CacheTest, DamagedBlobIsQuarantinedAndRecompiled) {
  struct Case {
    const char* name;
    bool source_blob;
    bool truncate;
  };
  for (const Case& c : {Case{"flipped cubin byte", false, false}, Case{"truncated cubin", false, true},
                        Case{"flipped source byte", true, false}, Case{"truncated source", true, true}}) {
    SCOPED_TRACE(c.name);
    fs::remove_all(cache_dir());
    auto cache = open_cache();
    Entry e = make_entry(4);
    ASSERT_TRUE(cache->insert(e));
    auto blob = c.source_blob ? blob_path(*cache, e.source) : blob_path(*cache, e.cubin);
    if (c.truncate) fs::resize_file(blob, fs::file_size(blob) / 2);
    else flip_byte(blob, 10);

    auto miss = cache->lookup(e.key);
    ASSERT_TRUE(miss);
    EXPECT_FALSE(*miss);
    auto st = cache->stats();
    EXPECT_EQ((*st)[cache::Counter::corrupt_detected], 1u);
    EXPECT_EQ(st->entries, 0u);
    EXPECT_EQ(count_files(cache->paths().quarantine_dir()), 1u);

    int calls = 0;
    auto again = cache->get_or_compile(e.key, fake_compile(4, calls));
    ASSERT_TRUE(again);
    EXPECT_EQ(again->outcome, Outcome::compiled);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(again->entry.cubin, e.cubin);
    auto hit = cache->lookup(e.key);
    ASSERT_TRUE(hit && *hit);
    EXPECT_EQ((*hit)->cubin, e.cubin);
    EXPECT_EQ((*hit)->source, e.source);
  }
}

TEST_F(CacheTest, CrashBetweenBlobWriteAndIndexInsertLeavesNoEntry) {
  FaultEnv env;
  env.inject_checkpoint("insert.blobs_written");
  auto cache = open_cache(2ull << 30, &env);
  int calls = 0;
  auto r = cache->get_or_compile(key_for(5), fake_compile(5, calls));
  ASSERT_FALSE(r);
  EXPECT_EQ(count_files(cache->paths().objects_dir()), 2u);  // cubin + source, orphaned
  env.clear_faults();
  EXPECT_FALSE(*cache->lookup(key_for(5)));
  auto gc = cache->gc();
  ASSERT_TRUE(gc);
  EXPECT_EQ(gc->orphan_blobs, 2u);
  EXPECT_EQ(count_files(cache->paths().objects_dir()), 0u);
  auto again = cache->get_or_compile(key_for(5), fake_compile(5, calls));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, Outcome::compiled);
}

// The same, with a real crash: a forked child dies (_exit, no destructors)
// between the blob writes and the index insert.
TEST_F(CacheTest, ProcessDeathBetweenBlobWriteAndIndexInsertLeavesNoEntry) {
  open_cache();  // create the directory and schema first
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FaultEnv env;
    env.inject_checkpoint("insert.blobs_written", FaultEnv::Action::crash);
    auto cache = Cache::open({cache_dir(), 2ull << 30, &env});
    int calls = 0;
    if (cache) (void)(*cache)->get_or_compile(key_for(6), fake_compile(6, calls));
    ::_exit(0);  // not reached when the crash fires
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), fakes::k_crash_exit_code);
  auto cache = open_cache();
  EXPECT_FALSE(*cache->lookup(key_for(6)));
  EXPECT_EQ(cache->stats()->entries, 0u);
  EXPECT_EQ(cache->gc()->orphan_blobs, 2u);
  EXPECT_EQ(count_files(cache->paths().objects_dir()), 0u);
}

TEST_F(CacheTest, FailedBlobWriteInsertsNothing) {
  for (auto op : {FaultEnv::Op::write, FaultEnv::Op::sync, FaultEnv::Op::rename}) {
    for (int nth : {1, 2}) {  // the cubin blob, then the source blob
      SCOPED_TRACE(::testing::Message() << "op " << static_cast<int>(op) << " nth " << nth);
      fs::remove_all(cache_dir());
      FaultEnv env;
      auto cache = open_cache(2ull << 30, &env);
      env.inject(op, nth);
      ASSERT_FALSE(cache->insert(make_entry(7)));
      env.clear_faults();
      EXPECT_FALSE(*cache->lookup(key_for(7)));
      EXPECT_EQ(cache->stats()->entries, 0u);
      ASSERT_TRUE(cache->gc());
      EXPECT_EQ(count_files(cache->paths().objects_dir()), 0u);  // no temps, no orphans
    }
  }
}

TEST_F(CacheTest, CompileFailureIsRememberedUntilForced) {
  auto cache = open_cache();
  int calls = 0;
  auto failing = [&]() -> Result<Entry> {
    ++calls;
    return fail(ErrorCode::compile_error, "nvrtc: 1 error in rmsnorm.cu", "rmsnorm.cu(3): error: expected ';'");
  };
  for (int i = 0; i < 3; ++i) {
    auto r = cache->get_or_compile(key_for(8), failing, Force::no, {"rmsnorm_h128", "sm_90a"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::compile_error);
    EXPECT_EQ(r.error().details, "rmsnorm.cu(3): error: expected ';'");
    EXPECT_NE(r.error().message.find("nvrtc: 1 error"), std::string::npos);
  }
  EXPECT_EQ(calls, 1);
  auto st = cache->stats();
  EXPECT_EQ((*st)[cache::Counter::compile_failures], 1u);
  EXPECT_EQ(st->failures_remembered, 1u);
  EXPECT_EQ((*st)[cache::Counter::compiles], 0u);

  // Another key is not affected; Force::yes tries again and forgets the failure.
  EXPECT_TRUE(cache->get_or_compile(key_for(9), fake_compile(9, calls)));
  auto forced = cache->get_or_compile(key_for(8), fake_compile(8, calls), Force::yes);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->outcome, Outcome::compiled);
  EXPECT_EQ(cache->stats()->failures_remembered, 0u);
  EXPECT_EQ(cache->get_or_compile(key_for(8), failing)->outcome, Outcome::hit);
}

TEST_F(CacheTest, OtherErrorsAreNotRemembered) {
  auto cache = open_cache();
  int calls = 0;
  auto flaky = [&]() -> Result<Entry> {
    if (++calls == 1) return fail(ErrorCode::io_error, "disk hiccup");
    return make_entry(10);
  };
  EXPECT_FALSE(cache->get_or_compile(key_for(10), flaky));
  EXPECT_TRUE(cache->get_or_compile(key_for(10), flaky));
  EXPECT_EQ(calls, 2);
}

TEST_F(CacheTest, ForceRecompilesAnExistingEntry) {
  auto cache = open_cache();
  int calls = 0;
  ASSERT_TRUE(cache->get_or_compile(key_for(11), fake_compile(11, calls)));
  auto forced = cache->get_or_compile(key_for(11), fake_compile(11, calls), Force::yes);
  ASSERT_TRUE(forced);
  EXPECT_EQ(forced->outcome, Outcome::compiled);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache->stats()->entries, 1u);
}

TEST_F(CacheTest, CompileReturningAnotherKeyIsAnError) {
  auto cache = open_cache();
  auto r = cache->get_or_compile(key_for(12), [] { return Result<Entry>(make_entry(13)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::internal);
}

TEST_F(CacheTest, EvictionKeepsUnderCapLeastRecentlyUsedFirst) {
  const std::uint64_t entry_bytes = make_entry(0, 1000).cubin.size() + make_entry(0, 1000).source.size();
  FaultEnv env;  // a manual clock: last-use times have millisecond resolution, a fast run ties them
  auto cache = open_cache(3 * entry_bytes + 10, &env);
  for (int i = 0; i < 3; ++i) {
    env.set_now_ms(1000 + i);
    ASSERT_TRUE(cache->insert(make_entry(i, 1000)));
  }
  env.set_now_ms(1010);
  ASSERT_TRUE(*cache->lookup(key_for(0)));  // 0 becomes most recently used; 1 is now oldest
  env.set_now_ms(1020);
  ASSERT_TRUE(cache->insert(make_entry(3, 1000)));
  auto st = cache->stats();
  EXPECT_LE(st->bytes, cache->max_size());
  EXPECT_EQ(st->entries, 3u);
  EXPECT_EQ((*st)[cache::Counter::evictions], 1u);
  EXPECT_FALSE(*cache->lookup(key_for(1)));
  EXPECT_TRUE(*cache->lookup(key_for(0)));
  EXPECT_FALSE(fs::exists(blob_path(*cache, make_entry(1, 1000).cubin)));  // blob went with the row
}

TEST_F(CacheTest, EntryLargerThanCapIsKeptAndOthersGo) {
  auto cache = open_cache(2000);
  ASSERT_TRUE(cache->insert(make_entry(0, 500)));
  ASSERT_TRUE(cache->insert(make_entry(1, 5000)));
  EXPECT_FALSE(*cache->lookup(key_for(0)));
  EXPECT_TRUE(*cache->lookup(key_for(1)));
  EXPECT_EQ((*cache->stats())[cache::Counter::evictions], 1u);
}

TEST_F(CacheTest, EvictionSkipsPinnedAndLockedEntries) {
  auto cache = open_cache();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cache->insert(make_entry(i, 1000)));
  auto pin = cache->pin(key_for(0));
  // Another holder of key 1's lock (as a compiling process would be).
  auto lock = Env::posix()->lock_file(cache->paths().lock(key_for(1)), Wait::yes);
  ASSERT_TRUE(lock && *lock);
  auto report = cache->evict_to(0);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->evicted, 2u);
  EXPECT_EQ(report->skipped_in_use, 2u);
  EXPECT_TRUE(*cache->lookup(key_for(0)));
  EXPECT_TRUE(*cache->lookup(key_for(1)));
  EXPECT_FALSE(*cache->lookup(key_for(2)));
  lock->reset();
  { auto moved = std::move(pin); }  // unpinned
  EXPECT_EQ(cache->evict_to(0)->evicted, 2u);
  EXPECT_EQ(cache->stats()->entries, 0u);
  EXPECT_EQ(count_files(cache->paths().objects_dir()), 0u);
}

TEST_F(CacheTest, SharedBlobSurvivesEvictionOfOneUser) {
  auto cache = open_cache();
  Entry a = make_entry(20), b = make_entry(20);
  b.key = key_for(21);  // same bytes, another key (e.g. another arch alias)
  ASSERT_TRUE(cache->insert(a));
  ASSERT_TRUE(cache->insert(b));
  auto pin = cache->pin(b.key);
  EXPECT_EQ(cache->evict_to(0)->evicted, 1u);
  auto hit = cache->lookup(b.key);
  ASSERT_TRUE(hit && *hit);
  EXPECT_EQ((*hit)->cubin, a.cubin);
}

TEST_F(CacheTest, GcRemovesStaleTempsAndRowsWithoutBlobs) {
  auto cache = open_cache();
  ASSERT_TRUE(cache->insert(make_entry(30)));
  ASSERT_TRUE(cache->insert(make_entry(31)));
  fs::remove(blob_path(*cache, make_entry(31).cubin));
  auto shard = blob_path(*cache, make_entry(30).cubin).parent_path();
  auto stale = CachePaths::temp_beside(shard / key_for(99));
  auto fresh = CachePaths::temp_beside(shard / key_for(98));
  std::ofstream(stale) << "left by a crash";
  std::ofstream(fresh) << "being written right now";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  auto gc = cache->gc();
  ASSERT_TRUE(gc);
  EXPECT_EQ(gc->stale_temps, 1u);
  EXPECT_EQ(gc->rows_missing_blobs, 1u);
  EXPECT_EQ(gc->orphan_blobs, 1u);  // 31's source blob
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(*cache->lookup(key_for(30)));
  EXPECT_EQ(cache->stats()->entries, 1u);
}

TEST_F(CacheTest, VerifyQuarantinesCorruptBlobs) {
  auto cache = open_cache();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
  flip_byte(blob_path(*cache, make_entry(1).cubin), 0);
  auto report = cache->verify();
  ASSERT_TRUE(report);
  EXPECT_EQ(report->blobs_checked, 6u);
  ASSERT_EQ(report->corrupt_blobs.size(), 1u);
  EXPECT_EQ(report->corrupt_blobs[0], xxh3_128_hex(make_entry(1).cubin));
  EXPECT_EQ(report->entries_removed, 1u);
  EXPECT_EQ((*cache->stats())[cache::Counter::corrupt_detected], 1u);
  EXPECT_EQ(cache->stats()->entries, 2u);
  EXPECT_EQ(cache->verify()->corrupt_blobs.size(), 0u);
}

TEST_F(CacheTest, ClearEmptiesEverything) {
  auto cache = open_cache();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
  ASSERT_TRUE(*cache->lookup(key_for(0)));
  ASSERT_TRUE(cache->clear());
  auto st = cache->stats();
  EXPECT_EQ(st->entries, 0u);
  EXPECT_EQ((*st)[cache::Counter::hits], 0u);
  EXPECT_EQ(count_files(cache->paths().objects_dir()), 0u);
  EXPECT_TRUE(cache->insert(make_entry(0)));
}

TEST_F(CacheTest, ListFiltersByDefinitionAndTemplate) {
  auto cache = open_cache();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
  Entry other = make_entry(5);
  other.definition = "gemm_n4096";
  other.dependencies = {{"templates/gemm/gemm.cu.j2", "cc"}};
  ASSERT_TRUE(cache->insert(other));
  struct Case {
    ListFilter filter;
    std::size_t expected;
  };
  for (const Case& c : {Case{{}, 4}, Case{{"rmsnorm_*", ""}, 3}, Case{{"rmsnorm_h256", ""}, 1},
                        Case{{"", "templates/norm/rmsnorm.cu.j2"}, 3}, Case{{"", "rmsnorm.cu.j2"}, 3},
                        Case{{"", "/src/kjit/templates/gemm/gemm.cu.j2"}, 1}, Case{{"", "norm.cu.j2"}, 0},
                        Case{{"gemm*", "templates/include/vec.cuh"}, 0}}) {
    auto rows = cache->list(c.filter);
    ASSERT_TRUE(rows);
    EXPECT_EQ(rows->size(), c.expected) << c.filter.definition_glob << " | " << c.filter.template_file;
  }
  auto rows = cache->list({"gemm*", ""});
  EXPECT_EQ((*rows)[0].dependencies, other.dependencies);
}

void set_user_version(const fs::path& db_file, int version, const char* extra_sql = nullptr) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_file.c_str(), &db), SQLITE_OK);
  if (extra_sql) {
    ASSERT_EQ(sqlite3_exec(db, extra_sql, nullptr, nullptr, nullptr), SQLITE_OK);
  }
  std::string sql = "PRAGMA user_version=" + std::to_string(version);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST_F(CacheTest, NewerSchemaIsRefusedWithAdvice) {
  ASSERT_TRUE(open_cache()->insert(make_entry(1)));
  set_user_version(cache_dir() / "index.sqlite", 99);
  auto r = Cache::open({cache_dir()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io_error);
  EXPECT_NE(r.error().message.find("schema version 99"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("KJIT_CACHE_DIR"), std::string::npos);
}

TEST_F(CacheTest, PreVersionedIndexIsRebuilt) {
  fs::create_directories(cache_dir());
  set_user_version(cache_dir() / "index.sqlite", 0, "CREATE TABLE kernels(key TEXT, blob BLOB)");
  auto cache = open_cache();
  ASSERT_TRUE(cache);
  ASSERT_TRUE(cache->insert(make_entry(1)));
  EXPECT_TRUE(*cache->lookup(key_for(1)));
}

TEST_F(CacheTest, UncreatableDirectoryIsAClearError) {
  // A path under a regular file cannot be created, even by root.
  std::ofstream(m_dir / "file") << "x";
  auto dir = m_dir / "file" / "sub";
  auto r = Cache::open({dir});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io_error);
  EXPECT_NE(r.error().message.find(dir.string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("KJIT_CACHE_DIR"), std::string::npos);
}

TEST_F(CacheTest, ReadOnlyDirectoryIsAClearError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions; covered by UncreatableDirectoryIsAClearError";
  fs::create_directories(cache_dir());
  fs::permissions(cache_dir(), fs::perms::owner_read | fs::perms::owner_exec);
  auto r = Cache::open({cache_dir()});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(cache_dir().string()), std::string::npos) << r.error().message;
}

TEST_F(CacheTest, EmptyDirectoryIsInvalid) {
  auto r = Cache::open({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace kjit::cache::testing
