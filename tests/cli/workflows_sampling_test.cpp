// Sampling and rope without a GPU: every dataset sampling / rope definition
// and kjit's made-up ones (tests/gpu/definitions/{sampling,rope}) is served by
// the intended template and compiles with NVRTC for sm_90a and sm_80 with no
// spills; the launch plan carries the seed / offset parameters; an
// --inputs-profile typo is a usage error naming the profiles.
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/cli/workflows_test_util.h"

namespace kjit::tools {
namespace {

using namespace flows_test;
using nlohmann::json;

const std::string k_made_up = std::string(KJIT_SOURCE_DIR) + "/tests/gpu/definitions";

// CI must have the dataset (GUIDE.md): skip outside CI, fail in it.
bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

TEST(WorkflowsSamplingTest, EveryDefinitionCompilesWithoutSpills) {
  if (!fs::is_directory(k_dataset)) {
    if (in_ci()) FAIL() << "public dataset missing at " << k_dataset << " (CI=true)";
    GTEST_SKIP() << "public dataset not found at " << k_dataset;
  }
  TempDir dir;
  const std::string defs = "--no-builtin-definitions --definitions '" + k_dataset + "' --definitions '" + k_made_up +
                           "/sampling' --definitions '" + k_made_up + "/rope' ";
  std::vector<std::string> names;
  for (const char* op : {"sampling", "rope"}) {
    CliRun list = run_kjit(defs + "list --op-type " + op + " --json", "2>/dev/null");
    ASSERT_EQ(list.exit_code, 0) << list.out;
    for (const auto& d : json::parse(list.out)) names.push_back(d["name"]);
  }
  EXPECT_EQ(names.size(), 18u + 1u + 4u + 4u);  // dataset sampling + rope, made-up sampling + rope
  const std::string cache = "--cache-dir '" + (dir.path / "cache").string() + "' ";
  CliRun r = run_kjit(cache + defs + "warmup --arch sm_90a,sm_80 -j 2 --json --filter 'top_*,rope*,samplingtest_*'",
                      "2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["items"].size(), 2 * names.size()) << r.out;
  for (const auto& it : doc["items"]) {
    EXPECT_EQ(it["status"], "compiled") << it.dump();
    EXPECT_EQ(it["spill_bytes"], 0) << it.dump();
  }
  // The template each one got (compile --json reports it; these are cache hits now). The rope
  // style comes from the reference (is_neox = 0 in the made-up GPT-J ones), not the name.
  std::string all;
  for (const auto& n : names) all += n + " ";
  CliRun c = run_kjit(cache + defs + "compile " + all + "--arch sm_90a --json", "2>/dev/null");
  ASSERT_EQ(c.exit_code, 0) << c.out;
  std::istringstream lines(c.out);
  std::size_t seen = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const json j = json::parse(line);
    const std::string name = j["name"], tmpl = j.value("template", "");
    ++seen;
    EXPECT_EQ(j["status"], "hit") << line;
    if (name.rfind("rope", 0) == 0) {
      EXPECT_EQ(tmpl, name.find("gptj") != std::string::npos ? "rope/rope_interleaved" : "rope/rope") << name;
    } else {
      const std::string kind = name.find("top_k_top_p") != std::string::npos ? "top_k_top_p"
                               : name.find("top_k") != std::string::npos  ? "top_k"
                                                                          : "top_p";
      EXPECT_EQ(tmpl, "sampling/" + kind) << name;
    }
  }
  EXPECT_EQ(seen, names.size());
}

TEST(WorkflowsSamplingTest, PlanCarriesSeedAndOffsetAndProfilesAreChecked) {
  if (!fs::is_directory(k_dataset)) {
    if (in_ci()) FAIL() << "public dataset missing at " << k_dataset << " (CI=true)";
    GTEST_SKIP() << "public dataset not found at " << k_dataset;
  }
  TempDir dir;
  CliRun r = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" + k_made_up +
                          "/sampling' get samplingtest_top_k_v7 --arch sm_90a -o '" + (dir.path / "k.cubin").string() +
                          "' --plan '" + (dir.path / "plan.json").string() + "'",
                      "2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(dir.path / "plan.json");
  json plan = json::parse(in);
  ASSERT_EQ(plan["params"].size(), 2u) << plan.dump();
  EXPECT_EQ(plan["params"][0]["name"], "seed");
  EXPECT_EQ(plan["params"][1]["name"], "offset");
  EXPECT_EQ(plan["params"][1]["advance"], "1");
  const auto& args = plan["launches"][0]["args"];
  EXPECT_EQ(args.back(), "offset") << plan.dump();
  // A bad profile is refused before any device is opened (exit 2, the profiles named).
  CliRun bad = run_kjit("--cache-dir '" + (dir.path / "cache").string() + "' --definitions '" + k_made_up +
                        "/sampling' check samplingtest_top_k_v7 --inputs-profile nope --axes batch_size=2");
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_NE(bad.out.find("no input profile 'nope' for samplingtest_top_k_v7 (op_type sampling; profiles: onehot,"),
            std::string::npos)
      << bad.out;
}

}  // namespace
}  // namespace kjit::tools
