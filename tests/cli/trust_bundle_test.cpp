// Bundle import and `cache verify` bind content to keys (issue #19.2):
// poisoned bundles (another kernel's cubin under a key, checksums
// recomputed), bad plans and wrong signatures are refused naming the entry;
// verify finds rows whose blobs were swapped. Uses kjit's own rmsnorm
// definitions, compiled for real.
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "cache/bundle.h"
#include "jit/api/entry_verify.h"
#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

// A cache with rmsnorm_h4096 and rmsnorm_h7168 for sm_90a, and its bundle.
struct TwoKernels {
  TempDir dir;
  fs::path cache = dir.path / "cache", bundle = dir.path / "warm.kjitbundle";
  TwoKernels() {
    CliRun r = run_kjit("--cache-dir '" + cache.string() + "' compile rmsnorm_h4096 rmsnorm_h7168 --arch sm_90a");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = run_kjit("--cache-dir '" + cache.string() + "' cache export '" + bundle.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
  }
  std::vector<cache::Entry> entries() const {
    auto bytes = cache::Env::posix()->read_file(bundle);
    auto parsed = cache::parse_bundle(*bytes, bundle.string());
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
    return parsed ? parsed->entries : std::vector<cache::Entry>{};
  }
  // Writes `entries` as a bundle (with fresh, valid checksums: what a forger does).
  fs::path write(const std::vector<cache::Entry>& entries, const std::string& name) const {
    fs::path out = dir.path / name;
    auto w = cache::BundleWriter::create(*cache::Env::posix(), out);
    EXPECT_TRUE(w);
    for (const auto& e : entries) EXPECT_TRUE(w->add(e));
    EXPECT_TRUE(w->finish());
    return out;
  }
  CliRun import(const fs::path& file, const std::string& extra = "") const {
    return run_kjit("--cache-dir '" + (dir.path / "fleet").string() + "' cache import '" + file.string() + "' " + extra);
  }
  json fleet_stats() const {
    return json::parse(run_kjit("--cache-dir '" + (dir.path / "fleet").string() + "' cache stats --json", "2>/dev/null").out);
  }
};

cache::Entry& by_name(std::vector<cache::Entry>& v, const std::string& name) {
  for (auto& e : v)
    if (e.definition == name) return e;
  ADD_FAILURE() << "no entry " << name;
  return v.front();
}

TEST(TrustBundleTest, GenuineBundleImportsAndVerifies) {
  TwoKernels k;
  auto entries = k.entries();
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) EXPECT_TRUE(jit::verify_entry(e)) << jit::verify_entry(e).error().message;
  CliRun r = k.import(k.bundle);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(k.fleet_stats()["entries"], 2);
}

// The issue's attack: rmsnorm_h4096's cubin under rmsnorm_h7168's key, every
// checksum recomputed. Used to import with exit 0 and serve the wrong kernel.
TEST(TrustBundleTest, SwappedCubinWithRecomputedChecksumsIsRefusedNamingTheEntry) {
  TwoKernels k;
  auto entries = k.entries();
  ASSERT_EQ(entries.size(), 2u);
  by_name(entries, "rmsnorm_h7168").cubin = by_name(entries, "rmsnorm_h4096").cubin;
  const std::string key = by_name(entries, "rmsnorm_h7168").key;
  CliRun r = k.import(k.write(entries, "poisoned.kjitbundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(key), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rmsnorm_h7168"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("another kernel's binary"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing was imported"), std::string::npos) << r.out;
  EXPECT_EQ(k.fleet_stats()["entries"], 0);
}

TEST(TrustBundleTest, WrongKeyIsRefused) {
  TwoKernels k;
  auto entries = k.entries();
  std::string key = entries[0].key;
  key[0] = key[0] == 'a' ? 'b' : 'a';
  entries[0].key = key;
  CliRun r = k.import(k.write(entries, "rekeyed.kjitbundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("does not belong to its key"), std::string::npos) << r.out;
  EXPECT_EQ(k.fleet_stats()["entries"], 0);
}

// An entry whose launch plan is not JSON used to import, then fail every get.
TEST(TrustBundleTest, BadPlanIsRefused) {
  TwoKernels k;
  auto entries = k.entries();
  entries[1].launch_plan_json = "{\"launches\": [";
  CliRun r = k.import(k.write(entries, "badplan.kjitbundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find(entries[1].key), std::string::npos) << r.out;
  EXPECT_EQ(k.fleet_stats()["entries"], 0);
}

TEST(TrustBundleTest, CubinForAnotherArchIsRefused) {
  TwoKernels k;
  auto entries = k.entries();
  cache::Entry& e = entries[0];
  e.cubin[49] = 80;  // e_flags bits 8-15: sm_80 instead of sm_90
  CliRun r = k.import(k.write(entries, "arch.kjitbundle"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("its cubin is for sm_80"), std::string::npos) << r.out;
}

TEST(TrustBundleTest, SignaturesAreRequiredWithAKey) {
  TwoKernels k;
  const fs::path k1 = k.dir.path / "k1", k2 = k.dir.path / "k2";
  write_text(k1, "0123456789abcdef0123456789abcdef\n");
  write_text(k2, "fedcba9876543210fedcba9876543210\n");
  const fs::path signed_bundle = k.dir.path / "signed.kjitbundle";
  CliRun r = run_kjit("--cache-dir '" + k.cache.string() + "' cache export '" + signed_bundle.string() + "' --sign-key '" +
                      k1.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = k.import(signed_bundle, "--sign-key '" + k2.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("signed with another key"), std::string::npos) << r.out;
  r = k.import(k.bundle, "--sign-key '" + k1.string() + "'");  // unsigned
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("is not signed"), std::string::npos) << r.out;
  r = k.import(k.bundle, "--require-signature");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("no key is configured"), std::string::npos) << r.out;
  EXPECT_EQ(k.fleet_stats()["entries"], 0);
  // KJIT_BUNDLE_KEY configures the key for import too (run_kjit's command
  // line is `env -u ... kjit ARGS REDIRECT`: the variable goes first).
  const std::string cmd = "KJIT_BUNDLE_KEY='" + k1.string() + "' '" + std::string(KJIT_BINARY) + "' --cache-dir '" +
                          (k.dir.path / "fleet2").string() + "' cache import '" + k.bundle.string() + "' 2>&1";
  const auto unsigned_run = kjit::testing::run_shell(cmd);
  EXPECT_EQ(unsigned_run.exit_code, 2) << unsigned_run.out;
  EXPECT_NE(unsigned_run.out.find("is not signed"), std::string::npos) << unsigned_run.out;
  r = k.import(signed_bundle, "--sign-key '" + k1.string() + "' --require-signature");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// `cache verify` used to check blobs against their names only: two rows with
// their cubin_hash/cubin_size swapped served each other's kernels.
TEST(TrustBundleTest, VerifyFindsSwappedRows) {
  TwoKernels k;
  const fs::path index = k.cache / "index.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(index.c_str(), &db), SQLITE_OK);
  const char* swap = R"sql(
    CREATE TEMP TABLE s AS SELECT key, cubin_hash, cubin_size FROM kernels;
    UPDATE kernels SET
      cubin_hash = (SELECT s.cubin_hash FROM s WHERE s.key <> kernels.key),
      cubin_size = (SELECT s.cubin_size FROM s WHERE s.key <> kernels.key);)sql";
  ASSERT_EQ(sqlite3_exec(db, swap, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  CliRun r = run_kjit("--cache-dir '" + k.cache.string() + "' cache verify --json", "2>/dev/null");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["unbound"], 2);
  EXPECT_EQ(j["entries_removed"], 2);
  EXPECT_NE(j["unbound_entries"].dump().find("another kernel's binary"), std::string::npos) << r.out;
  r = run_kjit("--cache-dir '" + k.cache.string() + "' cache verify --json", "2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // The next get compiles the right kernel again.
  r = run_kjit("--cache-dir '" + k.cache.string() + "' compile rmsnorm_h7168 --arch sm_90a --json", "2>/dev/null");
  EXPECT_EQ(json::parse(r.out)["status"], "compiled") << r.out;
}

}  // namespace
}  // namespace kjit::tools
