// Tests for `kjit cache ...` (tools/cli/cmd_cache.cpp) through the built binary
// (KJIT_BINARY); skipped when it has not been built.
#include <sys/wait.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "tests/cache/cache_test_util.h"

namespace kjit::cache::testing {
namespace {

class CacheCliTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (!fs::exists(KJIT_BINARY)) GTEST_SKIP() << "build the kjit CLI first (" << KJIT_BINARY << ")";
  }
  // Runs `kjit --cache-dir <dir> <args>`; returns the exit code, stdout in `out`.
  // `env` (e.g. "LD_DEBUG=files") is put before the binary.
  int kjit(const std::string& args, std::string& out, const fs::path& dir = {}, const std::string& env = {}) {
    std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(KJIT_BINARY) + " --cache-dir '" +
                      (dir.empty() ? cache_dir() : dir).string() + "' " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    out.clear();
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int status = ::pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(CacheCliTest, StatsJsonHasTheContractKeys) {
  {
    auto cache = open_cache();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
    ASSERT_TRUE(*cache->lookup(key_for(0)));
    ASSERT_FALSE(*cache->lookup(key_for(9)));
  }
  std::string out;
  ASSERT_EQ(kjit("cache stats --json", out), 0) << out;
  auto j = nlohmann::json::parse(out);
  for (const char* k : {"entries", "bytes", "hits", "misses", "compiles", "compile_failures", "corrupt_detected"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["entries"], 3);
  EXPECT_EQ(j["hits"], 1);
  EXPECT_EQ(j["misses"], 1);
}

TEST_F(CacheCliTest, LsFiltersByTemplateAndDefinition) {
  {
    auto cache = open_cache();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
  }
  std::string out;
  ASSERT_EQ(kjit("cache ls --template templates/norm/rmsnorm.cu.j2 --json", out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out).size(), 3u);
  ASSERT_EQ(kjit("cache ls --definition 'rmsnorm_h256' --json", out), 0) << out;
  auto j = nlohmann::json::parse(out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["key"], key_for(1));
  ASSERT_EQ(kjit("cache ls", out), 0);
  EXPECT_NE(out.find("rmsnorm_h384"), std::string::npos);
  EXPECT_NE(out.find("3 entries"), std::string::npos) << out;
}

TEST_F(CacheCliTest, ExportImportAndCorruptBundle) {
  {
    auto cache = open_cache();
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(cache->insert(make_entry(i)));
  }
  std::string out;
  auto bundle = m_dir / "b.kjitbundle";
  ASSERT_EQ(kjit("cache export '" + bundle.string() + "' --json", out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["exported"], 2);
  // These made-up entries carry no key inputs: the CLI's importer (which binds
  // content to keys, jit::verify_entry) refuses them, naming the first. A
  // round trip of real entries: tests/cli/trust_bundle_test.cpp.
  ASSERT_EQ(kjit("cache import '" + bundle.string() + "' --json", out, m_dir / "other"), 1) << out;
  EXPECT_NE(out.find("carries no key inputs"), std::string::npos) << out;
  flip_byte(bundle, fs::file_size(bundle) / 2);
  EXPECT_EQ(kjit("cache import '" + bundle.string() + "'", out, m_dir / "third"), 1);
  EXPECT_NE(out.find("nothing was imported"), std::string::npos) << out;
  ASSERT_EQ(kjit("cache stats --json", out, m_dir / "third"), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["entries"], 0);
}

TEST_F(CacheCliTest, UnusableDirectoryNamesThePath) {
  std::ofstream(m_dir / "file") << "x";
  std::string out;
  EXPECT_EQ(kjit("cache stats", out, m_dir / "file" / "sub"), 1);
  EXPECT_NE(out.find((m_dir / "file" / "sub").string()), std::string::npos) << out;
  EXPECT_NE(out.find("KJIT_CACHE_DIR"), std::string::npos) << out;
}

// A cold process serving a cache hit must not load libnvrtc (nvrtc_library.h):
// its identity and archs come from the memo the miss wrote.
TEST_F(CacheCliTest, ColdHitDoesNotLoadNvrtc) {
  std::string out;
  ASSERT_EQ(kjit("compile rmsnorm_h4096 --arch sm_90a", out), 0) << out;
  EXPECT_TRUE(fs::exists(fs::path(cache_dir()) / "nvrtc_identity"));
  ASSERT_EQ(kjit("compile rmsnorm_h4096 --arch sm_90a --json", out, {}, "LD_DEBUG=files"), 0) << out;
  EXPECT_NE(out.find("\"status\":\"hit\""), std::string::npos) << out;
  EXPECT_EQ(out.find("libnvrtc"), std::string::npos) << "a hit loaded NVRTC:\n" << out;
  // A miss does load it.
  ASSERT_EQ(kjit("compile rmsnorm_h4096 --arch sm_90a --force", out, {}, "LD_DEBUG=files"), 0) << out;
  EXPECT_NE(out.find("libnvrtc"), std::string::npos) << out;
}

TEST_F(CacheCliTest, AnUnloadableNvrtcNamesTheFile) {
  const fs::path fake = m_dir / "libnvrtc.so.13";
  std::ofstream(fake) << "not a shared object";
  std::string out;
  EXPECT_NE(kjit("compile rmsnorm_h4096 --arch sm_90a", out, {}, "KJIT_NVRTC_LIBRARY=" + fake.string()), 0) << out;
  EXPECT_NE(out.find("cannot load NVRTC from " + fake.string()), std::string::npos) << out;
}

TEST_F(CacheCliTest, VerifyExitsNonZeroOnCorruption) {
  {
    auto cache = open_cache();
    ASSERT_TRUE(cache->insert(make_entry(1)));
    flip_byte(blob_path(*cache, make_entry(1).cubin), 5);
  }
  std::string out;
  EXPECT_EQ(kjit("cache verify --json", out), 1) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["corrupt"], 1);
  EXPECT_EQ(kjit("cache verify --json", out), 0) << out;
  EXPECT_EQ(kjit("cache gc --json", out), 0) << out;
  EXPECT_EQ(kjit("cache clear", out), 0) << out;
}

}  // namespace
}  // namespace kjit::cache::testing
