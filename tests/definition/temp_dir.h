// A per-test temporary folder (removed on destruction) and helpers to write
// definition files into it, for the definition tests.
//
// Thread safety: one per test; not shared.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace kjit::jit::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string leaf = std::string("kjit-def-") + (info ? info->name() : "test") + "-" +
                       std::to_string(::getpid()) + "-" + std::to_string(counter++);
    m_path = std::filesystem::temp_directory_path() / leaf;
    std::filesystem::remove_all(m_path);
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  // Writes `text` to `relative` (creating folders); returns the full path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    std::filesystem::path p = m_path / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::filesystem::path m_path;
};

// A small valid definition (rmsnorm-like) to start tests from.
inline nlohmann::ordered_json minimal_definition(const std::string& name = "toy_norm") {
  return nlohmann::ordered_json::parse(R"({
    "name": ")" + name + R"(",
    "op_type": "rmsnorm",
    "description": "toy",
    "tags": ["model:alpha"],
    "axes": {"rows": {"type": "var"}, "width": {"type": "const", "value": 8}},
    "inputs": {"x": {"shape": ["rows", "width"], "dtype": "bfloat16"},
               "w": {"shape": ["width"], "dtype": "bfloat16"}},
    "outputs": {"y": {"shape": ["rows", "width"], "dtype": "bfloat16"}},
    "reference": "def run(x, w):\n    return x\n"
  })");
}

}  // namespace kjit::jit::testing
