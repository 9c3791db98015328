// Tests for CUDA toolkit discovery (fake toolkits in a temp dir, plus the real one).
#include "jit/compiler/toolkit.h"
#include "jit/compiler/nvrtc_library.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kjit::jit {
namespace {

namespace fs = std::filesystem;

class ToolkitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "kjit_toolkit_test_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    m_dir = pattern;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // A fake toolkit root with every required header (minus `skip`).
  std::string make_root(const std::string& name, const std::string& cuda_version, const char* skip = nullptr) {
    const fs::path include = m_dir / name / "include";
    fs::create_directories(include / "cccl/cuda/std/__cccl");
    for (const char* header : required_toolkit_headers()) {
      if (skip != nullptr && std::string_view(header) == skip) continue;
      std::ofstream(include / header) << "// fake\n";
    }
    std::ofstream(include / "cuda.h") << "#pragma once\n#define CUDA_VERSION " << cuda_version << "\n";
    std::ofstream(include / "cccl/cuda/std/__cccl/version.h") << "#define CCCL_VERSION 3000001\n";
    return (m_dir / name).string();
  }

  fs::path m_dir;
};

TEST_F(ToolkitTest, FindsFirstCompleteRoot) {
  std::vector<std::string> roots = {(m_dir / "absent").string(), make_root("partial", "12080", "cuda_fp8.h"),
                                    make_root("full", "13000")};
  auto toolkit = find_toolkit(roots);
  ASSERT_TRUE(toolkit) << toolkit.error().full();
  EXPECT_EQ(toolkit->root, roots[2]);
  ASSERT_EQ(toolkit->include_dirs.size(), 2u);
  EXPECT_EQ(toolkit->include_dirs[0], roots[2] + "/include");
  EXPECT_EQ(toolkit->include_dirs[1], roots[2] + "/include/cccl");
  EXPECT_EQ(toolkit->header_version, "cuda 13000, cccl 3000001");
}

TEST_F(ToolkitTest, HeaderVersionDoesNotDependOnLocation) {
  std::vector<std::string> a = {make_root("a/cuda", "13000")};
  std::vector<std::string> b = {make_root("somewhere/else/cuda-13.0", "13000")};
  EXPECT_EQ(find_toolkit(a)->header_version, find_toolkit(b)->header_version);
}

TEST_F(ToolkitTest, NotFoundListsRootsAndMissingHeaders) {
  std::vector<std::string> roots = {make_root("partial", "13000", "cuda_bf16.h"), (m_dir / "absent").string()};
  auto toolkit = find_toolkit(roots);
  ASSERT_FALSE(toolkit);
  EXPECT_EQ(toolkit.error().code, ErrorCode::not_found);
  EXPECT_NE(toolkit.error().message.find("CUDA_HOME"), std::string::npos);
  EXPECT_NE(toolkit.error().details.find(roots[0] + ": missing cuda_bf16.h"), std::string::npos)
      << toolkit.error().details;
  EXPECT_NE(toolkit.error().details.find(roots[1] + ": missing cuda.h"), std::string::npos);
}

TEST_F(ToolkitTest, CandidatesStartWithTheNvrtcKjitUses) {
  const std::string lib = nvrtc_library_path();
  ASSERT_FALSE(lib.empty());
  EXPECT_NE(lib.find("libnvrtc"), std::string::npos) << lib;
  const auto candidates = toolkit_candidates();
  ASSERT_FALSE(candidates.empty());
  EXPECT_EQ(candidates.front(), fs::path(lib).parent_path().parent_path().string());
  EXPECT_EQ(candidates.back(), "/usr/local/cuda");
}

TEST_F(ToolkitTest, DefaultToolkitHasHeaders) {
  const auto& toolkit = default_toolkit();
  ASSERT_TRUE(toolkit) << toolkit.error().full();
  EXPECT_TRUE(fs::exists(fs::path(toolkit->include_dirs.front()) / "cuda_bf16.h"));
  EXPECT_TRUE(toolkit->header_version.starts_with("cuda 1")) << toolkit->header_version;
}

}  // namespace
}  // namespace kjit::jit
