// Helpers for the CLI tests (lint/list/show and the workflows: warmup, export,
// serve, watch): a temp directory per test, running build/kjit (run_kjit; the
// workflow tests give it a private cache), and a copy of the templates that a
// test may break.
//
// Thread safety: test-only; one test at a time.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/common/files.h"
#include "tests/common/shell.h"
#include "tests/common/temp_dir.h"

#include <gtest/gtest.h>

namespace kjit::tools::flows_test {

namespace fs = std::filesystem;

inline const std::string k_dataset_root = std::string(KJIT_SHARED_DIR) + "/flashinfer-trace";
inline const std::string k_dataset = k_dataset_root + "/definitions";

// The test's own folder (tests/common/temp_dir.h) as `dir.path`.
struct TempDir {
  kjit::testing::TempDir folder{"kjit_flows"};
  fs::path path = folder.path();
};

using CliRun = kjit::testing::ShellRun;

// Runs `kjit ARGS` (KJIT_DEFINITIONS unset); `redirect` is appended (e.g.
// "2>&1" or "2>/dev/null"); in folder `cwd` when given.
inline CliRun run_kjit(const std::string& args, const std::string& redirect = "2>&1", const fs::path& cwd = {}) {
  std::string cmd = "env -u KJIT_DEFINITIONS -u KJIT_ARCH '" + std::string(KJIT_BINARY) + "' " + args + " " + redirect;
  if (!cwd.empty()) cmd = "cd '" + cwd.string() + "' && " + cmd;
  return kjit::testing::run_shell(cmd);
}

using kjit::testing::read_text;
using kjit::testing::write_text;

// Copies the repository's templates/include and templates/rmsnorm into
// `dest` (a templates root a test may edit).
inline void copy_rmsnorm_templates(const fs::path& dest) {
  fs::path src = fs::path(KJIT_SOURCE_DIR) / "templates";
  fs::create_directories(dest);
  fs::copy(src / "include", dest / "include", fs::copy_options::recursive);
  fs::copy(src / "rmsnorm", dest / "rmsnorm", fs::copy_options::recursive);
}

// The source file (under `templates`) of the template that serves
// definition `name`, per `kjit show --json` and that template's manifest; empty
// on failure. Tests edit this file rather than assume a template's name.
inline fs::path served_source(const fs::path& templates, const std::string& name) {
  CliRun show = run_kjit("--templates '" + templates.string() + "' show " + name + " --json", "2>/dev/null");
  if (show.exit_code != 0) return {};
  try {
    const std::string id = nlohmann::json::parse(show.out).at("template").get<std::string>();  // "<op>/<variant>"
    const fs::path manifest = templates / (id + ".kjit.json");
    const nlohmann::json m = nlohmann::json::parse(read_text(manifest));
    return manifest.parent_path() / m.at("source").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return {};
  }
}

// The template serving each definition of `op_types` that `kjit list` finds with the dataset and
// `extra` folders on the search path (kjit's own definitions off): name -> template id, "(none)"
// when no template serves it. Fails the test (and returns {}) when `kjit list` fails.
inline std::map<std::string, std::string> served_templates(const std::vector<std::string>& extra,
                                                           const std::set<std::string>& op_types) {
  std::string args = "--no-builtin-definitions --definitions '" + k_dataset + "'";
  for (const auto& dir : extra) args += " --definitions '" + dir + "'";
  CliRun list = run_kjit(args + " list --json", "2>/dev/null");
  EXPECT_EQ(list.exit_code, 0) << list.out;
  std::map<std::string, std::string> served;
  if (list.exit_code != 0) return served;
  for (const auto& d : nlohmann::json::parse(list.out)) {
    if (!op_types.contains(d["op_type"].get<std::string>())) continue;
    served[d["name"].get<std::string>()] = d["template"].is_string() ? d["template"].get<std::string>() : "(none)";
  }
  return served;
}

// A made-up elementwise op for the cache-trust tests (cache_trust_test, trust_direct_test): the
// definition `name` (op_type `name`: y = 2 x over n floats) in DEFS/NAME/NAME.json and a template
// root serving it, TEMPLATES/NAME/scale.kjit.json, scale.cu.j2 and scale.plan.j2.
struct ScaleOp {
  std::string name;
  fs::path defs, templates, cache;

  void write_definition(const std::string& description = "y = 2 x") const {
    write_text(defs / name / (name + ".json"), R"({
  "name": ")" + name + R"(", "op_type": ")" + name + R"(", "description": ")" + description + R"(", "tags": [],
  "axes": {"n": {"type": "var"}},
  "inputs": {"x": {"shape": ["n"], "dtype": "float32"}},
  "outputs": {"y": {"shape": ["n"], "dtype": "float32"}},
  "reference": "import torch\ndef run(x):\n    return 2 * x\n"
})");
  }
  void write_manifest() const {
    write_text(templates / name / "scale.kjit.json", R"({
  "description": "y = 2 x", "source": "scale.cu.j2", "plan": "scale.plan.j2", "priority": 0,
  "serves": {"op_type": ")" + name + R"(", "inputs": ["x"], "outputs": ["y"], "const_axes": [], "var_axes": ["n"]}
})");
  }
  // The kernel: the element index i, then `body` (its statements or an include), then the closing brace.
  void write_source(const std::string& body) const {
    write_text(templates / name / "scale.cu.j2",
               "extern \"C\" __global__ void {{ entry_prefix }}(const float* __restrict__ x, float* y, long long n) {\n"
               "  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;\n" + body + "}\n");
  }
  // The launch plan: one launch of `block` threads a block over n.
  void write_plan(int block) const {
    write_text(templates / name / "scale.plan.j2",
               "{\"launches\": [{\"entry\": \"{{ entry_prefix }}\", \"grid\": [\"ceil_div(n, " + std::to_string(block) +
                   ")\", 1, 1], \"block\": [" + std::to_string(block) + ", 1, 1], \"shared_bytes\": 0, "
                   "\"args\": [\"x\", \"y\", \"n\"]}]}\n");
  }
  // kjit's options to use these definitions, templates and cache only.
  std::string args() const {
    return "--no-builtin-definitions --definitions '" + defs.string() + "' --templates '" + templates.string() +
           "' --cache-dir '" + cache.string() + "' ";
  }
};

// Whether the public dataset has every op-type folder of `op_dirs`; when not, the test fails under
// CI=true (CI must have the dataset) and the caller skips it elsewhere.
inline bool dataset_has(std::initializer_list<std::string> op_dirs) {
  for (const auto& d : op_dirs) {
    if (fs::is_directory(k_dataset + "/" + d)) continue;
    if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") ADD_FAILURE() << "dataset missing in CI: " << k_dataset;
    return false;
  }
  return true;
}

// Runs the warmup `kjit ARGS --arch sm_90a,sm_80 -j 2 --json` and returns its items; fails the test
// and returns no items when it exits non-zero or does not list `expected` items.
inline nlohmann::json warmup_items(const std::string& args, std::size_t expected) {
  CliRun r = run_kjit(args + " --arch sm_90a,sm_80 -j 2 --json", "2>/dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  if (r.exit_code != 0) return nlohmann::json::array();
  nlohmann::json items = nlohmann::json::parse(r.out)["items"];
  EXPECT_EQ(items.size(), expected) << r.out;
  return items.size() == expected ? items : nlohmann::json::array();
}

// Runs the warmup of each case (kjit's arguments: search path and `warmup --filter ...`, and how many
// definitions they select) for sm_90a and sm_80 with a private cache, and checks every item with `check`.
struct WarmupCase {
  std::string args;
  std::size_t definitions;
};
inline void for_each_warmup_item(const std::vector<WarmupCase>& cases,
                                 const std::function<void(const nlohmann::json&)>& check) {
  TempDir dir;
  const std::string cache = "--cache-dir '" + (dir.path / "cache").string() + "' ";
  for (const auto& c : cases)
    for (const auto& item : warmup_items(cache + c.args, 2 * c.definitions)) check(item);
}

// `kjit lint DIRS... --json` exits 0.
inline void expect_lint_clean(const std::vector<std::string>& dirs) {
  std::string args = "lint";
  for (const auto& d : dirs) args += " '" + d + "'";
  CliRun lint = run_kjit(args + " --json", "2>/dev/null");
  EXPECT_EQ(lint.exit_code, 0) << lint.out;
}

// A warmup item that compiled (or hit the cache) with registers reported and no register spills.
inline void expect_compiled(const nlohmann::json& item) {
  EXPECT_TRUE(item["status"] == "compiled" || item["status"] == "hit") << item.dump();
  EXPECT_GT(item["registers"].get<int>(), 0) << item.dump();
  EXPECT_EQ(item["spill_bytes"], 0) << item.dump();
}

}  // namespace kjit::tools::flows_test
