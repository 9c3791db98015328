// The CLI on caches it cannot write (issue #19.3) and on bad settings and a
// damaged index (#19.8): a full disk and a read-only mount still serve hits,
// KJIT_CACHE_READONLY compiles misses into memory, malformed
// KJIT_CACHE_MAX_SIZE values are refused naming the variable, and a deleted
// WAL gets advice about the WAL, not about a writable directory.
//
// The full-disk and read-only-mount tests need mounts (tmpfs, a read-only
// bind): they run as root with CAP_SYS_ADMIN (CI on this project's machines)
// and skip elsewhere, saying why.
#include <sys/mount.h>

#include <nlohmann/json.hpp>

#include "cache/cache.h"
#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

CliRun sh(const std::string& command) { return kjit::testing::run_shell(command + " 2>&1"); }

std::string kjit_cmd(const std::string& env, const fs::path& cache, const std::string& args) {
  return "env -u KJIT_DEFINITIONS -u KJIT_ARCH " + env + " '" + std::string(KJIT_BINARY) + "' --cache-dir '" +
         cache.string() + "' " + args;
}

// A small tmpfs (or a read-only bind) under a temp dir, unmounted afterwards.
struct Mount {
  fs::path at;
  bool ok = false;
  Mount(const fs::path& where, const char* source, const char* type, unsigned long flags, const char* data) : at(where) {
    fs::create_directories(at);
    ok = ::geteuid() == 0 && ::mount(source, at.c_str(), type, flags, data) == 0;
  }
  ~Mount() {
    if (ok) ::umount2(at.c_str(), MNT_DETACH);
  }
};

// A full disk used to make 9/9 hits exit 1 ("database or disk is full").
TEST(TrustCacheCliTest, HitsOnAFullDiskAreServed) {
  TempDir t;
  Mount disk(t.path / "disk", "kjit-test", "tmpfs", 0, "size=8m");
  if (!disk.ok) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN to mount a small tmpfs";
  const fs::path cache = disk.at / "cache";
  CliRun r = sh(kjit_cmd("", cache, "compile rmsnorm_h4096 --arch sm_90a"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  sh("dd if=/dev/zero of='" + (disk.at / "fill").string() + "' bs=64k >/dev/null 2>&1");  // fills it
  ASSERT_NE(sh("echo x > '" + (disk.at / "probe").string() + "'").exit_code, 0) << "the disk is not full";
  int served = 0;
  std::string last;
  for (int i = 0; i < 9; ++i) {
    CliRun hit = sh(kjit_cmd("", cache, "get rmsnorm_h4096 --arch sm_90a -o '" + (t.path / "k.cubin").string() + "'"));
    last = hit.out;
    if (hit.exit_code == 0 && hit.out.find(" hit ") != std::string::npos) ++served;
  }
  EXPECT_EQ(served, 9) << last;
  EXPECT_NE(last.find("were not recorded"), std::string::npos) << last;
}

// A pre-warmed cache on a read-only mount: hits served, misses compiled into
// memory, nothing written. (As root chmod does not stop writes: a read-only
// bind mount does.)
TEST(TrustCacheCliTest, ReadOnlyMountServesHitsAndCompilesMissesInMemory) {
  TempDir t;
  const fs::path warm = t.path / "warm";
  CliRun r = sh(kjit_cmd("", warm, "compile rmsnorm_h4096 --arch sm_90a"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_EQ(sh(kjit_cmd("", warm, "cache gc")).exit_code, 0);  // checkpoint, as for an image
  Mount ro(t.path / "ro", warm.c_str(), nullptr, MS_BIND, nullptr);
  if (!ro.ok) GTEST_SKIP() << "needs root with CAP_SYS_ADMIN for a read-only bind mount";
  ASSERT_EQ(::mount(nullptr, ro.at.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr), 0);
  const std::string out = "-o '" + (t.path / "k.cubin").string() + "'";
  CliRun hit = sh(kjit_cmd("", ro.at, "get rmsnorm_h4096 --arch sm_90a " + out));
  EXPECT_EQ(hit.exit_code, 0) << hit.out;
  EXPECT_NE(hit.out.find(" hit "), std::string::npos) << hit.out;
  EXPECT_EQ(hit.out.find("readonly database"), std::string::npos) << hit.out;
  CliRun miss = sh(kjit_cmd("", ro.at, "compile rmsnorm_h7168 --arch sm_90a --json"));
  EXPECT_EQ(miss.exit_code, 0) << miss.out;
  EXPECT_NE(miss.out.find("\"status\":\"compiled\""), std::string::npos) << miss.out;
  CliRun stats = sh(kjit_cmd("", ro.at, "cache stats --json"));
  EXPECT_EQ(stats.exit_code, 0) << stats.out;
  EXPECT_NE(stats.out.find("\"entries\":1"), std::string::npos) << stats.out;
}

// KJIT_CACHE_READONLY=1 on a writable cache: the same, explicitly.
TEST(TrustCacheCliTest, ReadOnlySettingWritesNothing) {
  TempDir t;
  const fs::path c = t.path / "cache";
  ASSERT_EQ(sh(kjit_cmd("", c, "compile rmsnorm_h4096 --arch sm_90a")).exit_code, 0);
  ASSERT_EQ(sh(kjit_cmd("", c, "cache gc")).exit_code, 0);
  const auto before = fs::last_write_time(c / "index.sqlite");
  const auto wal = fs::exists(c / "index.sqlite-wal") ? fs::file_size(c / "index.sqlite-wal") : 0;
  CliRun miss = sh(kjit_cmd("KJIT_CACHE_READONLY=1", c, "compile rmsnorm_h7168 --arch sm_90a --json"));
  EXPECT_EQ(miss.exit_code, 0) << miss.out;
  CliRun hit = sh(kjit_cmd("", c, "--read-only compile rmsnorm_h4096 --arch sm_90a --json"));
  EXPECT_NE(hit.out.find("\"status\":\"hit\""), std::string::npos) << hit.out;
  EXPECT_EQ(fs::last_write_time(c / "index.sqlite"), before);
  EXPECT_EQ(fs::exists(c / "index.sqlite-wal") ? fs::file_size(c / "index.sqlite-wal") : 0, wal);
  CliRun gc = sh(kjit_cmd("KJIT_CACHE_READONLY=1", c, "cache gc"));
  EXPECT_EQ(gc.exit_code, 1);
  EXPECT_NE(gc.out.find("is read-only"), std::string::npos) << gc.out;
  CliRun stats = sh(kjit_cmd("", c, "cache stats --json"));
  EXPECT_NE(stats.out.find("\"entries\":1,"), std::string::npos) << stats.out;
}

// KJIT_CACHE_MAX_SIZE=-5 used to wrap to 2^64-5 and `abc` was ignored.
TEST(TrustCacheCliTest, MalformedSizesAreRefusedNamingTheVariable) {
  TempDir t;
  for (const char* bad : {"-5", "abc", "12Q", "99999999999999999999", "20000000T", " 5"}) {
    CliRun r = sh(kjit_cmd(std::string("KJIT_CACHE_MAX_SIZE='") + bad + "'", t.path / "c", "cache stats"));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("KJIT_CACHE_MAX_SIZE"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("512M, 2G"), std::string::npos) << r.out;
  }
  for (const char* good : {"5", "512M", "2G", "1T", "64KiB"}) {
    CliRun r = sh(kjit_cmd(std::string("KJIT_CACHE_MAX_SIZE=") + good, t.path / "c", "cache stats --json"));
    EXPECT_EQ(r.exit_code, 0) << good << ": " << r.out;
  }
  CliRun r = sh(kjit_cmd("KJIT_CACHE_MAX_SIZE=2G", t.path / "c", "cache stats --json"));
  EXPECT_NE(r.out.find("\"max_bytes\":2147483648"), std::string::npos) << r.out;
  EXPECT_EQ(sh(kjit_cmd("KJIT_CACHE_READONLY=maybe", t.path / "c", "cache stats")).exit_code, 2);
}

// Deleting the -wal file under a process that has the index open used to
// make other processes fail with advice to "set KJIT_CACHE_DIR to a writable
// directory". Whatever SQLite makes of it, the message must not blame the
// directory; when it fails, it names the WAL and what to do.
TEST(TrustCacheCliTest, DeletedWalGetsWalAdvice) {
  TempDir t;
  const fs::path c = t.path / "cache";
  ASSERT_EQ(sh(kjit_cmd("", c, "compile rmsnorm_h4096 --arch sm_90a")).exit_code, 0);
  auto held = cache::Cache::open({c});  // "the running server"
  ASSERT_TRUE(held) << held.error().message;
  ASSERT_TRUE((*held)->stats());
  fs::remove(c / "index.sqlite-wal");
  CliRun r = sh(kjit_cmd("", c, "get rmsnorm_h4096 --arch sm_90a -o '" + (t.path / "k.cubin").string() + "'"));
  EXPECT_EQ(r.out.find("to a writable directory"), std::string::npos) << r.out;
  if (r.exit_code != 0) {
    EXPECT_NE(r.out.find("write-ahead log"), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace kjit::tools
