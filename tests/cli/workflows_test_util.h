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
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/common/files.h"
#include "tests/common/shell.h"

#include <gtest/gtest.h>

namespace kjit::tools::flows_test {

namespace fs = std::filesystem;

inline const std::string k_dataset_root = std::string(KJIT_SHARED_DIR) + "/flashinfer-trace";
inline const std::string k_dataset = k_dataset_root + "/definitions";

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("kjit_flows_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
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

}  // namespace kjit::tools::flows_test
