// A fresh temporary folder for one test, removed with everything in it on
// destruction: <tmp>/<prefix>-<test name>-<pid>-<counter>, so parallel ctest
// processes and repeated tests never share one. Shared by the test folders'
// fixtures (definition, template, codegen, api, compiler, runtime, cli and
// remote-cache tests).
//
// Thread safety: one per test; not shared. The counter is atomic.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/common/files.h"

namespace kjit::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "kjit-test") {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string leaf = prefix + "-" + (info ? info->name() : "test") + "-" + std::to_string(::getpid()) + "-" +
                       std::to_string(counter++);
    std::ranges::replace(leaf, '/', '_');  // parameterized tests are named "Name/0"
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

  // Writes `text` to `relative` (creating folders, bytes as given); returns the full path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    std::filesystem::path p = m_path / relative;
    write_text(p, text);
    return p;
  }

 private:
  std::filesystem::path m_path;
};

}  // namespace kjit::testing
