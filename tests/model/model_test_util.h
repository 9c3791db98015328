// Helpers for the jit/model tests: a temp folder per test, the config
// fixtures of tests/data/models/, deriving a fixture at a parallelism, and
// running build/kjit (for the `kjit model` CLI tests).
//
// Thread safety: test-only; one test at a time.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jit/model/architectures.h"
#include "tests/common/shell.h"
#include "jit/model/derive.h"
#include "jit/model/hf_config.h"

namespace kjit::jit::model_test {

namespace fs = std::filesystem;

inline const fs::path k_fixtures = fs::path(KJIT_TEST_DATA) / "models";
inline const fs::path k_dataset = fs::path(KJIT_SHARED_DIR) / "flashinfer-trace" / "definitions";

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_path = fs::temp_directory_path() / (std::string("kjit-model-") + (info ? info->name() : "test") + "-" +
                                          std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(m_path);
    fs::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

inline nlohmann::json fixture_json(const std::string& name) {
  return nlohmann::json::parse(read_text(k_fixtures / (name + ".json")));
}

// The ModelSpec of fixture `name` (tests/data/models/<name>.json).
inline Result<ModelSpec> fixture_spec(const std::string& name) {
  auto config = HfConfig::load(k_fixtures / (name + ".json"));
  if (!config) return std::unexpected(config.error());
  return read_model_spec(*config);
}

// Derives fixture `name` (model tag = `name`) at tp/ep with the defaults.
inline Result<Derivation> derive_fixture(const std::string& name, std::int64_t tp = 1, std::int64_t ep = 1) {
  auto spec = fixture_spec(name);
  if (!spec) return std::unexpected(spec.error());
  DeriveOptions options;
  options.model_name = name;
  options.tp = tp;
  options.ep = ep;
  return derive_definitions(*spec, options);
}

// Whether the dataset is here; outside CI a test may skip without it, in CI
// (CI=true) its absence is a failure.
inline bool dataset_present_or_skip_message(std::string* message) {
  if (fs::is_directory(k_dataset)) return true;
  const char* ci = std::getenv("CI");
  *message = "flashinfer-trace dataset not found at " + k_dataset.string();
  if (ci != nullptr && std::string(ci) == "true") ADD_FAILURE() << *message << " (CI=true: the dataset is required)";
  return false;
}

using CliRun = kjit::testing::ShellRun;

// Runs `kjit ARGS` with KJIT_DEFINITIONS and KJIT_ARCH unset; `redirect` is
// appended ("2>&1", "2>/dev/null").
inline CliRun run_kjit(const std::string& args, const std::string& redirect = "2>&1") {
  return kjit::testing::run_shell("env -u KJIT_DEFINITIONS -u KJIT_ARCH '" + std::string(KJIT_BINARY) + "' " + args +
                                  " " + redirect);
}

}  // namespace kjit::jit::model_test
