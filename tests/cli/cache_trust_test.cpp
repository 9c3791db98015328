// CLI tests of what the cache may serve: a plan-only template edit misses
// (the rendered launch plan is a key input, issue #16.1), and every command
// that writes a file accepts a bare file name (issue #16.2: the directory
// fsync of "" used to fail after the file was written).
//
// The plan test uses its own one-file template root and made-up definition,
// so it does not depend on the shipped templates.
#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

// A plan value as text (plans keep integers as expression strings).
std::string text(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

// A definition `trust_scale` (op_type trust_scale: y = 2x over n floats) and a
// template root serving it whose plan file says `block: [BLOCK, 1, 1]`.
struct ScaleFixture {
  TempDir dir;
  ScaleOp op{"trust_scale", dir.path / "defs", dir.path / "templates", dir.path / "cache"};

  ScaleFixture() {
    op.write_definition();
    op.write_manifest();
    op.write_source("  if (i < n) y[i] = 2.0f * x[i];\n");
    set_block(128);
  }
  void set_block(int block) { op.write_plan(block); }
  std::string args() const { return op.args(); }
  json compile() const {
    CliRun r = run_kjit(args() + "compile trust_scale --arch sm_90a --json", "2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    try {
      return json::parse(r.out);
    } catch (const json::exception&) {
      ADD_FAILURE() << "not JSON: " << r.out;
      return {};
    }
  }
  json plan() const {
    const fs::path cubin = dir.path / "out" / "k.cubin", plan = dir.path / "out" / "plan.json";
    CliRun r = run_kjit(args() + "get trust_scale --arch sm_90a -o '" + cubin.string() + "' --plan '" + plan.string() + "'");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(read_text(plan));
  }
};

TEST(CacheTrustTest, PlanOnlyTemplateEditMissesAndServesTheNewPlan) {
  ScaleFixture f;
  json first = f.compile();
  EXPECT_EQ(first["status"], "compiled");
  EXPECT_EQ(text(f.plan()["launches"][0]["block"][0]), "128");
  EXPECT_EQ(f.compile()["status"], "hit");

  f.set_block(256);  // the plan file only: the CUDA source renders the same bytes
  json second = f.compile();
  EXPECT_EQ(second["status"], "compiled") << "a plan-only edit was served from the cache";
  EXPECT_NE(second["key"], first["key"]);
  json plan = f.plan();
  EXPECT_EQ(text(plan["launches"][0]["block"][0]), "256");
  EXPECT_EQ(text(plan["launches"][0]["grid"][0]), "ceil_div(n, 256)");
}

TEST(CacheTrustTest, KeyInputsListThePlan) {
  ScaleFixture f;
  CliRun r = run_kjit(f.args() + "show trust_scale --key-inputs --arch sm_90a", "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\n  plan "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  source "), std::string::npos) << r.out;
}

// `-o a.cubin`, `cache export bundle.kjit`, `warmup --report report.json`:
// a bare file name in the current folder, then "./" and a relative folder.
TEST(CacheTrustTest, BareOutputFileNamesWork) {
  ScaleFixture f;
  const fs::path work = f.dir.path / "work";
  fs::create_directories(work / "rel");
  auto run_in = [&](const std::string& cmd) { return run_kjit(f.args() + cmd, "2>&1", work); };
  for (const std::string prefix : {"", "./", "rel/"}) {
    CliRun get = run_in("get trust_scale --arch sm_90a -o " + prefix + "a.cubin --plan " + prefix + "a.json");
    EXPECT_EQ(get.exit_code, 0) << prefix << ": " << get.out;
    EXPECT_GT(fs::file_size(work / (prefix + "a.cubin")), 0u) << prefix;
    EXPECT_NO_THROW(json::parse(read_text(work / (prefix + "a.json")))) << prefix;

    CliRun report = run_in("warmup --arch sm_90a --report " + prefix + "report.json");
    EXPECT_EQ(report.exit_code, 0) << prefix << ": " << report.out;
    EXPECT_EQ(json::parse(read_text(work / (prefix + "report.json")))["items"].size(), 1u) << prefix;

    CliRun exp = run_in("cache export " + prefix + "bundle.kjit");
    EXPECT_EQ(exp.exit_code, 0) << prefix << ": " << exp.out;
    EXPECT_GT(fs::file_size(work / (prefix + "bundle.kjit")), 0u) << prefix;
  }
}

}  // namespace
}  // namespace kjit::tools
