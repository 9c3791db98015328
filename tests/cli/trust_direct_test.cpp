// Direct mode (issue #16, jit/api/direct.h): a cached `kjit get`/`compile`
// served without parsing definitions or rendering, and never stale — an edit
// of the definition, of any template file the entry depends on, of a manifest,
// an option, the toolkit identity or kjit's build makes it miss and take the
// full path. `-v` prints the direct-mode outcome and reason, which these tests
// read.
//
// Rows are only recorded for files older than k_direct_settle_ms (1 s), so
// each fixture waits that long once after writing its files.
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "jit/api/build_identity.h"
#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

// A made-up definition `direct_scale` and a template root serving it, whose
// source includes `inc/scale_body.cuh.j2`.
struct DirectFixture {
  TempDir dir;
  ScaleOp op{"direct_scale", dir.path / "defs", dir.path / "templates", dir.path / "cache"};
  fs::path defs = op.defs, templates = op.templates, cache = op.cache;

  DirectFixture() {
    write_definition("y = 2 x");
    op.write_manifest();
    op.write_source("{% include 'inc/scale_body.cuh.j2' %}");
    write_body("2.0f");
    op.write_plan(128);
    settle();
  }
  void write_definition(const std::string& description) { op.write_definition(description); }
  void write_body(const std::string& factor) {
    write_text(templates / "direct_scale" / "inc" / "scale_body.cuh.j2", "  if (i < n) y[i] = " + factor + " * x[i];\n");
  }
  // Files younger than k_direct_settle_ms are not trusted to record a row.
  static void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(1100)); }

  std::string args() const { return op.args() + "-v "; }
  // `kjit compile direct_scale --json` (+ `extra`): the JSON line and stderr.
  struct Run {
    json result;
    std::string err;
  };
  Run compile(const std::string& extra = "", const std::string& env = "") const {
    const fs::path err_file = dir.path / "stderr.txt";
    std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string("env -u KJIT_DEFINITIONS -u KJIT_ARCH '") +
                      KJIT_BINARY + "' " + args() + "compile direct_scale --arch sm_90a --json " + extra + " 2>'" +
                      err_file.string() + "'";
    const auto [exit_code, out] = kjit::testing::run_shell(cmd);
    Run r;
    r.err = read_text(err_file);
    EXPECT_EQ(exit_code, 0) << out << r.err;
    try {
      r.result = json::parse(out);
    } catch (const json::exception&) {
      ADD_FAILURE() << "not JSON: " << out << r.err;
    }
    return r;
  }
};

bool direct_hit(const DirectFixture::Run& r) { return r.err.find("direct mode: direct_scale: hit") != std::string::npos; }

// Compiles, then expects the next request to be a direct hit.
void warm(DirectFixture& f) {
  auto first = f.compile();
  EXPECT_EQ(first.result["status"], "compiled") << first.err;
  EXPECT_FALSE(direct_hit(first));
  auto second = f.compile();
  EXPECT_EQ(second.result["status"], "hit");
  EXPECT_TRUE(direct_hit(second)) << second.err;
  EXPECT_EQ(second.result["key"], first.result["key"]);
  EXPECT_EQ(second.result["template"], "direct_scale/scale");
  EXPECT_GT(second.result["registers"].get<int>(), 0);
}

// Compiles with `extra` options and expects the full path, for `reason` when given; returns the run.
DirectFixture::Run expect_miss(const DirectFixture& f, const std::string& extra = "", const std::string& reason = "") {
  auto r = f.compile(extra);
  EXPECT_FALSE(direct_hit(r)) << r.err;
  if (!reason.empty()) {
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  }
  return r;
}

TEST(TrustDirectTest, CachedRequestIsServedWithoutLoadingDefinitions) {
  DirectFixture f;
  warm(f);
  // `get` takes the same path and writes the same cubin and plan.
  CliRun get = run_kjit(f.args() + "get direct_scale --arch sm_90a -o '" + (f.dir.path / "k.cubin").string() +
                        "' --plan '" + (f.dir.path / "k.json").string() + "'");
  EXPECT_EQ(get.exit_code, 0) << get.out;
  EXPECT_NE(get.out.find("direct mode: direct_scale: hit"), std::string::npos) << get.out;
  EXPECT_GT(fs::file_size(f.dir.path / "k.cubin"), 0u);
  EXPECT_EQ(json::parse(read_text(f.dir.path / "k.json"))["definition"], "direct_scale");
}

TEST(TrustDirectTest, DefinitionEditMisses) {
  DirectFixture f;
  warm(f);
  f.write_definition("y = 2 x, edited");
  expect_miss(f, "", "definition file or folder on the search path changed");
}

TEST(TrustDirectTest, NewDefinitionFileOnThePathMisses) {
  DirectFixture f;
  warm(f);
  // A second file defining the same name, earlier in the sorted order, shadows the first.
  write_text(f.defs / "direct_scale" / "a_shadow.json", read_text(f.defs / "direct_scale" / "direct_scale.json"));
  expect_miss(f);
}

TEST(TrustDirectTest, IncludedTemplateEditMissesAndRecompiles) {
  DirectFixture f;
  warm(f);
  const json before = f.compile().result;
  f.write_body("3.0f");
  auto r = expect_miss(f, "", "scale_body.cuh.j2");
  EXPECT_EQ(r.result["status"], "compiled");
  EXPECT_NE(r.result["key"], before["key"]);
}

TEST(TrustDirectTest, ManifestEditMisses) {
  DirectFixture f;
  warm(f);
  const fs::path manifest = f.templates / "direct_scale" / "scale.kjit.json";
  std::string text = read_text(manifest);
  text.replace(text.find("\"priority\": 0"), 13, "\"priority\": 1");
  write_text(manifest, text);
  expect_miss(f, "", "template manifest or template folder changed");
}

TEST(TrustDirectTest, AnOptionMisses) {
  DirectFixture f;
  warm(f);
  EXPECT_EQ(expect_miss(f, "-O -lineinfo").result["status"], "compiled");
}

// The toolkit's identity is part of the direct key: a different NVRTC (here
// the identity memo rewritten, as a reinstall would) misses.
TEST(TrustDirectTest, AnotherToolkitIdentityMisses) {
  DirectFixture f;
  warm(f);
  const fs::path memo = f.cache / "nvrtc_identity";
  std::string text = read_text(memo);
  // Line 3 is the identity ("nvrtc 13.0 (V13.0.88, ...)"; nvrtc_version.h).
  const auto at = text.find("\nnvrtc ");
  ASSERT_NE(at, std::string::npos) << text;
  text.insert(at + 7, "other-");
  write_text(memo, text);
  expect_miss(f);
}

// kjit's own build is part of the direct key: it is the GNU build ID of the
// running binary, read from memory.
TEST(TrustDirectTest, BuildIdentityIsTheBinarysBuildId) {
  const std::string& id = jit::kjit_build_identity();
  ASSERT_TRUE(id.starts_with("build-id ")) << id;
  CliRun version = run_kjit("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("kjit (build "), std::string::npos) << version.out;
  // This test binary's own ID, as readelf reports it for the file.
  std::string cmd = "readelf -n '" + fs::read_symlink("/proc/self/exe").string() + "' | sed -n 's/.*Build ID: //p'";
  std::string out = kjit::testing::run_shell(cmd).out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (out.empty()) GTEST_SKIP() << "readelf not available";
  EXPECT_EQ(id, "build-id " + out);
}

// --force always takes the full path (and recompiles).
TEST(TrustDirectTest, ForceBypassesDirectMode) {
  DirectFixture f;
  warm(f);
  EXPECT_EQ(expect_miss(f, "--force").result["status"], "compiled");
}

}  // namespace
}  // namespace kjit::tools
